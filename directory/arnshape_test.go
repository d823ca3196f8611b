package directory

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// TestAccountBoundaryOddARNs: resources that name an account without being
// well-formed ARNs (cut after the account field, or "acs:" in another
// case) belong to the account they name (D24). Both used to count as
// naming no account, so the principal's own: B's dave, allowed ecs:* on
// "*", was allowed on "acs:ecs:cn-hangzhou:<A>" and on
// "ACS:ecs:cn-hangzhou:<A>:instance/i-1", and a session of A's role on B's.
func TestAccountBoundaryOddARNs(t *testing.T) {
	f, s := twoAccounts(t)
	dave, sess := who{id: userID(uidB, "dave")}, who{session: true}
	rootB := who{id: principal.MustParse(rootARN(uidB))}
	del := func(res string) evaluator.Request { return req("ecs:DeleteInstance", res) }
	const allow, implicit = evaluator.Allow, evaluator.ImplicitDeny
	tests := []struct {
		name  string
		who   who
		res   string
		want  evaluator.Decision
		layer Layer
	}{
		{"user, cut after another account", dave, "acs:ecs:cn-hangzhou:" + uidA, implicit, LayerAccountBoundary},
		{"user, upper-case prefix, another account", dave, "ACS:ecs:cn-hangzhou:" + uidA + ":instance/i-1", implicit, LayerAccountBoundary},
		{"user, mixed-case prefix, cut", dave, "Acs:ecs:cn-hangzhou:" + uidA, implicit, LayerAccountBoundary},
		{"root, cut after another account", rootB, "acs:ecs:cn-hangzhou:" + uidA, implicit, LayerAccountBoundary},
		{"session, upper-case prefix, caller's account", sess, "ACS:ecs:cn-hangzhou:" + uidB + ":instance/i-1", implicit, LayerAccountBoundary},
		{"session, cut after the caller's account", sess, "acs:ecs:cn-hangzhou:" + uidB, implicit, LayerAccountBoundary},
		// Naming the principal's own account, or none, stays as it was.
		{"user, cut after its own account", dave, "acs:ecs:cn-hangzhou:" + uidB, allow, LayerIdentity},
		{"user, upper-case prefix, own account", dave, "ACS:ecs:cn-hangzhou:" + uidB + ":instance/i-1", allow, LayerIdentity},
		{"session, cut after the role's account", sess, "acs:ecs:cn-hangzhou:" + uidA, allow, LayerIdentity},
		{"user, cut before the account field", dave, "acs:ecs:cn-hangzhou", allow, LayerIdentity},
		{"user, cut, empty account field", dave, "acs:ecs:cn-hangzhou:", allow, LayerIdentity},
		{"user, upper-case prefix, star account", dave, "ACS:ecs:*:*:instance/i-1", allow, LayerIdentity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := f.explain(t, tc.who, del(tc.res), s)
			assert.Equal(t, tc.want, x.Decision)
			assert.Equal(t, tc.layer, x.Layer)
		})
	}
}

func TestAccountField(t *testing.T) {
	for in, want := range map[string]string{
		"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1": uidA,
		"ACS:ecs:cn-hangzhou:" + uidA + ":instance/i-1": uidA,
		"acs:ecs:cn-hangzhou:" + uidA:                   uidA,
		"aCs:ecs::" + uidA:                              uidA,
		"acs:ecs:cn-hangzhou:":                          "",
		"acs:ecs:cn-hangzhou":                           "",
		"acs:ecs:*:*:x":                                 "*",
		"acs:oss:*::bucket":                             "",
		"arn:ecs:cn:" + uidA + ":x":                     "",
		"*":                                             "",
		"":                                              "",
	} {
		assert.Equal(t, want, accountField(in), "%q", in)
	}
}
