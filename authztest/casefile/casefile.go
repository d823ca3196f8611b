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
// A context key sts:ExternalId (in any spelling that is the same key, spec
// §13 D23) becomes AssumeRole's ExternalId.
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
// case too; a policy error found when a case runs is reported at its place
// in the file (FILE:LINE:COL: policies[1].Statement[0].Effect: ...).
//
// The case file itself is read strictly (internal/strictjson), so that no
// reader can see a different case than the one that runs: member names are
// matched exactly, two members whose names are equal under Unicode case
// folding ("request" and "requeſt") are an error rather than one silently
// winning, unknown members are errors, nothing may follow the array, and a
// context may not name one condition key twice under the evaluator's key
// rule (spec §13 D23: acs:SourceIp and acs:sourceip). Every error carries
// the file, line and column. A case that cannot be read fails on its own
// (Case.Err) and does not hide the other cases of its file.
//
// Cases are independent values; Run may be called from several goroutines on
// different cases.
package casefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/fileinput"
	"github.com/ramauthz/ramauthz/internal/strictjson"
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

// MaxFileBytes is the largest case file ReadFile reads (16 MiB).
const MaxFileBytes = 16 << 20

// FormatError reports a case file, or one case of it, that cannot be read
// as cases. Index is the position of the offending case in the file (-1
// for the file as a whole). Line and Column (1-based; columns count bytes)
// and Offset give the position in the file of the offending value, or of
// the case when the problem is with the case as a whole; they are 0, 0 and
// -1 when unknown. Path is the JSON path of the offending value inside the
// case, such as request.context["oss:Prefix"] ("" for the case itself or
// the whole file).
type FormatError struct {
	File   string
	Line   int
	Column int
	Offset int
	Index  int
	Name   string // the case's name, when it has one
	Path   string
	Msg    string
}

// Error formats the error as FILE:LINE:COL: case N ("name"): PATH: message,
// leaving out what is unknown.
func (e *FormatError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
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
	if e.Path != "" {
		b.WriteString(e.Path)
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
	// Err is set, to a *FormatError, when Parse could not read the case;
	// Run then fails the case with it.
	Err error `json:"-"`
	// src is the case in its file, to place errors found later.
	src strictjson.Raw
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

// Fill sets every key of c on ctx, in sorted key order, so that the result
// does not depend on map order even for a Context built in code with two
// spellings of one key (see Twin; Parse refuses such contexts): the key
// that sorts last then wins.
func (c Context) Fill(ctx *evaluator.Context) {
	for _, k := range slices.Sorted(maps.Keys(c)) {
		ctx.Set(k, c[k]...)
	}
}

// ReadFile reads the case file name and parses it as Parse does. The file
// must be a regular file of at most MaxFileBytes; reading it never takes
// more memory than that, and a named pipe or device is refused at once.
// Read errors are *fs.PathError values.
func ReadFile(name string) ([]Case, error) {
	data, err := fileinput.Read(name, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(data, name)
}

// Parse reads a case file's contents; file names it in errors and in the
// cases. The file is read with internal/strictjson: member names must be
// spelled exactly, no object may hold two members whose names are equal
// when case is ignored (context keys: equal under the evaluator's key rule,
// spec D23), unknown members are errors, and nothing may follow the array.
//
// A file that is not a JSON array of cases yields no cases and a
// *FormatError with Index -1. Otherwise Parse returns every case of the
// file, in order. A case that cannot be read has Err set to a *FormatError
// (and may lack any other field but File and Index); it fails when run, so
// one bad case neither hides nor stops the others. The error Parse then
// returns joins those *FormatErrors (errors.As finds the first). Every
// error wraps ErrFormat.
func Parse(data []byte, file string) ([]Case, error) {
	const notArray = "a case file must be a JSON array of cases"
	var top strictjson.Raw
	if err := strictjson.Unmarshal(data, &top); err != nil {
		fe := &FormatError{File: file, Offset: -1, Index: -1, Msg: notArray}
		var je *strictjson.Error
		if errors.As(err, &je) { // strictjson returns only *Error
			fe.Offset, fe.Line, fe.Column = je.Offset, je.Line, je.Column
			fe.Msg += ": " + jsonMessage(je)
		}
		return nil, fe
	}
	var raws []strictjson.Raw
	if k := top.Kind(); k != strictjson.KindArray {
		fe := caseError(top, notArray+"; got "+k.String())
		fe.File, fe.Index = file, -1
		return nil, fe
	}
	if err := top.Unmarshal(&raws); err != nil { // cannot fail: an array of Raw
		return nil, &FormatError{File: file, Offset: -1, Index: -1, Msg: notArray + ": " + err.Error()}
	}
	cases := make([]Case, len(raws))
	seen := make(map[string]int, len(raws))
	var errs []error
	for i, raw := range raws {
		c := &cases[i]
		fe := readCase(raw, c)
		c.File, c.Index, c.src = file, i, raw
		if fe == nil {
			if j, dup := seen[c.Name]; dup {
				fe = caseError(raw, "the name is already used by case "+strconv.Itoa(j))
			} else {
				seen[c.Name] = i
			}
		}
		if fe != nil {
			fe.File, fe.Index = file, i
			if fe.Name == "" {
				fe.Name = nameOf(raw)
			}
			c.Err = fe
			if c.Name == "" {
				c.Name = fe.Name
			}
			errs = append(errs, fe)
		}
	}
	return cases, errors.Join(errs...)
}

// readCase decodes and checks one case.
func readCase(raw strictjson.Raw, c *Case) *FormatError {
	if k := raw.Kind(); k != strictjson.KindObject {
		return caseError(raw, "a case must be a JSON object; got "+k.String())
	}
	if err := raw.Unmarshal(c); err != nil {
		*c = Case{}
		var je *strictjson.Error
		if !errors.As(err, &je) { // strictjson returns only *Error
			return caseError(raw, err.Error())
		}
		return &FormatError{
			Line: je.Line, Column: je.Column, Offset: je.Offset,
			Path: casePath(je.Path, raw.Path()), Msg: jsonMessage(je),
		}
	}
	if err := c.check(); err != nil {
		at := raw
		var fe *fieldError
		if errors.As(err, &fe) {
			at = member(raw, fe.path)
		}
		e := caseError(at, err.Error())
		e.Name = c.Name
		return e
	}
	return nil
}

// fieldError is a problem with one field of a case; path names the field
// from the case down ("caller.type").
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string { return e.msg }

func fieldErr(path, msg string) error { return &fieldError{path: path, msg: msg} }

// member returns the value at path ("request.principal.type",
// "policies[2]") inside the object raw, or the deepest value on the way
// that exists.
func member(raw strictjson.Raw, path string) strictjson.Raw {
	for _, step := range strings.Split(path, ".") {
		name, index, hasIndex := step, 0, false
		if open := strings.IndexByte(step, '['); open > 0 && strings.HasSuffix(step, "]") {
			n, err := strconv.Atoi(step[open+1 : len(step)-1])
			if err != nil {
				return raw
			}
			name, index, hasIndex = step[:open], n, true
		}
		var members map[string]strictjson.Raw
		if raw.Unmarshal(&members) != nil {
			return raw
		}
		m, ok := members[name]
		if !ok {
			return raw
		}
		raw = m
		if hasIndex {
			var elems []strictjson.Raw
			if raw.Unmarshal(&elems) != nil || index >= len(elems) {
				return raw
			}
			raw = elems[index]
		}
	}
	return raw
}

// caseError is an error about a case as a whole, positioned at the case.
func caseError(raw strictjson.Raw, msg string) *FormatError {
	e := &FormatError{Offset: raw.Offset(), Msg: msg}
	e.Line, e.Column = raw.LineColumn()
	return e
}

// casePath turns the path of a value in the file ($[3].request.action)
// into its path in the case (request.action).
func casePath(path, casePrefix string) string {
	rest, ok := strings.CutPrefix(path, casePrefix)
	if !ok {
		return path
	}
	return strings.TrimPrefix(rest, ".")
}

// jsonMessage is a strictjson error's message without its position.
func jsonMessage(e *strictjson.Error) string {
	return e.Err.Error() + ": " + e.Msg
}

// nameOf fishes the name out of a case that failed to decode, for the
// error: the first string "name" member, if the case is an object.
func nameOf(raw strictjson.Raw) string {
	var n nameSniffer
	if raw.Unmarshal(&n) != nil {
		return ""
	}
	return string(n)
}

// nameSniffer reads the first string member "name" of any object, whatever
// else the object holds (duplicates included).
type nameSniffer string

func (n *nameSniffer) UnmarshalStrictJSON(d *strictjson.Decoder) error {
	count := 0
	distinct := func(string) string { count++; return strconv.Itoa(count) }
	found := false
	return d.Object(distinct, func(name string, d *strictjson.Decoder) error {
		if name == "name" && !found && d.Kind() == strictjson.KindString {
			found = true
			var s string
			err := d.Decode(&s)
			*n = nameSniffer(s)
			return err
		}
		var skip strictjson.Raw
		return d.Decode(&skip)
	})
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
		return fieldErr("kind", fmt.Sprintf("unknown kind %q (want decide, assume_role, session or invalid)", c.Kind))
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
			return fieldErr(f.name, fmt.Sprintf("field %q does not belong in %s case", f.name, article(c.KindOf())))
		case !f.set && in(required):
			return fmt.Errorf("%s case needs %q", article(c.KindOf()), f.name)
		}
	}
	if c.Expect != "" {
		if _, err := evaluator.ParseDecision(c.Expect); err != nil {
			return fieldErr("expect", fmt.Sprintf(`"expect" must be "Allow", "ExplicitDeny" or "ImplicitDeny"; got %q`, c.Expect))
		}
	}
	if c.Request != nil && c.Request.Principal != nil {
		if _, ok := principalTypes[c.Request.Principal.Type]; !ok {
			return fieldErr("request.principal.type", fmt.Sprintf("unknown principal type %q (want Account, User, Role, Service or Federated)", c.Request.Principal.Type))
		}
	}
	if c.KindOf() == KindInvalid {
		if _, err := policy.ParseKind(c.PolicyType); err != nil {
			return fieldErr("policy_type", fmt.Sprintf(`"policy_type" must be "identity", "trust" or "session"; got %q`, c.PolicyType))
		}
		if (c.Policy != nil) == (c.PolicyText != nil) {
			return errors.New(`an invalid case needs exactly one of "policy" and "policy_text"`)
		}
		if c.Error != "" {
			if _, ok := sentinels[c.Error]; !ok {
				return fieldErr("error", fmt.Sprintf("unknown error %q (want one of %s)", c.Error, strings.Join(SentinelNames(), ", ")))
			}
		}
	}
	if c.Caller != nil {
		switch c.Caller.Type {
		case "RamUser", "RamRole", "Service", "Federated":
		default:
			return fieldErr("caller.type", fmt.Sprintf("unknown caller type %q (want RamUser, RamRole, Service or Federated)", c.Caller.Type))
		}
		if err := c.checkCaller(); err != nil {
			return err
		}
	}
	if c.KindOf() == KindSession && c.Request.Principal != nil {
		return fieldErr("request.principal", `a session case's request has no "principal": the session is the principal`)
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
