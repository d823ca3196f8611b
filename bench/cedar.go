package bench

import (
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/ramauthz/ramauthz/policy"
)

// Cedar is cedar-go with policies in Cedar's text syntax.
//
// Translation: one permit or forbid per statement. Action and resource are
// strings in the request context, matched with `like` (Cedar's '*' is RAM's
// '*'; Cedar has no '?', so a pattern with '?' cannot be expressed) or `==`
// for literals. Actions are lower-cased on both sides. Condition keys become
// typed context attributes (ip, datetime, Bool) guarded by `has`, using
// Cedar's ipaddr and datetime extensions.
//
// Cedar's decision is allow or deny; a deny whose diagnostic names a policy
// was decided by a forbid (explicit), a deny with no reasons is implicit.
type Cedar struct{}

// Name returns "cedar".
func (Cedar) Name() string { return "cedar" }

// cedarAttrs maps RAM context keys to Cedar context attributes.
var cedarAttrs = map[string]string{
	"acs:SourceIp":        "sourceIp",
	"acs:CurrentTime":     "currentTime",
	"acs:SecureTransport": "secureTransport",
}

// CedarText renders a workload's document as a Cedar policy set.
func CedarText(w *Workload) (string, error) {
	c := Cedar{}
	var b strings.Builder
	for i, st := range w.Doc.Statements {
		if st.NotAction != nil || st.NotResource != nil || st.Principal != nil {
			return "", cannot(c.Name(), "NotAction/NotResource/Principal in statement %d", i)
		}
		if st.Effect == policy.Deny {
			b.WriteString("forbid")
		} else {
			b.WriteString("permit")
		}
		b.WriteString(" (principal, action, resource)\nwhen {\n  (")
		for j, a := range st.Action {
			if j > 0 {
				b.WriteString(" || ")
			}
			if err := cedarMatch(&b, "context.action", strings.ToLower(a)); err != nil {
				return "", err
			}
		}
		b.WriteString(") &&\n  (")
		for j, r := range st.Resource {
			if j > 0 {
				b.WriteString(" || ")
			}
			if err := cedarMatch(&b, "context.resource", r); err != nil {
				return "", err
			}
		}
		b.WriteString(")")
		for _, cd := range st.Condition {
			attr, ok := cedarAttrs[cd.Key]
			if !ok {
				return "", cannot(c.Name(), "condition key %s", cd.Key)
			}
			b.WriteString(" &&\n  context has " + attr + " && (")
			for k, v := range cd.Values {
				if k > 0 {
					b.WriteString(" || ")
				}
				switch cd.Operator {
				case policy.IpAddress:
					pfx, err := mustPrefix(v)
					if err != nil {
						return "", err
					}
					b.WriteString("context." + attr + ".isInRange(ip(" + strconv.Quote(pfx.String()) + "))")
				case policy.DateLessThan:
					b.WriteString("context." + attr + " < datetime(" +
						strconv.Quote(v.Time.UTC().Format("2006-01-02T15:04:05Z")) + ")")
				case policy.Bool:
					b.WriteString("context." + attr + " == " + strconv.FormatBool(v.Bool))
				default:
					return "", cannot(c.Name(), "no Cedar expression for %s", cd.Operator)
				}
			}
			b.WriteString(")")
		}
		b.WriteString("\n};\n")
	}
	return b.String(), nil
}

// cedarMatch writes `expr like "pattern"` or `expr == "literal"`.
func cedarMatch(b *strings.Builder, expr, pattern string) error {
	if strings.ContainsRune(pattern, '?') {
		return cannot("cedar", "pattern %q uses '?', which Cedar's like has no counterpart for", pattern)
	}
	if !strings.ContainsRune(pattern, '*') {
		b.WriteString(expr + " == " + strconv.Quote(pattern))
		return nil
	}
	b.WriteString(expr + " like \"")
	for _, r := range pattern {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteString("\"")
	return nil
}

// Compiler renders the Cedar text; the build step parses it into a policy
// set.
func (c Cedar) Compiler(w *Workload) (func() (Loaded, error), error) {
	text, err := CedarText(w)
	if err != nil {
		return nil, err
	}
	src := []byte(text)
	name := w.PolicyID + ".cedar"
	return func() (Loaded, error) {
		ps, err := cedar.NewPolicySetFromBytes(name, src)
		if err != nil {
			return nil, err
		}
		return &cedarLoaded{ps: ps}, nil
	}, nil
}

type cedarLoaded struct{ ps *cedar.PolicySet }

func (l *cedarLoaded) Prepare(r Request) (func() Decision, error) {
	req := cedarRequest(&r)
	return func() Decision { return l.decide(req) }, nil
}

func (l *cedarLoaded) Decide(r *Request) Decision { return l.decide(cedarRequest(r)) }

// cedarRequest converts r into Cedar's request.
func cedarRequest(r *Request) cedar.Request {
	rec := types.RecordMap{
		"action":   types.String(strings.ToLower(r.Action)),
		"resource": types.String(r.Resource),
	}
	for k, v := range r.Context {
		attr, ok := cedarAttrs[k]
		if !ok {
			continue
		}
		// A value that does not parse for its type is passed as a string, so
		// that Cedar's own evaluation decides what an ill-typed value means.
		var val types.Value = types.String(v)
		switch k {
		case "acs:SourceIp":
			if ip, err := types.ParseIPAddr(v); err == nil {
				val = ip
			}
		case "acs:CurrentTime":
			if t, err := types.ParseDatetime(v); err == nil {
				val = t
			}
		case "acs:SecureTransport":
			if b, err := policy.ParseBool(v); err == nil {
				val = types.Boolean(b)
			}
		}
		rec[types.String(attr)] = val
	}
	return cedar.Request{
		Principal: types.NewEntityUID("User", "alice"),
		Action:    types.NewEntityUID("Action", "call"),
		Resource:  types.NewEntityUID("Resource", "target"),
		Context:   types.NewRecord(rec),
	}
}

func (l *cedarLoaded) decide(req cedar.Request) Decision {
	d, diag := l.ps.IsAuthorized(types.EntityMap{}, req)
	switch {
	case d == cedar.Allow:
		return Allow
	case len(diag.Reasons) > 0:
		return ExplicitDeny
	}
	return ImplicitDeny
}
