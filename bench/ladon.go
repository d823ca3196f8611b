package bench

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"
	"github.com/pkg/errors"

	"github.com/ramauthz/ramauthz/policy"
)

// Ladon is ory/ladon with its in-memory manager. With Sized false it uses
// ladon's DefaultMatcher, a regexp matcher behind a 512-entry LRU cache
// shared by the process: with more distinct patterns than that, every request
// recompiles regular expressions. With Sized true ("ladon-sized") each loaded
// workload gets its own NewRegexpMatcher with room for all of its patterns,
// which is what a ladon user with a large policy set would configure.
//
// Translation: one ladon policy per statement. A RAM pattern with wildcards
// becomes a ladon template whose <...> parts are regular expressions ('*' is
// <.*>, '?' is <.>), literal text stays literal. Actions are lower-cased on
// both sides because ladon compares case-sensitively. Conditions use ladon's
// CIDRCondition and StringEqualCondition; ladon has no date condition, so the
// date test is a custom Condition, as ladon's documentation invites.
type Ladon struct {
	// Sized gives each workload a matcher cache large enough for all of its
	// patterns instead of ladon.DefaultMatcher.
	Sized bool
}

// ladonSubject is the only subject of the generated policies: RAM identity
// policies are attached to one identity, so the subject check is a literal.
const ladonSubject = "alice"

// Name returns "ladon", or "ladon-sized" for the sized-cache variant.
func (l Ladon) Name() string {
	if l.Sized {
		return "ladon-sized"
	}
	return "ladon"
}

// Compiler translates the statements into ladon policies; the build step
// stores them in a new in-memory manager. Ladon compiles a policy's regular
// expressions lazily, on the first request that reaches it.
func (l Ladon) Compiler(w *Workload) (func() (Loaded, error), error) {
	var pols []*ladon.DefaultPolicy
	for i, st := range w.Doc.Statements {
		if st.NotAction != nil || st.NotResource != nil || st.Principal != nil {
			return nil, cannot(l.Name(), "NotAction/NotResource/Principal in statement %d", i)
		}
		p := &ladon.DefaultPolicy{
			ID:       w.PolicyID + "/" + strconv.Itoa(i),
			Subjects: []string{ladonSubject},
			Effect:   ladon.AllowAccess,
		}
		if st.Effect == policy.Deny {
			p.Effect = ladon.DenyAccess
		}
		for _, a := range st.Action {
			p.Actions = append(p.Actions, ladonTemplate(strings.ToLower(a)))
		}
		for _, r := range st.Resource {
			p.Resources = append(p.Resources, ladonTemplate(r))
		}
		if len(st.Condition) > 0 {
			p.Conditions = ladon.Conditions{}
		}
		for _, c := range st.Condition {
			if len(c.Values) != 1 {
				return nil, cannot(l.Name(), "ladon takes one condition per key with one value (%s %s)", c.Operator, c.Key)
			}
			v := c.Values[0]
			switch c.Operator {
			case policy.IpAddress:
				pfx, err := mustPrefix(v)
				if err != nil {
					return nil, err
				}
				p.Conditions.AddCondition(c.Key, &ladon.CIDRCondition{CIDR: pfx.String()})
			case policy.Bool:
				p.Conditions.AddCondition(c.Key, &ladon.StringEqualCondition{Equals: strconv.FormatBool(v.Bool)})
			case policy.DateLessThan:
				p.Conditions.AddCondition(c.Key, &ladonBefore{Before: v.Time})
			default:
				return nil, cannot(l.Name(), "no ladon condition for %s", c.Operator)
			}
		}
		pols = append(pols, p)
	}
	patterns := 0
	for _, p := range pols {
		patterns += len(p.Actions) + len(p.Resources) + len(p.Subjects)
	}
	sized := l.Sized
	return func() (Loaded, error) {
		var m interface {
			Matches(p ladon.Policy, haystack []string, needle string) (bool, error)
		} = ladon.DefaultMatcher
		if sized {
			m = ladon.NewRegexpMatcher(max(512, 2*patterns))
		}
		mgr := memory.NewMemoryManager()
		for _, p := range pols {
			if err := mgr.Create(context.Background(), p); err != nil {
				return nil, err
			}
		}
		return &ladonLoaded{w: &ladon.Ladon{Manager: mgr, Matcher: m}}, nil
	}, nil
}

// ladonTemplate turns a RAM wildcard pattern into a ladon template.
func ladonTemplate(p string) string {
	if !strings.ContainsAny(p, "*?") {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString("<.*>")
		case '?':
			b.WriteString("<.>")
		case '<', '>':
			// ladon would read these as delimiters; keep them literal inside a
			// regular expression.
			b.WriteString("<" + regexp.QuoteMeta(string(r)) + ">")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type ladonLoaded struct{ w *ladon.Ladon }

func (l *ladonLoaded) Prepare(r Request) (func() Decision, error) {
	req := ladonRequest(&r)
	return func() Decision { return l.decide(req) }, nil
}

func (l *ladonLoaded) Decide(r *Request) Decision { return l.decide(ladonRequest(r)) }

// ladonRequest converts r into ladon's request.
func ladonRequest(r *Request) *ladon.Request {
	req := &ladon.Request{
		Action:   strings.ToLower(r.Action),
		Resource: r.Resource,
		Subject:  ladonSubject,
	}
	if len(r.Context) > 0 {
		req.Context = ladon.Context{}
		for k, v := range r.Context {
			req.Context[k] = v
		}
	}
	return req
}

func (l *ladonLoaded) decide(req *ladon.Request) Decision {
	// ladon wraps its sentinels with pkg/errors v0.8, which predates
	// Unwrap; errors.Cause is how ladon's users tell them apart.
	err := l.w.IsAllowed(context.Background(), req)
	switch {
	case err == nil:
		return Allow
	case errors.Cause(err) == ladon.ErrRequestForcefullyDenied:
		return ExplicitDeny
	case errors.Cause(err) == ladon.ErrRequestDenied:
		return ImplicitDeny
	}
	return Failed
}

// ladonBefore is a ladon Condition that holds when the context value is an
// RFC 3339 time before Before.
type ladonBefore struct {
	Before time.Time `json:"before"`
}

// GetName names the condition for ladon's JSON form.
func (c *ladonBefore) GetName() string { return "RAMDateLessThan" }

// Fulfills reports whether value is a time before c.Before.
func (c *ladonBefore) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	s, ok := value.(string)
	if !ok {
		return false
	}
	t, err := time.Parse(time.RFC3339, s)
	return err == nil && t.Before(c.Before)
}
