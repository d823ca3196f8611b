package evaluator

import (
	"math/rand/v2"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestAny checks the index's restAny flag, which lets Decide skip
// MatchRest: it is set exactly for the patterns that are a literal prefix
// and one final '*', and for those MatchRest holds for every rest.
func TestRestAny(t *testing.T) {
	want := map[string]bool{
		"*": true, "arms:*": true, "ARMS:Get*": true, "arms:Get": false, "arms:*Get": false, "arms:Get**": false,
		"arms:?*": false, "arms:G?t*": false, "a*b*": false, "?": false, "arms:Get*Trace": false, "ecs:Describe*": true,
	}
	var actions []string
	for p := range want {
		actions = append(actions, p)
	}
	d := &policy.Document{Version: "1", Statements: []policy.Statement{
		{Effect: policy.Allow, Action: actions, Resource: []string{"*"}},
		{Effect: policy.Deny, Action: actions, Resource: []string{"*"}},
	}}
	e, err := Compile(Policy{ID: "p", Document: d})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 14))
	for _, ix := range []*index{&e.allow, &e.deny} {
		require.Len(t, ix.ents, len(actions))
		for _, en := range ix.ents {
			p := &e.stmts[en.stmt].actions[en.pat]
			assert.Equal(t, want[p.String()], en.restAny, p.String())
			if !en.restAny {
				continue
			}
			for range 200 {
				b := make([]byte, rng.IntN(12))
				for j := range b {
					b[j] = "aZ:*?/\xff"[rng.IntN(7)]
				}
				assert.True(t, p.MatchRest(string(b)), "%s rest %q", p, b)
			}
		}
	}
}
