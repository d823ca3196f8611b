// Package authztest asserts access decisions in Go tests, in one line each:
//
//	ev := authztest.Compile(t, myPolicyJSON)
//	authztest.Allowed(t, ev, authztest.Req("arms:GetTrace", traceARN))
//	authztest.Denied(t, ev, authztest.Req("arms:DeleteApp", appARN))
//	authztest.ExplicitlyDenied(t, ev, authztest.Req("oss:GetObject", objARN, "acs:SourceIp=203.0.113.9"))
//
// A failing assertion reports the request, the decision it expected and the
// decision it got, followed by the evaluator's explanation: the statements
// that applied and the near misses.
//
// The assertions take a Decider: an *evaluator.Evaluator, or an identity of
// a *directory.Directory wrapped by As (a RAM user, an account root, an
// AccessKeyId) or AsSession (a role session's credentials), so the same
// one-liners check a bare policy set and a whole account. An identity the directory does not know fails every
// assertion, negative ones included, unless As is given AllowUnknown: a
// typo in a revocation test cannot pass as a denial.
//
// RunFiles runs case files (the format of package casefile, shared with the
// ramauthz test command) as subtests.
//
// The functions only read their arguments and may be called from parallel
// tests.
package authztest

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/authztest/casefile"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

// Decider decides and explains requests. *evaluator.Evaluator implements
// it; As adapts an identity of a directory.
type Decider interface {
	Decide(r evaluator.Request) evaluator.Decision
	Explain(r evaluator.Request) evaluator.Explanation
}

var _ Decider = (*evaluator.Evaluator)(nil)

// AsOption changes how As and AsSession treat their identity.
type AsOption func(*identity)

// AllowUnknown lets the identity of As be one the directory does not know
// (unknown, misspelled, deleted, malformed): the directory's error then
// counts as ImplicitDeny, so Denied and ImplicitlyDenied pass. Use it for
// tests that assert a deleted identity is refused; without it such an
// identity fails every assertion (see As).
func AllowUnknown() AsOption { return func(i *identity) { i.allowUnknown = true } }

// As returns a Decider that decides for the identity who of dir: a RAM
// user's or an account root's ARN (any form principal.Parse accepts), or
// a user's AccessKeyId.
//
// An identity the directory does not know fails every assertion, Denied
// and ImplicitlyDenied included, so a misspelled name cannot make a
// negative test pass vacuously. "Does not know" is any error from dir
// other than directory.ErrKeyInactive, ErrTokenExpired and
// ErrTokenRevoked, which say the identity exists and is refused (an
// Inactive AccessKey, an expired or revoked session): those count as
// ImplicitDeny. With AllowUnknown, every error counts as ImplicitDeny. A
// failing assertion shows the error.
//
// Used as a plain Decider (Decide, Explain), any error gives ImplicitDeny.
func As(dir *directory.Directory, who string, opts ...AsOption) Decider {
	i := identity{who: who}
	id, perr := principal.Parse(who)
	switch {
	case perr == nil:
		i.authorize = func(r evaluator.Request) (directory.Result, error) { return dir.Authorize(id, r) }
		i.explainer = func(r evaluator.Request) (directory.Explanation, error) { return dir.Explain(id, r) }
	case strings.HasPrefix(who, "LTAI"):
		i.authorize = func(r evaluator.Request) (directory.Result, error) { return dir.AuthorizeAccessKey(who, r) }
		i.explainer = func(r evaluator.Request) (directory.Explanation, error) {
			owner, _, err := dir.AccessKeySecret(who)
			if err != nil {
				return directory.Explanation{}, err
			}
			return dir.Explain(owner, r)
		}
	default:
		fail := func(evaluator.Request) (directory.Result, error) { return directory.Result{}, perr }
		i.authorize = fail
		i.explainer = func(evaluator.Request) (directory.Explanation, error) { return directory.Explanation{}, perr }
	}
	for _, o := range opts {
		o(&i)
	}
	return i
}

// AsSession returns a Decider for the role session whose credentials are
// accessKeyID and securityToken (a session acts by its credentials; see
// directory.Directory.AuthorizeSession). Errors count as in As.
func AsSession(dir *directory.Directory, accessKeyID, securityToken string, opts ...AsOption) Decider {
	i := identity{who: "session " + accessKeyID,
		authorize: func(r evaluator.Request) (directory.Result, error) {
			return dir.AuthorizeSession(accessKeyID, securityToken, r)
		},
		explainer: func(r evaluator.Request) (directory.Explanation, error) {
			return dir.ExplainSession(accessKeyID, securityToken, r)
		}}
	for _, o := range opts {
		o(&i)
	}
	return i
}

type identity struct {
	who          string
	authorize    func(evaluator.Request) (directory.Result, error)
	explainer    func(evaluator.Request) (directory.Explanation, error)
	allowUnknown bool
}

func (i identity) Decide(r evaluator.Request) evaluator.Decision {
	res, err := i.authorize(r)
	if err != nil {
		return evaluator.ImplicitDeny
	}
	return res.Decision
}

func (i identity) Explain(r evaluator.Request) evaluator.Explanation {
	x, err := i.explainer(r)
	if err != nil {
		return evaluator.Explanation{Decision: evaluator.ImplicitDeny}
	}
	if x.Layer == directory.LayerIdentity || x.Layer == directory.LayerSessionPolicy {
		return x.Detail
	}
	return evaluator.Explanation{Decision: x.Decision}
}

// explain also returns the directory's error, for failure messages.
func (i identity) explain(r evaluator.Request) (string, error) {
	x, err := i.explainer(r)
	if err != nil {
		return "", err
	}
	return x.String(), nil
}

// unknown reports whether err says the directory does not know the
// identity (as opposed to knowing it and refusing it).
func (i identity) unknown(err error) bool {
	return err != nil && !i.allowUnknown && !errors.Is(err, directory.ErrKeyInactive) &&
		!errors.Is(err, directory.ErrTokenExpired) && !errors.Is(err, directory.ErrTokenRevoked)
}

// Req builds a request. Each context entry is "KEY=VALUE"; repeating a key
// makes it multi-valued. An entry without "=" sets the key with an empty
// value.
func Req(action, resource string, context ...string) evaluator.Request {
	r := evaluator.Request{Action: action, Resource: resource}
	if len(context) == 0 {
		return r
	}
	values := map[string][]string{}
	var order []string
	for _, kv := range context {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := values[k]; !ok {
			order = append(order, k)
		}
		values[k] = append(values[k], v)
	}
	r.Context = new(evaluator.Context)
	for _, k := range order {
		r.Context.Set(k, values[k]...)
	}
	return r
}

// Allowed asserts that d allows r. It reports whether it did; on failure it
// marks tb failed and logs the explanation.
func Allowed(tb testing.TB, d Decider, r evaluator.Request) bool {
	tb.Helper()
	return expect(tb, d, r, "Allow", func(x evaluator.Decision) bool { return x == evaluator.Allow })
}

// Denied asserts that d denies r, explicitly or implicitly.
func Denied(tb testing.TB, d Decider, r evaluator.Request) bool {
	tb.Helper()
	return expect(tb, d, r, "a denial", func(x evaluator.Decision) bool { return x != evaluator.Allow })
}

// ExplicitlyDenied asserts that a Deny statement refuses r.
func ExplicitlyDenied(tb testing.TB, d Decider, r evaluator.Request) bool {
	tb.Helper()
	return expect(tb, d, r, "ExplicitDeny", func(x evaluator.Decision) bool { return x == evaluator.ExplicitDeny })
}

// ImplicitlyDenied asserts that no statement allows r and none denies it.
func ImplicitlyDenied(tb testing.TB, d Decider, r evaluator.Request) bool {
	tb.Helper()
	return expect(tb, d, r, "ImplicitDeny", func(x evaluator.Decision) bool { return x == evaluator.ImplicitDeny })
}

func expect(tb testing.TB, d Decider, r evaluator.Request, want string, ok func(evaluator.Decision) bool) bool {
	tb.Helper()
	if d == nil {
		tb.Errorf("authztest: nil Decider")
		return false
	}
	id, isID := d.(identity)
	if !isID {
		got := d.Decide(r)
		if ok(got) {
			return true
		}
		report(tb, r, want, got, "", d.Explain(r).String(), nil)
		return false
	}
	res, err := id.authorize(r)
	got := res.Decision
	if err != nil {
		got = evaluator.ImplicitDeny
		if id.unknown(err) {
			tb.Errorf("authztest: %s: expected %s for %s, but the directory does not know that identity: %v\n"+
				"(an unknown identity fails every assertion; pass authztest.AllowUnknown() to As to assert on one)",
				describe(r), want, id.who, err)
			return false
		}
	}
	if ok(got) {
		return true
	}
	x, xerr := id.explain(r)
	report(tb, r, want, got, id.who, x, xerr)
	return false
}

// report writes a failed assertion's message.
func report(tb testing.TB, r evaluator.Request, want string, got evaluator.Decision, who, explanation string, err error) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("authztest: ")
	b.WriteString(describe(r))
	b.WriteString(": expected ")
	b.WriteString(want)
	b.WriteString(", got ")
	b.WriteString(got.String())
	if who != "" {
		b.WriteString(" for ")
		b.WriteString(who)
	}
	if err != nil {
		b.WriteString(": ")
		b.WriteString(err.Error())
	} else {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(explanation, "\n"))
	}
	tb.Errorf("%s", b.String())
}

// describe renders a request for failure messages.
func describe(r evaluator.Request) string {
	s := r.Action + " on " + r.Resource
	if r.Principal.Type != evaluator.PrincipalNone {
		s += " by " + r.Principal.Type.String() + " " + r.Principal.ARN
	}
	return s
}

// Compile parses each JSON document (identity policies, or trust policies
// when they have a Principal element) and compiles them into one
// evaluator. The policies are named "policy[0]", "policy[1]", ... in
// explanations. On error it stops the test with tb.Fatalf.
func Compile(tb testing.TB, docs ...string) *evaluator.Evaluator {
	tb.Helper()
	ps := make([]evaluator.Policy, 0, len(docs))
	for i, d := range docs {
		id := "policy[" + strconv.Itoa(i) + "]"
		doc, err := casefile.ParsePolicy([]byte(d), policy.Identity, id)
		if err != nil {
			tb.Fatalf("authztest: %v", err)
			return nil
		}
		ps = append(ps, evaluator.Policy{ID: id, Document: doc})
	}
	ev, err := evaluator.Compile(ps...)
	if err != nil {
		tb.Fatalf("authztest: %v", err)
		return nil
	}
	return ev
}

// System compiles the named shipped system policies (package policy/system)
// into one evaluator, named after the policies in explanations. An unknown
// name stops the test with tb.Fatalf.
func System(tb testing.TB, names ...string) *evaluator.Evaluator {
	tb.Helper()
	ps := make([]evaluator.Policy, 0, len(names))
	for _, n := range names {
		sp, ok := system.Get(n)
		if !ok {
			tb.Fatalf("authztest: unknown system policy %q (shipped: %s)", n, strings.Join(system.Names(), ", "))
			return nil
		}
		ps = append(ps, evaluator.Policy{ID: n, Document: sp.Document})
	}
	ev, err := evaluator.Compile(ps...)
	if err != nil {
		tb.Fatalf("authztest: %v", err)
		return nil
	}
	return ev
}

// RunFiles runs every case of the case files matching the glob patterns
// (such as "testdata/*.json"), each as a subtest named
// "<file base name>/<case name>". A pattern that matches no file, and a file
// that is not a valid case file, fail the test; a case that cannot be read
// fails its own subtest (named "case N" when it has no name) and the other
// cases of its file still run.
func RunFiles(t *testing.T, patterns ...string) {
	t.Helper()
	for _, pat := range patterns {
		files, err := filepath.Glob(pat)
		if err != nil {
			t.Errorf("authztest: bad pattern %q: %v", pat, err)
			continue
		}
		if len(files) == 0 {
			t.Errorf("authztest: no case file matches %q", pat)
			continue
		}
		for _, f := range files {
			cases, err := casefile.ReadFile(f)
			if cases == nil && err != nil {
				t.Errorf("authztest: %v", err)
				continue
			}
			// A case that could not be read is among the cases, failing
			// with its error, so one bad case hides none of the others.
			base := filepath.Base(f)
			for i := range cases {
				c := &cases[i]
				name := c.Name
				if name == "" {
					name = "case " + strconv.Itoa(c.Index)
				}
				t.Run(base+"/"+name, func(t *testing.T) {
					t.Helper()
					check(t, c)
				})
			}
		}
	}
}

// check runs one case and reports a failure on tb.
func check(tb testing.TB, c *casefile.Case) bool {
	tb.Helper()
	r := c.Run()
	if r.Pass {
		return true
	}
	tb.Errorf("authztest: %s case %q: expected %s, got %s\n%s", c.KindOf(), c.Name, r.Expected, r.Got, strings.TrimRight(r.Detail, "\n"))
	return false
}
