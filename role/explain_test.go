package role

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// Issue 11 item 14: ExplainAssumeRole names the layer that decides, agrees
// with AssumeRole, and reports a trust statement that does not name the
// caller as a near miss naming it (before, an untrusted principal was "no
// statement matched the action and resource").
func TestExplainAssumeRoleLayers(t *testing.T) {
	f := newFixture(t)
	dave := f.user(t, uidB, "dave", allowAssumeAny)
	erin := f.user(t, uidB, "erin")
	mallory := f.user(t, uidB, "mallory", allowAssumeAny, identity(stmt("Deny", "sts:AssumeRole", "*")))
	trustsB := f.role(t, uidA, "trusts-b", trust(trustRAM("Allow", root(uidB))), 0)
	onlyCarol := f.role(t, uidA, "only-carol", trust(`{"Sid":"Carol","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+
		userARN(uidB, "carol")+`"]}}`), 0)
	denyDave := f.role(t, uidA, "denies-dave", trust(trustRAM("Allow", root(uidB)), trustRAM("Deny", dave)), 0)
	service := f.role(t, uidA, "ecs-role", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}`), 0)

	tests := []struct {
		name   string
		caller string
		role   string
		want   evaluator.Decision
		layer  principal.Layer
		text   string // part of the explanation's text
	}{
		{"allowed", dave, trustsB, evaluator.Allow, principal.LayerTrust, "decided by: trust policy: the role's trust policy allows"},
		{"principal not named", dave, onlyCarol, evaluator.ImplicitDeny, principal.LayerTrust,
			`near miss: Allow policy "trust-policy" Statement[0] (Sid "Carol"): Principal does not name user ` + dave},
		{"trust denies", dave, denyDave, evaluator.ExplicitDeny, principal.LayerTrust, "explicitly denies"},
		{"caller's policies do not allow", erin, trustsB, evaluator.ImplicitDeny, principal.LayerIdentity, "identity policies"},
		{"caller's policies deny", mallory, trustsB, evaluator.ExplicitDeny, principal.LayerIdentity, "applied: Deny"},
		{"service caller", "ecs.aliyuncs.com", service, evaluator.Allow, principal.LayerTrust, "trust policy"},
		{"service not named", "rds.aliyuncs.com", service, evaluator.ImplicitDeny, principal.LayerTrust,
			"Principal does not name service rds.aliyuncs.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := AssumeRoleInput{Caller: tc.caller, RoleARN: tc.role, RoleSessionName: "s-1"}
			x, err := f.sts.ExplainAssumeRole(in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, x.Decision)
			assert.Equal(t, tc.layer, x.Layer)
			assert.Contains(t, x.String(), tc.text)
			_, aerr := f.sts.AssumeRole(in)
			assert.Equal(t, tc.want == evaluator.Allow, aerr == nil, "AssumeRole disagrees: %v", aerr)
		})
	}
	t.Run("input errors are AssumeRole's", func(t *testing.T) {
		_, err := f.sts.ExplainAssumeRole(AssumeRoleInput{Caller: dave, RoleARN: roleARN(uidA, "nope"), RoleSessionName: "s-1"})
		assert.ErrorIs(t, err, ErrRoleNotExist)
		_, err = f.sts.ExplainAssumeRole(AssumeRoleInput{Caller: root(uidB), RoleARN: trustsB, RoleSessionName: "s-1"})
		assert.ErrorIs(t, err, ErrNoPermission)
		_, err = f.sts.ExplainAssumeRole(AssumeRoleInput{Caller: dave, RoleARN: trustsB, RoleSessionName: "x"})
		assert.ErrorIs(t, err, ErrInvalidRoleSessionName)
	})
}
