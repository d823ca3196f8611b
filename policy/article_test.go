package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 11 item 15: the missing-Resource message reads "a session policy",
// not "an session policy".
func TestMissingResourceMessageArticle(t *testing.T) {
	for kind, want := range map[Kind]string{
		Identity: "a statement of an identity policy needs Resource or NotResource",
		Session:  "a statement of a session policy needs Resource or NotResource",
	} {
		_, err := Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*"}]}`), WithKind(kind))
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "an session")
	}
}
