// Package casefile reads and runs ramauthz case files: JSON lists of
// authorization cases with their expected outcomes. The ramauthz command's
// test subcommand and the authztest package both run them, so a case written
// once can be checked from the shell, in CI and in go test.
//
// # Format
//
// A case file is a JSON array of objects. Every case has a "name" (unique in
// its file) and a "kind" ("decide" when absent); an optional "description"
// is ignored. The other fields depend on the kind:
//
// decide: one request against a set of policies (the format of
// testdata/conformance).
//
//	{"name": "...", "policies": [<document>, ...],
//	 "request": {"action": "...", "resource": "...",
//	             "context": {"KEY": "value" | ["v1", "v2"]},
//	             "principal": {"type": "User", "account_id": "...", "arn": "..."}},
//	 "expect": "Allow" | "ExplicitDeny" | "ImplicitDeny"}
//
// A document whose statements carry a Principal element is read as a trust
// policy, any other as an identity policy. "context" and "principal" are
// optional; principal types are those of evaluator.PrincipalType.String
// ("Account", "User", "Role", "Service", "Federated").
//
// assume_role: may this caller assume this role (spec §6.3)?
//
//	{"kind": "assume_role", "name": "...", "role_arn": "acs:ram::<uid>:role/<name>",
//	 "trust_policy": <document>,
//	 "caller": {"type": "RamUser" | "RamRole" | "Service" | "Federated",
//	            "account_id": "...", "arn": "..." | "service": "..." | "provider_arn": "...",
//	            "session_name": "..."},
//	 "caller_policies": [<document>, ...], "context": {...}, "expect": "..."}
//
// The case builds a directory.Directory holding the role (with the trust
// policy) and the caller (a RAM user or a session of a RAM role with the
// caller policies; services and identity providers have none), and calls
// its AssumeRole. Success is Allow; a refusal is ExplicitDeny when the
// refusing side (the trust policy or the caller's policies) denies
// explicitly, as the *directory.AssumeRoleError says, else ImplicitDeny.
// A context key sts:ExternalId becomes AssumeRole's ExternalId.
//
// session: a request made by a session of a role (spec §6.2, §6.4).
//
//	{"kind": "session", "name": "...", "role_policies": [<document>, ...],
//	 "session_policy": <document> | null, "request": {...}, "expect": "..."}
//
// The case creates a role in account 1234567890123456 with the role
// policies, assumes it with directory.AssumeRole (passing the session
// policy), and decides the request for the new session, by its
// credentials, with directory.AuthorizeSession.
//
// invalid: a document that must be rejected.
//
//	{"kind": "invalid", "name": "...", "policy_type": "identity" | "trust" | "session",
//	 "policy": <JSON value> | "policy_text": "<raw text>",
//	 "error": "ErrDuplicateKey", "path": "Statement[0].Effect"}
//
// "error" (the name of a policy sentinel error) and "path" (the JSON path of
// the problem) are optional; when given, the rejection must match them.
//
// Policies embedded in a case are parsed from their exact bytes with
// policy.Parse, so everything the parser rejects in a file it rejects in a
// case too. The case file itself is read with unknown fields rejected, so a
// misspelt field cannot silently turn a case into one that always passes.
//
// Cases are independent values; Run may be called from several goroutines on
// different cases.
package casefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// The case kinds.
const (
	KindDecide     = "decide"
	KindAssumeRole = "assume_role"
	KindSession    = "session"
	KindInvalid    = "invalid"
)

// ErrFormat is wrapped by every error about the shape of a case file (as
// opposed to the policies inside it).
var ErrFormat = errors.New("invalid case file")

// FormatError reports a case file that cannot be read as cases. Index is
// the position of the offending case in the file (-1 for the file as a
// whole).
type FormatError struct {
	File  string
	Index int
	Name  string // the case's name, when it has one
	Msg   string
}

// Error formats the error as FILE: case N ("name"): message.
func (e *FormatError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Index >= 0 {
		b.WriteString("case ")
		b.WriteString(strconv.Itoa(e.Index))
		if e.Name != "" {
			b.WriteString(" (")
			b.WriteString(strconv.Quote(e.Name))
			b.WriteByte(')')
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

// Case is one case of a case file. The fields mirror the JSON format
// described in the package documentation; fields that do not belong to the
// case's kind are empty.
type Case struct {
	Kind        string `json:"kind,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// decide, session
	Policies []json.RawMessage `json:"policies,omitempty"`
	Request  *Request          `json:"request,omitempty"`
	Expect   string            `json:"expect,omitempty"`

	// assume_role
	RoleARN        string            `json:"role_arn,omitempty"`
	TrustPolicy    json.RawMessage   `json:"trust_policy,omitempty"`
	Caller         *Caller           `json:"caller,omitempty"`
	CallerPolicies []json.RawMessage `json:"caller_policies,omitempty"`
	Context        Context           `json:"context,omitempty"`

	// session
	RolePolicies  []json.RawMessage `json:"role_policies,omitempty"`
	SessionPolicy json.RawMessage   `json:"session_policy,omitempty"`

	// invalid
	PolicyType string          `json:"policy_type,omitempty"`
	Policy     json.RawMessage `json:"policy,omitempty"`
	PolicyText *string         `json:"policy_text,omitempty"`
	Error      string          `json:"error,omitempty"`
	Path       string          `json:"path,omitempty"`

	// File is the file the case was read from ("" for cases read from
	// memory) and Index its position in that file.
	File  string `json:"-"`
	Index int    `json:"-"`
}

// Request is the request of a decide or session case.
type Request struct {
	Action    string     `json:"action"`
	Resource  string     `json:"resource"`
	Context   Context    `json:"context,omitempty"`
	Principal *Principal `json:"principal,omitempty"`
}

// Principal is the principal of a decide case's request, as the evaluator
// sees it.
type Principal struct {
	Type      string `json:"type"`
	AccountID string `json:"account_id,omitempty"`
	ARN       string `json:"arn,omitempty"`
}

// Caller is the identity that asks to assume a role in an assume_role case.
type Caller struct {
	// Type is "RamUser", "RamRole", "Service" or "Federated".
	Type      string `json:"type"`
	AccountID string `json:"account_id,omitempty"`
	// ARN names a RamUser (acs:ram::<uid>:user/<name>) or the role of a
	// RamRole caller (acs:ram::<uid>:role/<name>).
	ARN string `json:"arn,omitempty"`
	// Service names a Service caller, such as "ecs.aliyuncs.com".
	Service string `json:"service,omitempty"`
	// ProviderARN names the identity provider of a Federated caller.
	ProviderARN string `json:"provider_arn,omitempty"`
	// SessionName is the session of a RamRole caller.
	SessionName string `json:"session_name,omitempty"`
}

// Context is a request context: each key has one or more values. In JSON a
// single value may be written as a string, several as a list of strings.
type Context map[string][]string

// UnmarshalJSON reads {"KEY": "value" | ["v1", "v2"], ...}.
func (c *Context) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errors.New("context must be an object of strings or lists of strings")
	}
	out := make(Context, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		var err error
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			err = json.Unmarshal(v, &s)
			out[k] = []string{s}
		case len(v) > 0 && v[0] == '[':
			var list []string
			err = json.Unmarshal(v, &list)
			out[k] = list
		default:
			err = errors.New("not a string")
		}
		if err != nil {
			return fmt.Errorf("context key %q must be a string or a list of strings", k)
		}
	}
	*c = out
	return nil
}

// Fill sets every key of c on ctx.
func (c Context) Fill(ctx *evaluator.Context) {
	for k, v := range c {
		ctx.Set(k, v...)
	}
}

// ReadFile reads the case file name.
func ReadFile(name string) ([]Case, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(data, name)
}

// Parse reads a case file's contents; file names it in errors and in the
// cases. Every error it returns wraps ErrFormat (see FormatError).
func Parse(data []byte, file string) ([]Case, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil || raws == nil {
		msg := "a case file must be a JSON array of cases"
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, &FormatError{File: file, Index: -1, Msg: msg}
	}
	cases := make([]Case, len(raws))
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		c := &cases[i]
		if msg := checkStrict(raw); msg != "" {
			return nil, &FormatError{File: file, Index: i, Name: nameOf(raw), Msg: msg}
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, &FormatError{File: file, Index: i, Name: nameOf(raw), Msg: err.Error()}
		}
		c.File, c.Index = file, i
		if err := c.check(); err != nil {
			return nil, &FormatError{File: file, Index: i, Name: c.Name, Msg: err.Error()}
		}
		if j, dup := seen[c.Name]; dup {
			return nil, &FormatError{File: file, Index: i, Name: c.Name, Msg: "the name is already used by case " + strconv.Itoa(j)}
		}
		seen[c.Name] = i
	}
	return cases, nil
}

// nameOf fishes the name out of a case that failed to decode, for the error.
func nameOf(raw json.RawMessage) string {
	var v struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Name
}

// KindOf returns the case's kind, with the default applied.
func (c *Case) KindOf() string {
	if c.Kind == "" {
		return KindDecide
	}
	return c.Kind
}

// check validates the fields a case of its kind needs and rejects the
// fields that belong to other kinds.
func (c *Case) check() error {
	if c.Name == "" {
		return errors.New(`a case needs a "name"`)
	}
	type field struct {
		name string
		set  bool
	}
	all := []field{
		{"policies", c.Policies != nil},
		{"request", c.Request != nil},
		{"expect", c.Expect != ""},
		{"role_arn", c.RoleARN != ""},
		{"trust_policy", c.TrustPolicy != nil},
		{"caller", c.Caller != nil},
		{"caller_policies", c.CallerPolicies != nil},
		{"context", c.Context != nil},
		{"role_policies", c.RolePolicies != nil},
		{"session_policy", c.SessionPolicy != nil},
		{"policy_type", c.PolicyType != ""},
		{"policy", c.Policy != nil},
		{"policy_text", c.PolicyText != nil},
		{"error", c.Error != ""},
		{"path", c.Path != ""},
	}
	var allowed, required []string
	switch c.KindOf() {
	case KindDecide:
		allowed = []string{"policies", "request", "expect"}
		required = allowed
	case KindAssumeRole:
		allowed = []string{"role_arn", "trust_policy", "caller", "caller_policies", "context", "expect"}
		required = []string{"role_arn", "trust_policy", "caller", "expect"}
	case KindSession:
		allowed = []string{"role_policies", "session_policy", "request", "expect"}
		required = []string{"role_policies", "request", "expect"}
	case KindInvalid:
		allowed = []string{"policy_type", "policy", "policy_text", "error", "path"}
		required = []string{"policy_type"}
	default:
		return fmt.Errorf("unknown kind %q (want decide, assume_role, session or invalid)", c.Kind)
	}
	for _, f := range all {
		in := func(list []string) bool {
			for _, s := range list {
				if s == f.name {
					return true
				}
			}
			return false
		}
		switch {
		case f.set && !in(allowed):
			return fmt.Errorf("field %q does not belong in %s case", f.name, article(c.KindOf()))
		case !f.set && in(required):
			return fmt.Errorf("%s case needs %q", article(c.KindOf()), f.name)
		}
	}
	if c.Expect != "" {
		if _, err := evaluator.ParseDecision(c.Expect); err != nil {
			return fmt.Errorf(`"expect" must be "Allow", "ExplicitDeny" or "ImplicitDeny"; got %q`, c.Expect)
		}
	}
	if c.Request != nil && c.Request.Principal != nil {
		if _, ok := principalTypes[c.Request.Principal.Type]; !ok {
			return fmt.Errorf("unknown principal type %q (want Account, User, Role, Service or Federated)", c.Request.Principal.Type)
		}
	}
	if c.KindOf() == KindInvalid {
		if _, err := policy.ParseKind(c.PolicyType); err != nil {
			return fmt.Errorf(`"policy_type" must be "identity", "trust" or "session"; got %q`, c.PolicyType)
		}
		if (c.Policy != nil) == (c.PolicyText != nil) {
			return errors.New(`an invalid case needs exactly one of "policy" and "policy_text"`)
		}
		if c.Error != "" {
			if _, ok := sentinels[c.Error]; !ok {
				return fmt.Errorf("unknown error %q (want one of %s)", c.Error, strings.Join(SentinelNames(), ", "))
			}
		}
	}
	if c.Caller != nil {
		switch c.Caller.Type {
		case "RamUser", "RamRole", "Service", "Federated":
		default:
			return fmt.Errorf("unknown caller type %q (want RamUser, RamRole, Service or Federated)", c.Caller.Type)
		}
		if err := c.checkCaller(); err != nil {
			return err
		}
	}
	if c.KindOf() == KindSession && c.Request.Principal != nil {
		return errors.New(`a session case's request has no "principal": the session is the principal`)
	}
	return nil
}

// article puts "a" or "an" before a kind name.
func article(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

var principalTypes = map[string]evaluator.PrincipalType{
	"None":      evaluator.PrincipalNone,
	"Account":   evaluator.PrincipalAccount,
	"User":      evaluator.PrincipalUser,
	"Role":      evaluator.PrincipalRole,
	"Service":   evaluator.PrincipalService,
	"Federated": evaluator.PrincipalFederated,
}

var sentinels = map[string]error{
	"ErrSyntax":         policy.ErrSyntax,
	"ErrDuplicateKey":   policy.ErrDuplicateKey,
	"ErrUnknownElement": policy.ErrUnknownElement,
	"ErrMissing":        policy.ErrMissing,
	"ErrInvalid":        policy.ErrInvalid,
	"ErrConflict":       policy.ErrConflict,
	"ErrLimit":          policy.ErrLimit,
}

// SentinelNames returns the names of policy's sentinel errors, as case
// files and the ramauthz command spell them ("ErrSyntax", ...), sorted.
func SentinelNames() []string {
	return []string{"ErrConflict", "ErrDuplicateKey", "ErrInvalid", "ErrLimit", "ErrMissing", "ErrSyntax", "ErrUnknownElement"}
}

// SentinelName returns the name of the policy sentinel error err wraps, or
// "" when it wraps none.
func SentinelName(err error) string {
	for _, n := range SentinelNames() {
		if errors.Is(err, sentinels[n]) {
			return n
		}
	}
	return ""
}
