package bench

import (
	"context"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/ramauthz/ramauthz/policy"
)

// OPA is Open Policy Agent's Go API (v1/rego) with a prepared query.
//
// Translation: the statements are data (data.ram.statements, one object per
// statement with lower-cased action globs, resource globs and conditions) and
// one generic Rego module decides over them with glob.match (no delimiters,
// so '*' crosses ':' and '/'), net.cidr_contains and time.parse_rfc3339_ns:
// the data-driven style OPA's own IAM examples use. The module lower-cases
// the request action itself. The query returns "Allow", "ExplicitDeny" or
// "ImplicitDeny".
type OPA struct{}

// Name returns "opa".
func (OPA) Name() string { return "opa" }

// OPAModule is the Rego module every workload is decided with.
const OPAModule = `package ram

import rego.v1

action := lower(input.action)

default decision := "ImplicitDeny"

decision := "ExplicitDeny" if applies("Deny")

decision := "Allow" if {
	not applies("Deny")
	applies("Allow")
}

applies(effect) if {
	some st in data.ram.statements
	st.effect == effect
	some a in st.actions
	glob.match(a, null, action)
	some r in st.resources
	glob.match(r, null, input.resource)
	every c in st.conditions {
		holds(c)
	}
}

holds(c) if {
	c.op == "IpAddress"
	some cidr in c.values
	net.cidr_contains(cidr, input.context[c.key])
}

holds(c) if {
	c.op == "DateLessThan"
	t := time.parse_rfc3339_ns(input.context[c.key])
	some v in c.values
	t < time.parse_rfc3339_ns(v)
}

holds(c) if {
	c.op == "Bool"
	some v in c.values
	lower(input.context[c.key]) == v
}
`

// OPAData renders a workload's document as the data OPAModule reads.
func OPAData(w *Workload) (map[string]any, error) {
	o := OPA{}
	sts := make([]any, 0, len(w.Doc.Statements))
	for i, st := range w.Doc.Statements {
		if st.NotAction != nil || st.NotResource != nil || st.Principal != nil {
			return nil, cannot(o.Name(), "NotAction/NotResource/Principal in statement %d", i)
		}
		var acts, ress []any
		for _, a := range st.Action {
			acts = append(acts, opaGlob(strings.ToLower(a)))
		}
		for _, r := range st.Resource {
			ress = append(ress, opaGlob(r))
		}
		conds := []any{}
		for _, cd := range st.Condition {
			var vals []any
			for _, v := range cd.Values {
				switch cd.Operator {
				case policy.IpAddress:
					pfx, err := mustPrefix(v)
					if err != nil {
						return nil, err
					}
					vals = append(vals, pfx.String())
				case policy.DateLessThan:
					vals = append(vals, v.Raw)
				case policy.Bool:
					if v.Bool {
						vals = append(vals, "true")
					} else {
						vals = append(vals, "false")
					}
				default:
					return nil, cannot(o.Name(), "no Rego rule for %s", cd.Operator)
				}
			}
			conds = append(conds, map[string]any{"op": cd.Operator.String(), "key": cd.Key, "values": vals})
		}
		sts = append(sts, map[string]any{
			"effect":     st.Effect.String(),
			"actions":    acts,
			"resources":  ress,
			"conditions": conds,
		})
	}
	return map[string]any{"ram": map[string]any{"statements": sts}}, nil
}

// opaGlob escapes the characters gobwas/glob treats specially besides '*'
// and '?', which keep their RAM meaning.
func opaGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '\\', '[', ']', '{', '}':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Compiler renders the workload as data; the build step puts it in a new
// in-memory store and prepares the decision query (parsing and compiling the
// module).
func (o OPA) Compiler(w *Workload) (func() (Loaded, error), error) {
	data, err := OPAData(w)
	if err != nil {
		return nil, err
	}
	return func() (Loaded, error) {
		pq, err := rego.New(
			rego.Query("data.ram.decision"),
			rego.Module("ram.rego", OPAModule),
			rego.Store(inmem.NewFromObject(data)),
		).PrepareForEval(context.Background())
		if err != nil {
			return nil, err
		}
		return &opaLoaded{pq: pq}, nil
	}, nil
}

type opaLoaded struct{ pq rego.PreparedEvalQuery }

func (l *opaLoaded) Prepare(r Request) (func() Decision, error) {
	input, err := opaInput(&r)
	if err != nil {
		return nil, err
	}
	return func() Decision { return l.decide(input) }, nil
}

func (l *opaLoaded) Decide(r *Request) Decision {
	input, err := opaInput(r)
	if err != nil {
		return Failed
	}
	return l.decide(input)
}

// opaInput converts r into OPA's parsed input value.
func opaInput(r *Request) (ast.Value, error) {
	c := map[string]any{}
	for k, v := range r.Context {
		c[k] = v
	}
	return ast.InterfaceToValue(map[string]any{
		"action": r.Action, "resource": r.Resource, "context": c,
	})
}

func (l *opaLoaded) decide(input ast.Value) Decision {
	rs, err := l.pq.Eval(context.Background(), rego.EvalParsedInput(input))
	if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Failed
	}
	switch rs[0].Expressions[0].Value {
	case "Allow":
		return Allow
	case "ExplicitDeny":
		return ExplicitDeny
	case "ImplicitDeny":
		return ImplicitDeny
	}
	return Failed
}
