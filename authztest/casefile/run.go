package casefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/strictjson"
	"github.com/ramauthz/ramauthz/policy"
)

// Result is the outcome of running one case.
type Result struct {
	// Case is the case that ran.
	Case *Case
	// Pass reports whether the outcome was the expected one.
	Pass bool
	// Expected and Got are the expected and actual outcomes: a decision
	// name for decide, assume_role and session cases; "rejected" or
	// "accepted" for invalid cases; Got is "error" when the case could not
	// run (see Err).
	Expected string
	Got      string
	// Detail explains Got: the explanation of the decision (one or more
	// lines, as evaluator.Explanation.String), or the parser's error for an
	// invalid case.
	Detail string
	// Err is set when the case could not be run: a policy in a decide case
	// that does not parse, for instance. Pass is then false.
	Err error
}

// Outcomes of invalid cases.
const (
	Rejected = "rejected"
	Accepted = "accepted"
)

// Run runs the case and reports its outcome. It never panics on bad input:
// problems with the case become Result.Err.
func (c *Case) Run() Result {
	r := Result{Case: c, Expected: c.Expect}
	switch {
	case c.Err != nil:
		r.Err = c.Err
	case c.KindOf() == KindDecide:
		c.runDecide(&r)
	case c.KindOf() == KindAssumeRole:
		c.runAssumeRole(&r)
	case c.KindOf() == KindSession:
		c.runSession(&r)
	case c.KindOf() == KindInvalid:
		c.runInvalid(&r)
	default:
		r.Err = fmt.Errorf("unknown kind %q", c.Kind)
	}
	if r.Err != nil {
		if c.Err == nil {
			r.Err = c.placePolicyError(r.Err)
		}
		r.Got, r.Pass = "error", false
		if r.Detail == "" {
			r.Detail = r.Err.Error()
		}
	}
	return r
}

// Line renders a result as one line: "PASS name" or
// "FAIL file: name: expected X, got Y: detail", with the detail's lines
// joined by "; ". A case that could not be read is
// "FAIL file:line:col: case N ("name"): message" (its FormatError).
func (r Result) Line() string {
	var fe *FormatError
	if r.Case.Err != nil && errors.As(r.Case.Err, &fe) {
		return "FAIL " + fe.Error()
	}
	var b strings.Builder
	if r.Pass {
		b.WriteString("PASS ")
	} else {
		b.WriteString("FAIL ")
	}
	if r.Case.File != "" {
		b.WriteString(r.Case.File)
		b.WriteString(": ")
	}
	if r.Case.Name != "" {
		b.WriteString(r.Case.Name)
	} else {
		b.WriteString("case ")
		b.WriteString(strconv.Itoa(r.Case.Index))
	}
	if r.Pass {
		return b.String()
	}
	b.WriteString(": expected ")
	b.WriteString(r.Expected)
	b.WriteString(", got ")
	b.WriteString(r.Got)
	if d := OneLine(r.Detail); d != "" {
		b.WriteString(": ")
		b.WriteString(d)
	}
	return b.String()
}

// OneLine joins the non-empty, trimmed lines of s with "; ".
func OneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// ParsePolicy parses one embedded document. A document whose statements
// have a Principal element is read as a trust policy when kind is
// policy.Identity; name is used in errors.
func ParsePolicy(raw json.RawMessage, kind policy.Kind, name string) (*policy.Document, error) {
	if kind == policy.Identity && hasPrincipal(raw) {
		kind = policy.Trust
	}
	return policy.Parse(raw, policy.WithKind(kind), policy.WithFile(name))
}

// hasPrincipal reports whether some statement of the document has a
// Principal member. Names are matched exactly, as the policy parser matches
// them; a document this cannot read is left to the parser to reject.
func hasPrincipal(raw json.RawMessage) bool {
	var doc exactMembers
	if strictjson.Unmarshal(raw, &doc) != nil {
		return false
	}
	st, ok := doc["Statement"]
	if !ok {
		return false
	}
	var list []exactMembers
	if st.Unmarshal(&list) != nil {
		var one exactMembers
		if st.Unmarshal(&one) != nil {
			return false
		}
		list = append(list, one)
	}
	for _, m := range list {
		if _, ok := m["Principal"]; ok {
			return true
		}
	}
	return false
}

// exactMembers is an object's members kept unread, with names compared
// exactly (the policy parser has its own duplicate rules).
type exactMembers map[string]strictjson.Raw

// MemberKey makes only identical names duplicates.
func (exactMembers) MemberKey(name string) string { return name }

// compile parses and compiles a list of embedded documents; field names the
// list in IDs ("policies[0]").
func compile(field string, raws []json.RawMessage, kind policy.Kind) (*evaluator.Evaluator, error) {
	ps := make([]evaluator.Policy, len(raws))
	for i, raw := range raws {
		id := field + "[" + strconv.Itoa(i) + "]"
		doc, err := ParsePolicy(raw, kind, id)
		if err != nil {
			return nil, err
		}
		ps[i] = evaluator.Policy{ID: id, Document: doc}
	}
	return evaluator.Compile(ps...)
}

// embedded lists the policy documents of a case with their field paths
// and kinds, in the order the case is run.
func (c *Case) embedded() (paths []string, docs []json.RawMessage, kinds []policy.Kind) {
	add := func(path string, doc json.RawMessage, k policy.Kind) {
		if !isNull(doc) {
			paths, docs, kinds = append(paths, path), append(docs, doc), append(kinds, k)
		}
	}
	list := func(field string, raws []json.RawMessage) {
		for i, d := range raws {
			add(field+"["+strconv.Itoa(i)+"]", d, policy.Identity)
		}
	}
	list("policies", c.Policies)
	add("trust_policy", c.TrustPolicy, policy.Trust)
	list("caller_policies", c.CallerPolicies)
	list("role_policies", c.RolePolicies)
	add("session_policy", c.SessionPolicy, policy.Session)
	return paths, docs, kinds
}

// placePolicyError turns a policy parse error found while running the case
// into one positioned in the case file: FILE:LINE:COL: FIELD.PATH: ...
// where FIELD names the embedded document (policies[1], trust_policy...).
// It finds the document by parsing the case's documents again and taking
// the first that fails the same way. Other errors come back as they are.
func (c *Case) placePolicyError(err error) error {
	var pe *policy.ParseError
	if !errors.As(err, &pe) || c.src.Offset() < 0 {
		return err
	}
	paths, docs, kinds := c.embedded()
	for i, doc := range docs {
		_, e := ParsePolicy(doc, kinds[i], "")
		var again *policy.ParseError
		if !errors.As(e, &again) || again.Offset != pe.Offset || again.Path != pe.Path || again.Msg != pe.Msg || again.Err != pe.Err {
			continue
		}
		docRaw := member(c.src, paths[i])
		if docRaw.Offset() < 0 {
			return err
		}
		out := *pe
		out.File = c.File
		out.Path = paths[i]
		if pe.Path != "" {
			out.Path += "." + pe.Path
		}
		out.Offset, out.Line, out.Column = docRaw.Offset(), 0, 0
		if pe.Offset >= 0 {
			out.Offset, out.Line, out.Column = docRaw.At(pe.Offset)
		} else {
			_, out.Line, out.Column = docRaw.At(0)
		}
		return &out
	}
	return err
}

// EvalRequest converts a case request to an evaluator request.
func (q *Request) EvalRequest() evaluator.Request {
	r := evaluator.Request{Action: q.Action, Resource: q.Resource}
	if len(q.Context) > 0 {
		r.Context = new(evaluator.Context)
		q.Context.Fill(r.Context)
	}
	if p := q.Principal; p != nil {
		r.Principal = evaluator.Principal{Type: principalTypes[p.Type], AccountID: p.AccountID, ARN: p.ARN}
	}
	return r
}

func (c *Case) runDecide(r *Result) {
	ev, err := compile("policies", c.Policies, policy.Identity)
	if err != nil {
		r.Err = err
		return
	}
	req := c.Request.EvalRequest()
	d := ev.Decide(req)
	x := ev.Explain(req)
	r.Got = d.String()
	r.Detail = x.String()
	if x.Decision != d {
		r.Err = fmt.Errorf("Explain decided %s but Decide decided %s", x.Decision, d)
		return
	}
	r.Pass = r.Got == r.Expected
}

func (c *Case) runInvalid(r *Result) {
	r.Expected = Rejected
	kind, _ := policy.ParseKind(c.PolicyType) // checked by Parse
	data := []byte(c.Policy)
	if c.PolicyText != nil {
		data = []byte(*c.PolicyText)
	}
	_, err := policy.Parse(data, policy.WithKind(kind))
	if err == nil {
		r.Got = Accepted
		r.Detail = "the " + kind.String() + " policy parsed without error"
		return
	}
	r.Got = Rejected
	r.Detail = err.Error()
	var pe *policy.ParseError
	if !errors.As(err, &pe) {
		r.Err = fmt.Errorf("the parser returned %T, not *policy.ParseError: %v", err, err)
		return
	}
	var wrong []string
	if c.Error != "" && !errors.Is(err, sentinels[c.Error]) {
		wrong = append(wrong, "error "+SentinelName(err)+", want "+c.Error)
	}
	if c.Path != "" && pe.Path != c.Path {
		wrong = append(wrong, "path "+strconv.Quote(pe.Path)+", want "+strconv.Quote(c.Path))
	}
	if len(wrong) > 0 {
		r.Got = Rejected + " with " + strings.Join(wrong, " and ")
		return
	}
	r.Pass = true
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}
