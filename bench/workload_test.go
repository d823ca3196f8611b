package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/policy"
)

// TestJSONMatchesDoc checks that each workload's JSON (what ramauthz loads)
// and its Go document (what the peers' adapters translate) are the same
// policy, so every engine decides the same rules.
func TestJSONMatchesDoc(t *testing.T) {
	ws := append(DecisionWorkloads(), Adversarial(60))
	for _, w := range ws {
		t.Run(w.Name, func(t *testing.T) {
			got, err := policy.Parse(w.JSON, policy.WithLimits(BenchLimits))
			require.NoError(t, err)
			assert.Equal(t, w.Doc, got)
		})
	}
}

func TestARMSReadOnlyParsesUnderDefaultLimits(t *testing.T) {
	// The real system policy must load with no raised limits.
	d, err := policy.Parse([]byte(ARMSReadOnlyJSON))
	require.NoError(t, err)
	assert.Len(t, d.Statements, 5)
}

func TestDecisionString(t *testing.T) {
	for d, s := range map[Decision]string{
		ImplicitDeny: "ImplicitDeny", Allow: "Allow", ExplicitDeny: "ExplicitDeny", Failed: "Failed", 9: "Decision(9)",
	} {
		assert.Equal(t, s, d.String())
	}
}
