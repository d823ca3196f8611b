package principal

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
)

// The accounts of issue 11's repro.
const (
	acctA = "1111111111111111"
	acctB = "2222222222222222"
)

// twoAccounts builds issue 11's repro: B's user dave with ecs:* on *, B's
// user erin with the same through a group, A's role "ops" (trusting B's
// account) with ecs:* on *, and a session of it assumed by dave.
func twoAccounts(t *testing.T) (d *Directory, session string) {
	t.Helper()
	d, _ = newDir(t, acctA, acctB)
	ecsAll := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`
	for _, uid := range []string{acctA, acctB} {
		_, err := d.CreatePolicy(uid, "EcsAll", "", ecsAll)
		require.NoError(t, err)
	}
	_, err := d.CreateUser(acctB, "dave")
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse(userARN(acctB, "dave")), Custom, "EcsAll"))
	_, err = d.CreateUser(acctB, "erin")
	require.NoError(t, err)
	_, err = d.CreateGroup(acctB, "ops")
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse("acs:ram::"+acctB+":group/ops"), Custom, "EcsAll"))
	require.NoError(t, d.AddUserToGroup(acctB, "erin", "ops"))
	_, err = d.CreateRole(acctA, RoleSpec{Name: "ops", TrustPolicy: trustRoot(acctB)})
	require.NoError(t, err)
	roleID := MustParse("acs:ram::" + acctA + ":role/ops")
	require.NoError(t, d.AttachPolicy(roleID, Custom, "EcsAll"))
	cred, err := d.CreateSession(SessionSpec{Role: roleID, Name: "dave", Caller: MustParse(userARN(acctB, "dave")),
		Duration: 3600}, d.Generation())
	require.NoError(t, err)
	return d, cred.AccessKeyID
}

func instance(acct string) string { return "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1" }

// requireExplained checks that Explain agrees with Authorize and returns
// the explanation.
func requireExplained(t *testing.T, d *Directory, who string, r evaluator.Request) Explanation {
	t.Helper()
	dec, err := d.Authorize(who, r)
	require.NoError(t, err)
	x, err := d.Explain(who, r)
	require.NoError(t, err)
	require.Equal(t, dec, x.Decision, "Explain and Authorize disagree: %s", x)
	return x
}

// D24, the repro of issue 11 item 1: an identity acts only on its own
// account's resources. Before the fix B's user dave (ecs:* on *) was
// allowed to delete A's instance, and a session of A's role to act on B's.
func TestAccountBoundaryRepro(t *testing.T) {
	d, session := twoAccounts(t)
	dave, erin := userARN(acctB, "dave"), userARN(acctB, "erin")
	del := func(res string) evaluator.Request { return req("ecs:DeleteInstance", res) }
	tests := []struct {
		name  string
		who   string
		r     evaluator.Request
		want  evaluator.Decision
		layer Layer
	}{
		{"user on other account", dave, del(instance(acctA)), implicit, LayerAccountBoundary},
		{"user on own account", dave, del(instance(acctB)), allow, LayerIdentity},
		{"group member on other account", erin, del(instance(acctA)), implicit, LayerAccountBoundary},
		{"group member on own account", erin, del(instance(acctB)), allow, LayerIdentity},
		{"session on its role's account", session, del(instance(acctA)), allow, LayerIdentity},
		{"session on the caller's account", session, del(instance(acctB)), implicit, LayerAccountBoundary},
		// The request's resource decides, never the policy's pattern. A
		// resource that names no account is the principal's own.
		{"account field star", dave, del("acs:ecs:cn-hangzhou:*:instance/i-1"), allow, LayerIdentity},
		{"account field empty", dave, del("acs:ecs:cn-hangzhou::instance/i-1"), allow, LayerIdentity},
		{"no ARN at all", dave, del("*"), allow, LayerIdentity},
		{"account field pattern", dave, del("acs:ecs:cn-hangzhou:2222*:instance/i-1"), implicit, LayerAccountBoundary},
		{"account field one-character wildcard", dave, del("acs:ecs:cn-hangzhou:222222222222222?:instance/i-1"), implicit, LayerAccountBoundary},
		{"account field not an account", dave, del("acs:ecs:cn-hangzhou:x:instance/i-1"), implicit, LayerAccountBoundary},
		{"session, account field star", session, del("acs:ecs:*:*:instance/i-1"), allow, LayerIdentity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := requireExplained(t, d, tc.who, tc.r)
			assert.Equal(t, tc.want, x.Decision)
			assert.Equal(t, tc.layer, x.Layer)
			if tc.layer == LayerAccountBoundary {
				assert.Contains(t, x.String(), "decided by: account boundary: the resource belongs to account")
			}
		})
	}
}

// D24: an explicit Deny of the principal's own policies still wins across
// accounts (and Explain names the identity policies).
func TestAccountBoundaryExplicitDenyWins(t *testing.T) {
	d, _ := twoAccounts(t)
	_, err := d.CreatePolicy(acctB, "NoDelete", "", docDeny("ecs:Delete*", "*"))
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse(userARN(acctB, "dave")), Custom, "NoDelete"))
	x := requireExplained(t, d, userARN(acctB, "dave"), req("ecs:DeleteInstance", instance(acctA)))
	assert.Equal(t, explicit, x.Decision)
	assert.Equal(t, LayerIdentity, x.Layer)
}

// D24: a cross-account sts:AssumeRole needs the owner's consent, the role's
// trust policy, as well as the caller's own policies; an explicit Deny in
// either wins. Within one account the identity policies alone decide.
func TestAccountBoundaryAssumeRoleConsent(t *testing.T) {
	d, _ := twoAccounts(t)
	dave := userARN(acctB, "dave")
	_, err := d.CreatePolicy(acctB, "Assume", "", docAllow("sts:AssumeRole", "*"))
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse(dave), Custom, "Assume"))
	_, err = d.CreateRole(acctA, RoleSpec{Name: "only-carol",
		TrustPolicy: `{"Version":"1","Statement":[{"Sid":"Carol","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:user/carol"]}}]}`})
	require.NoError(t, err)
	_, err = d.CreateRole(acctA, RoleSpec{Name: "deny-b",
		TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:root"]}},` +
			`{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:user/dave"]}}]}`})
	require.NoError(t, err)
	_, err = d.CreateRole(acctB, RoleSpec{Name: "local", TrustPolicy: trustRoot(acctA)})
	require.NoError(t, err)
	assume := func(role string) evaluator.Request { return req("sts:AssumeRole", role) }

	t.Run("trusted", func(t *testing.T) {
		x := requireExplained(t, d, dave, assume("acs:ram::"+acctA+":role/ops"))
		assert.Equal(t, allow, x.Decision)
		assert.Equal(t, LayerTrust, x.Layer)
		assert.Contains(t, x.Reason, "both allow")
		// Action names are case-insensitive; the region may be "*".
		x = requireExplained(t, d, dave, req("STS:assumerole", "acs:ram:*:"+acctA+":role/ops"))
		assert.Equal(t, allow, x.Decision)
	})
	t.Run("principal not named is a near miss naming it", func(t *testing.T) {
		x := requireExplained(t, d, dave, assume("acs:ram::"+acctA+":role/only-carol"))
		assert.Equal(t, implicit, x.Decision)
		assert.Equal(t, LayerTrust, x.Layer)
		require.Len(t, x.NearMisses, 1)
		assert.Equal(t, TrustPolicyID, x.NearMisses[0].PolicyID)
		assert.Equal(t, "Carol", x.NearMisses[0].Sid)
		assert.Contains(t, x.String(), `near miss: Allow policy "trust-policy" Statement[0] (Sid "Carol"): Principal does not name user `+dave)
	})
	t.Run("trust denies", func(t *testing.T) {
		x := requireExplained(t, d, dave, assume("acs:ram::"+acctA+":role/deny-b"))
		assert.Equal(t, explicit, x.Decision)
		assert.Equal(t, LayerTrust, x.Layer)
	})
	t.Run("caller's policies do not allow", func(t *testing.T) {
		x := requireExplained(t, d, userARN(acctB, "erin"), assume("acs:ram::"+acctA+":role/ops"))
		assert.Equal(t, implicit, x.Decision)
		assert.Equal(t, LayerIdentity, x.Layer)
		assert.Contains(t, x.Reason, "the owner's trust policy allows it, but the identity policies do not")
	})
	t.Run("unknown role of the other account", func(t *testing.T) {
		x := requireExplained(t, d, dave, assume("acs:ram::"+acctA+":role/nope"))
		assert.Equal(t, implicit, x.Decision)
		assert.Equal(t, LayerAccountBoundary, x.Layer)
	})
	t.Run("a trust policy consents to sts:AssumeRole only", func(t *testing.T) {
		x := requireExplained(t, d, dave, req("ram:GetRole", "acs:ram::"+acctA+":role/ops"))
		assert.Equal(t, implicit, x.Decision)
		assert.Equal(t, LayerAccountBoundary, x.Layer)
	})
	t.Run("same account: identity policies alone", func(t *testing.T) {
		x := requireExplained(t, d, dave, assume("acs:ram::"+acctB+":role/local"))
		assert.Equal(t, allow, x.Decision)
		assert.Equal(t, LayerIdentity, x.Layer)
	})
}

// The account root is confined to resources that name its account, and
// Explain names that rule.
func TestExplainAccountRoot(t *testing.T) {
	d, _ := twoAccounts(t)
	root := "acs:ram::" + acctA + ":root"
	x := requireExplained(t, d, root, req("ecs:DeleteInstance", instance(acctA)))
	assert.Equal(t, allow, x.Decision)
	assert.Equal(t, LayerAccountRoot, x.Layer)
	assert.Equal(t, "Allow\n  decided by: account root: an account root may do anything on resources of its own account "+acctA+"\n", x.String())
	x = requireExplained(t, d, root, req("ecs:DeleteInstance", instance(acctB)))
	assert.Equal(t, implicit, x.Decision)
	assert.Equal(t, LayerAccountRoot, x.Layer)
	assert.Contains(t, x.String(), "decided by: account root: the resource does not name the root's account")
}

// A session refused by its session policy is explained by the session
// policy; allowed by it, by the role's identity policies.
func TestExplainSessionPolicyLayer(t *testing.T) {
	d, _ := twoAccounts(t)
	roleID := MustParse("acs:ram::" + acctA + ":role/ops")
	cred, err := d.CreateSession(SessionSpec{Role: roleID, Name: "narrow", Caller: MustParse(userARN(acctB, "dave")),
		Policy: docAllow("ecs:Describe*", "*"), Duration: 900}, d.Generation())
	require.NoError(t, err)
	x := requireExplained(t, d, cred.AccessKeyID, req("ecs:DeleteInstance", instance(acctA)))
	assert.Equal(t, implicit, x.Decision)
	assert.Equal(t, LayerSession, x.Layer)
	assert.Contains(t, x.String(), "decided by: session policy")
	x = requireExplained(t, d, cred.AccessKeyID, req("ecs:DescribeInstances", instance(acctA)))
	assert.Equal(t, allow, x.Decision)
	assert.Equal(t, LayerIdentity, x.Layer)
	require.Len(t, x.Matched, 1)
	assert.Equal(t, "EcsAll", x.Matched[0].PolicyID)
}

func TestLayerString(t *testing.T) {
	for l, want := range map[Layer]string{LayerNone: "none", LayerIdentity: "identity policies", LayerSession: "session policy",
		LayerTrust: "trust policy", LayerAccountRoot: "account root", LayerAccountBoundary: "account boundary", 9: "Layer(9)"} {
		assert.Equal(t, want, l.String())
	}
}

// Cross-account decisions on a cache hit: the boundary itself costs no
// allocation.
func TestAuthorizeBoundaryNoAllocs(t *testing.T) {
	d, session := twoAccounts(t)
	for _, tc := range []struct {
		who string
		r   evaluator.Request
	}{
		{userARN(acctB, "dave"), req("ecs:DeleteInstance", instance(acctA))},
		{session, req("ecs:DeleteInstance", instance(acctB))},
	} {
		_, err := d.Authorize(tc.who, tc.r)
		require.NoError(t, err)
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = d.Authorize(tc.who, tc.r) }))
	}
}
