package bench

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/ramauthz/ramauthz/policy"
)

// Casbin is casbin/v2 with a deny-override effect and globMatch (doublestar
// globs) on actions and resources; statements with conditions use casbin's
// ABAC form, eval() of a per-rule expression over a request struct.
//
// Translation: one policy rule per (action pattern, resource pattern) pair of
// each statement. Actions are lower-cased on both sides. In doublestar a '*'
// stops at '/', so a pattern that is exactly "*" becomes "**"; a '*' inside a
// longer resource pattern still cannot cross a '/', which RAM's can. The
// workloads' requests do not depend on that difference (the agreement test
// proves it), but a policy that did would be mis-decided.
//
// Decisions come from EnforceEx: casbin's Enforce only says yes or no, and
// EnforceEx names the rule that decided, which tells an explicit deny (a deny
// rule matched) from an implicit one.
type Casbin struct{}

// Name returns "casbin".
func (Casbin) Name() string { return "casbin" }

const casbinPlainModel = `
[request_definition]
r = act, res

[policy_definition]
p = act, res, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = globMatch(r.act, p.act) && globMatch(r.res, p.res)
`

const casbinABACModel = `
[request_definition]
r = act, res, ctx

[policy_definition]
p = act, res, cond, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = globMatch(r.act, p.act) && globMatch(r.res, p.res) && eval(p.cond)
`

// CasbinContext is the request struct the ABAC model reads (r.ctx.SourceIp
// and so on). Only the three keys of the conditions workload exist.
// CurrentTime is Unix seconds: casbin's expression language (govaluate)
// turns date literals into numbers but leaves string parameters alone, so
// comparing an RFC 3339 string parameter with '<' is an error.
type CasbinContext struct {
	SourceIp        string //nolint:revive // the field name mirrors the RAM key acs:SourceIp
	CurrentTime     float64
	SecureTransport string
}

var casbinFields = map[string]string{
	"acs:SourceIp":        "SourceIp",
	"acs:CurrentTime":     "CurrentTime",
	"acs:SecureTransport": "SecureTransport",
}

// casbinGlob turns a RAM pattern into a doublestar glob.
func casbinGlob(p string) string {
	if p == "*" {
		return "**"
	}
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

// Compiler translates the statements into casbin rules (one per
// action×resource pair); the build step parses the model and loads the rules
// into a new enforcer.
func (c Casbin) Compiler(w *Workload) (func() (Loaded, error), error) {
	abac := false
	for _, st := range w.Doc.Statements {
		if len(st.Condition) > 0 {
			abac = true
		}
	}
	text := casbinPlainModel
	if abac {
		text = casbinABACModel
	}
	var rules [][]string
	for i, st := range w.Doc.Statements {
		if st.NotAction != nil || st.NotResource != nil || st.Principal != nil {
			return nil, cannot(c.Name(), "NotAction/NotResource/Principal in statement %d", i)
		}
		eft := "allow"
		if st.Effect == policy.Deny {
			eft = "deny"
		}
		cond, err := c.condition(st.Condition)
		if err != nil {
			return nil, err
		}
		for _, a := range st.Action {
			for _, r := range st.Resource {
				rule := []string{casbinGlob(strings.ToLower(a)), casbinGlob(r)}
				if abac {
					rule = append(rule, cond)
				}
				rules = append(rules, append(rule, eft))
			}
		}
	}
	return func() (Loaded, error) {
		m, err := model.NewModelFromString(text)
		if err != nil {
			return nil, err
		}
		e, err := casbin.NewEnforcer(m)
		if err != nil {
			return nil, err
		}
		if _, err := e.AddPolicies(rules); err != nil {
			return nil, err
		}
		return &casbinLoaded{e: e, abac: abac}, nil
	}, nil
}

// condition renders a statement's conditions as one casbin expression.
func (c Casbin) condition(conds []policy.Condition) (string, error) {
	if len(conds) == 0 {
		return "true", nil
	}
	var parts []string
	for _, cd := range conds {
		f, ok := casbinFields[cd.Key]
		if !ok || len(cd.Values) != 1 {
			return "", cannot(c.Name(), "condition %s on %s", cd.Operator, cd.Key)
		}
		v := cd.Values[0]
		switch cd.Operator {
		case policy.IpAddress:
			pfx, err := mustPrefix(v)
			if err != nil {
				return "", err
			}
			parts = append(parts, "ipMatch(r.ctx."+f+", '"+pfx.String()+"')")
		case policy.DateLessThan:
			parts = append(parts, "r.ctx."+f+" < "+strconv.FormatInt(v.Time.Unix(), 10))
		case policy.Bool:
			val := "false"
			if v.Bool {
				val = "true"
			}
			parts = append(parts, "r.ctx."+f+" == '"+val+"'")
		default:
			return "", cannot(c.Name(), "no casbin expression for %s", cd.Operator)
		}
	}
	return strings.Join(parts, " && "), nil
}

type casbinLoaded struct {
	e    *casbin.Enforcer
	abac bool
}

func (l *casbinLoaded) Prepare(r Request) (func() Decision, error) {
	args := l.args(&r)
	return func() Decision { return l.decide(args) }, nil
}

func (l *casbinLoaded) Decide(r *Request) Decision { return l.decide(l.args(r)) }

// args converts r into EnforceEx's arguments.
func (l *casbinLoaded) args(r *Request) []any {
	args := []any{strings.ToLower(r.Action), r.Resource}
	if l.abac {
		ctx := CasbinContext{}
		for k, v := range r.Context {
			switch casbinFields[k] {
			case "SourceIp":
				ctx.SourceIp = v
			case "CurrentTime":
				ctx.CurrentTime = math.NaN() // compares false with everything
				if t, err := time.Parse(time.RFC3339, v); err == nil {
					ctx.CurrentTime = float64(t.Unix())
				}
			case "SecureTransport":
				ctx.SecureTransport = v
			}
		}
		args = append(args, ctx)
	}
	return args
}

func (l *casbinLoaded) decide(args []any) Decision {
	ok, explain, err := l.e.EnforceEx(args...)
	switch {
	case err != nil:
		return Failed
	case ok:
		return Allow
	case len(explain) > 0 && explain[len(explain)-1] == "deny":
		return ExplicitDeny
	}
	return ImplicitDeny
}
