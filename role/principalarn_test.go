package role_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
)

// A session's requests carry acs:PrincipalARN = the role's ARN (spec §3.2),
// so a role policy can single out the role itself.
func TestSessionPrincipalARNIsRoleARN(t *testing.T) {
	const a = "1234567890123456"
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	sts := role.New(dir)
	require.NoError(t, dir.CreateAccount(a))
	_, err := dir.CreateRole(a, principal.RoleSpec{Name: "ops", TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",` +
		`"Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::` + a + `:root"}}]}`})
	require.NoError(t, err)
	_, err = dir.CreatePolicy(a, "OnlyAsOps", "", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*",`+
		`"Condition":{"StringEquals":{"acs:PrincipalARN":"acs:ram::`+a+`:role/ops"}}}]}`)
	require.NoError(t, err)
	roleID := principal.MustParse("acs:ram::" + a + ":role/ops")
	require.NoError(t, dir.AttachPolicy(roleID, principal.Custom, "OnlyAsOps"))
	_, err = dir.CreateUser(a, "alice")
	require.NoError(t, err)
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	require.NoError(t, dir.AttachPolicy(alice, principal.System, "AliyunSTSAssumeRoleAccess"))
	require.NoError(t, dir.AttachPolicy(alice, principal.Custom, "OnlyAsOps"))

	out, err := sts.AssumeRole(role.AssumeRoleInput{Caller: alice.String(), RoleARN: roleID.String(), RoleSessionName: "alice"})
	require.NoError(t, err)
	req := evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:" + a + ":bucket/o"}

	dec, err := dir.Authorize(out.Credentials.AccessKeyID, req)
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec, "the session acts as the role")

	dec, err = dir.Authorize(alice.String(), req)
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, dec, "alice herself is not the role")
}
