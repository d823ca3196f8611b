package directory

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// twoAccounts (carried over from principal's boundary tests): B's dave
// holds ecs:* directly, B's erin through a group, and a session of A's
// role ops (ecs:*, trusting B) is issued to dave.
func twoAccounts(t *testing.T) (*fixture, SessionCredentials) {
	f := newFixture(t)
	ecsAll := doc(stmt("Allow", "ecs:*", "*"), stmt("Allow", "sts:AssumeRole", "*"))
	dave := f.user(t, uidB, "dave", ecsAll)
	erin := f.user(t, uidB, "erin")
	g := groupID(uidB, "ops")
	_, err := f.d.CreateGroup(g)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(g, custom("dave-p0"))
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(erin, g)
	require.NoError(t, err)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "ecs", Document: ecsAll})
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(r, custom("ecs"))
	require.NoError(t, err)
	return f, creds(f.assume(t, dave, r))
}

func instance(uid string) string { return "acs:ecs:cn-hangzhou:" + uid + ":instance/i-1" }

// who decides for a user ID or, with id zero, for the session.
type who struct {
	id      principal.ID
	session bool
}

func (f *fixture) explain(t *testing.T, w who, r evaluator.Request, s SessionCredentials) Explanation {
	t.Helper()
	var x Explanation
	var res Result
	var err error
	if w.session {
		x, err = f.d.ExplainSession(s.AccessKeyID, s.SecurityToken, r)
		require.NoError(t, err)
		res, err = f.d.AuthorizeSession(s.AccessKeyID, s.SecurityToken, r)
	} else {
		x, err = f.d.Explain(w.id, r)
		require.NoError(t, err)
		res, err = f.d.Authorize(w.id, r)
	}
	require.NoError(t, err)
	require.Equal(t, res.Decision, x.Decision, "Explain agrees with Authorize")
	return x
}

// TestAccountBoundaryTable: D24, issue 11 item 1, for users, group members
// and sessions, with the resource forms that name an account or not.
func TestAccountBoundaryTable(t *testing.T) {
	f, s := twoAccounts(t)
	dave, erin, sess := who{id: userID(uidB, "dave")}, who{id: userID(uidB, "erin")}, who{session: true}
	del := func(res string) evaluator.Request { return req("ecs:DeleteInstance", res) }
	owned := func(res, owner string) evaluator.Request { r := del(res); r.ResourceOwner = owner; return r }
	rootA := who{id: principal.MustParse(rootARN(uidA))}
	const allow, implicit = evaluator.Allow, evaluator.ImplicitDeny
	tests := []struct {
		name  string
		who   who
		r     evaluator.Request
		want  evaluator.Decision
		layer Layer
	}{
		{"user on other account", dave, del(instance(uidA)), implicit, LayerAccountBoundary},
		{"user on own account", dave, del(instance(uidB)), allow, LayerIdentity},
		{"group member on other account", erin, del(instance(uidA)), implicit, LayerAccountBoundary},
		{"group member on own account", erin, del(instance(uidB)), allow, LayerIdentity},
		{"session on its role's account", sess, del(instance(uidA)), allow, LayerIdentity},
		{"session on the caller's account", sess, del(instance(uidB)), implicit, LayerAccountBoundary},
		{"account field star", dave, del("acs:ecs:cn-hangzhou:*:instance/i-1"), allow, LayerIdentity},
		{"account field empty", dave, del("acs:ecs:cn-hangzhou::instance/i-1"), allow, LayerIdentity},
		{"no ARN at all", dave, del("*"), allow, LayerIdentity},
		{"account field pattern", dave, del("acs:ecs:cn-hangzhou:6543*:instance/i-1"), implicit, LayerAccountBoundary},
		{"account field not an account", dave, del("acs:ecs:cn-hangzhou:x:instance/i-1"), implicit, LayerAccountBoundary},
		{"session, account field star", sess, del("acs:ecs:*:*:instance/i-1"), allow, LayerIdentity},
		{"ResourceOwner: another account, ARN names none", dave, owned("acs:ecs:*:*:instance/i-1", uidA), implicit, LayerAccountBoundary},
		{"ResourceOwner: another account, no ARN", dave, owned("*", uidA), implicit, LayerAccountBoundary},
		{"ResourceOwner: own account over ARN field", dave, owned(instance(uidA), uidB), allow, LayerIdentity},
		{"ResourceOwner: other account over ARN field", dave, owned(instance(uidB), uidA), implicit, LayerAccountBoundary},
		{"ResourceOwner not an account ID", dave, owned("*", "*"), implicit, LayerAccountBoundary},
		{"session: ResourceOwner is the role's account", sess, owned("*", uidA), allow, LayerIdentity},
		{"session: ResourceOwner is the caller's account", sess, owned("*", uidB), implicit, LayerAccountBoundary},
		{"root: ResourceOwner is its account", rootA, owned("*", uidA), allow, LayerAccountRoot},
		{"root: ResourceOwner is another account", rootA, owned(instance(uidA), uidB), implicit, LayerAccountBoundary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := f.explain(t, tc.who, tc.r, s)
			assert.Equal(t, tc.want, x.Decision)
			assert.Equal(t, tc.layer, x.Layer)
		})
	}
}

// TestAccountBoundaryExplicitDenyWins: an explicit Deny of the principal's
// own policies still wins across accounts.
func TestAccountBoundaryExplicitDenyWins(t *testing.T) {
	f, _ := twoAccounts(t)
	_, err := f.d.CreatePolicy(uidB, PolicySpec{Name: "NoDelete", Document: doc(stmt("Deny", "ecs:Delete*", "*"))})
	require.NoError(t, err)
	dave := userID(uidB, "dave")
	_, err = f.d.AttachPolicy(dave, custom("NoDelete"))
	require.NoError(t, err)
	x := f.explain(t, who{id: dave}, req("ecs:DeleteInstance", instance(uidA)), SessionCredentials{})
	assert.Equal(t, evaluator.ExplicitDeny, x.Decision)
	assert.Equal(t, LayerIdentity, x.Layer)
}

// TestAccountBoundaryAssumeRoleConsent: Authorize of sts:AssumeRole on
// another account's role takes the role's trust policy as the owner's
// consent; an explicit Deny on either side wins.
func TestAccountBoundaryAssumeRoleConsent(t *testing.T) {
	f, _ := twoAccounts(t)
	dave := who{id: userID(uidB, "dave")}
	erinNoSTS := f.user(t, uidB, "frank", doc(stmt("Allow", "ecs:*", "*")))
	f.role(t, uidA, "denies-dave", doc(trustRAM("Allow", rootARN(uidB)), trustRAM("Deny", userID(uidB, "dave").String())), 0)
	f.role(t, uidA, "trusts-c", doc(trustRAM("Allow", rootARN(uidC))), 0)
	assume := func(role string) evaluator.Request { return req("sts:AssumeRole", "acs:ram::"+uidA+":role/"+role) }
	for _, tc := range []struct {
		name  string
		who   who
		r     evaluator.Request
		want  evaluator.Decision
		layer Layer
	}{
		{"trusted and allowed", dave, assume("ops"), evaluator.Allow, LayerIdentity},
		{"the acs:ram:* form of the role ARN", dave, req("sts:AssumeRole", "acs:ram:*:"+uidA+":role/ops"), evaluator.Allow, LayerIdentity},
		{"trust names another account", dave, assume("trusts-c"), evaluator.ImplicitDeny, LayerAccountBoundary},
		{"trust denies", dave, assume("denies-dave"), evaluator.ExplicitDeny, LayerTrustPolicy},
		{"caller's policies do not allow", who{id: erinNoSTS}, assume("ops"), evaluator.ImplicitDeny, LayerAccountBoundary},
		{"unknown role", dave, assume("ghost"), evaluator.ImplicitDeny, LayerAccountBoundary},
		{"a trust policy consents to sts:AssumeRole only", dave, req("ecs:DeleteInstance", "acs:ram::"+uidA+":role/ops"), evaluator.ImplicitDeny, LayerAccountBoundary},
		{"same account: identity policies alone", dave, req("sts:AssumeRole", "acs:ram::"+uidB+":role/anything"), evaluator.Allow, LayerIdentity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := f.explain(t, tc.who, tc.r, SessionCredentials{})
			assert.Equal(t, tc.want, x.Decision)
			assert.Equal(t, tc.layer, x.Layer)
		})
	}
}

// TestPrincipalARNCannotBeClaimed: D26, issue 11 item 3 — a caller-set
// acs:PrincipalARN (any spelling) is discarded.
func TestPrincipalARNCannotBeClaimed(t *testing.T) {
	f := newFixture(t)
	admin := userID(uidA, "admin")
	pol := doc(stmt("Allow", "oss:*", "*"), `{"Effect":"Deny","Action":"oss:Delete*","Resource":"*","Condition":{"StringNotEquals":{"acs:PrincipalARN":"`+admin.String()+`"}}}`)
	alice := f.user(t, uidA, "alice", pol)
	_, err := f.d.CreateUser(admin)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(admin, custom("alice-p0"))
	require.NoError(t, err)
	del := req("oss:DeleteObject", "acs:oss:*:"+uidA+":bucket/key")
	for _, k := range []string{"acs:PrincipalARN", "acs:principalarn", "ACS:PRINCIPALARN", "acs:PrincipalArn"} {
		r := del
		r.Context = &evaluator.Context{}
		r.Context.Set(k, admin.String())
		res, err := f.d.Authorize(alice, r)
		require.NoError(t, err)
		assert.Equal(t, evaluator.ExplicitDeny, res.Decision, "claimed through %q", k)
	}
	r := del
	r.Context = &evaluator.Context{}
	r.Context.Set("acs:PrincipalARN", alice.String())
	res, err := f.d.Authorize(admin, r)
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)

	// The trust policy reads acs:PrincipalARN from the resolved caller too.
	dave := f.user(t, uidB, "dave", allowAssumeAny)
	role := f.role(t, uidA, "admins-only", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+rootARN(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"acs:PrincipalARN":"`+userID(uidB, "boss").String()+`"}}}`), 0)
	for _, k := range []string{"acs:PrincipalARN", "acs:principalarn"} {
		ctx := &evaluator.Context{}
		ctx.Set(k, userID(uidB, "boss").String())
		_, err := f.d.AssumeRole(AssumeRoleInput{Caller: dave, Role: role, SessionName: "dave", Context: ctx})
		requireRefusal(t, err, SideTrust, false)
	}
	boss := f.user(t, uidB, "boss", allowAssumeAny)
	_, err = f.d.AssumeRole(AssumeRoleInput{Caller: boss, Role: role, SessionName: "boss"})
	require.NoError(t, err)
}

// TestSharedContextConcurrent: D27, issue 11 item 2 — many goroutines
// share one read-only Context; right and wrong ExternalIds never cross, and
// the Context is never written (run with -race).
func TestSharedContextConcurrent(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "vendor", allowAssumeAny, doc(stmt("Allow", "ecs:*", "*")))
	r := f.role(t, uidA, "vendor-role", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+rootARN(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}`), 0)
	base := &evaluator.Context{}
	base.Set("acs:SourceIp", "10.1.2.3")
	base.Set("acs:PrincipalARN", "acs:ram::"+uidB+":user/admin")
	want := base.Clone()
	const goroutines, each = 8, 150
	var granted, wrongGranted, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				right := (g+i)%2 == 0
				ext := "abc-124"
				if right {
					ext = "abc-123"
				}
				_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "vendor", ExternalID: ext, Context: base})
				switch {
				case err == nil && right:
					granted.Add(1)
				case err == nil:
					wrongGranted.Add(1)
				case right:
					t.Errorf("right ExternalId refused: %v", err)
				default:
					refused.Add(1)
				}
				rq := req("ecs:DescribeInstances", instance(uidB))
				rq.Context = base
				if res, err := f.d.Authorize(caller, rq); err != nil || res.Decision != evaluator.Allow {
					t.Errorf("Authorize: %v %v", res, err)
				}
				_, _ = f.d.Explain(caller, rq)
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, wrongGranted.Load(), "sessions granted for a wrong ExternalId")
	assert.Equal(t, int64(goroutines*each/2), granted.Load())
	assert.Equal(t, int64(goroutines*each/2), refused.Load())
	assert.Equal(t, want, base, "the shared context is unchanged")
}

// TestExternalIDCannotBeClaimedInAnySpelling: D26 with D23, issue 11 item
// 3 — sts:ExternalId comes only from AssumeRole's input, whatever spelling
// the trust policy and the caller's context use (carried over from role).
func TestExternalIDCannotBeClaimedInAnySpelling(t *testing.T) {
	for _, policyKey := range []string{"sts:ExternalId", "sts:externalid", "STS:EXTERNALID"} {
		t.Run(policyKey, func(t *testing.T) {
			f := newFixture(t)
			caller := f.user(t, uidB, "vendor", allowAssumeAny)
			r := f.role(t, uidA, "vendor-role", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+rootARN(uidB)+`"]},`+
				`"Condition":{"StringEquals":{"`+policyKey+`":"abc-123"}}}`), 0)
			for _, ctxKey := range []string{"sts:ExternalId", "sts:externalid", "STS:EXTERNALID", policyKey} {
				ctx := &evaluator.Context{}
				ctx.Set(ctxKey, "abc-123")
				_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "vendor", Context: ctx})
				requireRefusal(t, err, SideTrust, false)
				_, err = f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "vendor", ExternalID: "abc-124", Context: ctx})
				requireRefusal(t, err, SideTrust, false)
			}
			_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "vendor", ExternalID: "abc-123"})
			require.NoError(t, err)
		})
	}
}
