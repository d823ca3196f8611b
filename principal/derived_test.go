package principal

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// D26, issue 11 item 3: in Authorize and Explain, acs:PrincipalARN is the
// resolved identity's ARN; a caller-set value (any spelling) is discarded.
// Before the fix a "Deny oss:Delete* unless acs:PrincipalARN is user/admin"
// policy on alice became Allow when her context claimed user/admin.
func TestPrincipalARNCannotBeClaimed(t *testing.T) {
	d, _ := newDir(t, uidA)
	admin := userARN(uidA, "admin")
	_, err := d.CreatePolicy(uidA, "OssOnlyAdminDeletes", "", `{"Version":"1","Statement":[`+
		`{"Effect":"Allow","Action":"oss:*","Resource":"*"},`+
		`{"Effect":"Deny","Action":"oss:Delete*","Resource":"*","Condition":{"StringNotEquals":{"acs:PrincipalARN":"`+admin+`"}}}]}`)
	require.NoError(t, err)
	for _, n := range []string{"alice", "admin"} {
		_, err := d.CreateUser(uidA, n)
		require.NoError(t, err)
		require.NoError(t, d.AttachPolicy(MustParse(userARN(uidA, n)), Custom, "OssOnlyAdminDeletes"))
	}
	del := req("oss:DeleteObject", "acs:oss:*:"+uidA+":bucket/key")
	for _, k := range []string{"acs:PrincipalARN", "acs:principalarn", "ACS:PRINCIPALARN", "acs:PrincipalArn"} {
		ctx := &evaluator.Context{}
		ctx.Set(k, admin)
		r := del
		r.Context = ctx
		x := requireExplained(t, d, userARN(uidA, "alice"), r)
		assert.Equal(t, explicit, x.Decision, "claimed through %q", k)
	}
	// The real admin is allowed, whatever its context claims.
	ctx := &evaluator.Context{}
	ctx.Set("acs:PrincipalARN", userARN(uidA, "alice"))
	r := del
	r.Context = ctx
	assert.Equal(t, allow, requireExplained(t, d, admin, r).Decision)
}

// D27: Authorize and Explain only read the request's Context, so one
// Context may be shared by concurrent decisions (run with -race).
func TestAuthorizeSharedContextConcurrent(t *testing.T) {
	d, session := twoAccounts(t)
	ctx := &evaluator.Context{}
	ctx.Set("acs:SourceIp", "10.1.2.3")
	ctx.Set("acs:PrincipalARN", userARN(acctB, "admin"))
	want := ctx.Clone()
	r := req("ecs:DeleteInstance", instance(acctA))
	r.Context = ctx
	var wg sync.WaitGroup
	for _, who := range []string{session, userARN(acctB, "dave"), session, userARN(acctB, "dave")} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				_, _ = d.Authorize(who, r)
				_, _ = d.Explain(who, r)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, want, ctx)
}

// D24 with Request.ResourceOwner: the owner the request names wins over
// the ARN's account field, for identities and for the account root.
func TestResourceOwnerWins(t *testing.T) {
	d, session := twoAccounts(t)
	dave := userARN(acctB, "dave")
	owned := func(res, owner string) evaluator.Request {
		r := req("ecs:DeleteInstance", res)
		r.ResourceOwner = owner
		return r
	}
	tests := []struct {
		name string
		who  string
		r    evaluator.Request
		want evaluator.Decision
	}{
		{"owner set to another account, ARN names none", dave, owned("acs:ecs:*:*:instance/i-1", acctA), implicit},
		{"owner set to another account, no ARN", dave, owned("*", acctA), implicit},
		{"owner set to own account", dave, owned("acs:ecs:*:*:instance/i-1", acctB), allow},
		{"owner set to own account over ARN field", dave, owned(instance(acctA), acctB), allow},
		{"owner set to another account over ARN field", dave, owned(instance(acctB), acctA), implicit},
		{"owner not an account ID", dave, owned("*", "*"), implicit},
		{"session: owner is the role's account", session, owned("*", acctA), allow},
		{"session: owner is the caller's account", session, owned("*", acctB), implicit},
		{"root: owner is its account", "acs:ram::" + acctA + ":root", owned("*", acctA), allow},
		{"root: owner is another account", "acs:ram::" + acctA + ":root", owned(instance(acctA), acctB), implicit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, requireExplained(t, d, tc.who, tc.r).Decision)
		})
	}
}

// D27 audit: the directory's API leaves the caller's values as they were
// (slices in specs, import bytes, requests) and hands out copies of its own
// state (a trust document the caller may change freely).
func TestAPIDoesNotWriteCallerValues(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreatePolicy(uidA, "P", "", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	atts := []Attachment{{Custom, "P"}, {System, "AliyunARMSReadOnlyAccess"}, {Custom, "P"}}
	spec := RoleSpec{Name: "r", TrustPolicy: trustRoot(uidA), Policies: atts}
	_, err = d.CreateRole(uidA, spec)
	require.NoError(t, err)
	assert.Equal(t, []Attachment{{Custom, "P"}, {System, "AliyunARMSReadOnlyAccess"}, {Custom, "P"}}, atts)
	assert.Zero(t, spec.MaxSessionDuration, "the default is not written back")

	roleID := MustParse("acs:ram::" + uidA + ":role/r")
	doc, err := d.TrustDocument(roleID)
	require.NoError(t, err)
	doc.Statements[0].Effect = policy.Deny
	doc.Statements = nil
	again, err := d.TrustDocument(roleID)
	require.NoError(t, err)
	require.Len(t, again.Statements, 1, "TrustDocument returned the directory's own document")

	data, err := d.Export()
	require.NoError(t, err)
	orig := string(data)
	other, _ := newDir(t)
	require.NoError(t, other.Import(data))
	assert.Equal(t, orig, string(data))

	ctx := &evaluator.Context{}
	ctx.Set("acs:SourceIp", "10.0.0.1")
	r := evaluator.Request{Action: "ecs:Stop", Resource: "*", Context: ctx}
	before := r
	_, _ = d.Authorize("acs:ram::"+uidA+":root", r)
	_, _ = d.Explain("acs:ram::"+uidA+":user/none", r)
	assert.Equal(t, before, r)
}
