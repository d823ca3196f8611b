package hardening

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// The two accounts of the account-boundary checks.
const (
	boundaryA = "1111111111111111"
	boundaryB = "2222222222222222"
)

// boundaryDirectory builds accounts A and B: B's user dave and A's role r
// are allowed everything by their identity policies; r trusts B's account;
// the session is r's, assumed by dave.
func boundaryDirectory(t testing.TB) (*directory.Directory, session) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := directory.MustNew(directory.Options{Clock: func() time.Time { return now }})
	must := func(_ directory.Revision, err error) { t.Helper(); require.NoError(t, err) }
	for _, uid := range []string{boundaryA, boundaryB} {
		must(dir.CreateAccount(uid))
		must(dir.CreatePolicy(uid, directory.PolicySpec{Name: "All", Document: allowAllDoc}))
	}
	dave := principal.MustParse("acs:ram::" + boundaryB + ":user/dave")
	must(dir.CreateUser(dave))
	must(dir.AttachPolicy(dave, allowAll))
	r := principal.MustParse("acs:ram::" + boundaryA + ":role/r")
	must(dir.CreateRole(r, directory.RoleSpec{
		TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + boundaryB + `:root"]}}]}`,
		Policies:    []directory.PolicyRef{allowAll}}))
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: dave, Role: r, SessionName: "s1"})
	require.NoError(t, err)
	return dir, sessionOf(out)
}

// referenceBoundary is the spec's rule (§13 D24) written out plainly for
// boundaryDirectory, where both identities' own policies allow everything:
// the owner is the request's ResourceOwner, else the ARN's fourth field
// (also of a resource that ends after it or spells "acs:" in another case:
// those name an account too), else (none, "*" or empty) the principal's
// own account; an identity is
// allowed on its own account, and across accounts only for sts:AssumeRole
// on A's role r by B's user (whose trust policy names B's account).
func referenceBoundary(who, own, action, resource, owner string) evaluator.Decision {
	if owner == "" {
		parts := strings.SplitN(resource, ":", 5)
		if len(parts) >= 4 && strings.EqualFold(parts[0], "acs") {
			owner = parts[3]
		}
		if owner == "" || owner == "*" {
			owner = own
		}
	}
	if owner == own {
		return evaluator.Allow
	}
	if who == "dave" && owner == boundaryA && strings.EqualFold(action, "sts:AssumeRole") {
		if id, err := principal.Parse(resource); err == nil && id == principal.MustParse("acs:ram::"+boundaryA+":role/r") {
			return evaluator.Allow
		}
	}
	return evaluator.ImplicitDeny
}

// FuzzAccountBoundary checks Authorize and Explain against referenceBoundary
// for any action, resource and ResourceOwner: an identity allowed
// everything in its own account is never allowed in another account,
// whatever the resource string looks like, except through the trust policy
// of A's role for sts:AssumeRole.
func FuzzAccountBoundary(f *testing.F) {
	dir, sess := boundaryDirectory(f)
	dave := principal.MustParse("acs:ram::" + boundaryB + ":user/dave")
	accounts := []string{boundaryA, boundaryB, "*", "", "1111*", "222222222222222?", "x", "3333333333333333"}
	for _, isDave := range []bool{true, false} {
		for _, acctField := range accounts {
			for _, owner := range []string{"", boundaryA, boundaryB, "*"} {
				f.Add(isDave, "ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+acctField+":instance/i-1", owner)
				f.Add(isDave, "sts:AssumeRole", "acs:ram:*:"+acctField+":role/r", owner)
				f.Add(isDave, "ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+acctField, owner)
				f.Add(isDave, "ecs:DeleteInstance", "ACS:ecs:cn-hangzhou:"+acctField+":instance/i-1", owner)
			}
		}
		f.Add(isDave, "ecs:DeleteInstance", "*", "")
		f.Add(isDave, "ecs:DeleteInstance", "ACS:ecs:cn:"+boundaryA+":instance/i", "")
		f.Add(isDave, "STS:ASSUMEROLE", "acs:ram::"+boundaryA+":role/r", "")
		f.Add(isDave, "sts:AssumeRole", "acs:ram::"+boundaryA+":role/other", "")
	}
	f.Fuzz(func(t *testing.T, isDave bool, action, resource, owner string) {
		w, own := "session", boundaryA
		if isDave {
			w, own = "dave", boundaryB
		}
		r := evaluator.Request{Action: action, Resource: resource, ResourceOwner: owner}
		var (
			res directory.Result
			x   directory.Explanation
			err error
		)
		if isDave {
			res, err = dir.Authorize(dave, r)
		} else {
			res, err = dir.AuthorizeSession(sess.AccessKey, sess.Token, r)
		}
		if err != nil {
			t.Fatalf("Authorize(%s): %v", w, err)
		}
		dec := res.Decision
		if want := referenceBoundary(w, own, action, resource, owner); dec != want {
			t.Fatalf("%s: %s on %q (owner %q) = %v, the reference says %v", w, action, resource, owner, dec, want)
		}
		if isDave {
			x, err = dir.Explain(dave, r)
		} else {
			x, err = dir.ExplainSession(sess.AccessKey, sess.Token, r)
		}
		if err != nil || x.Decision != dec {
			t.Fatalf("Explain(%s) = %v, %v; Authorize said %v", w, x.Decision, err, dec)
		}
		if dec != evaluator.Allow && x.Layer != directory.LayerAccountBoundary && x.Layer != directory.LayerTrustPolicy {
			t.Fatalf("%s: %s on %q refused by layer %v", w, action, resource, x.Layer)
		}
	})
}
