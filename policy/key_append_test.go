package policy

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// AppendCanonicalKey is CanonicalKey without the string: same result for
// every key, and no allocation into a buffer that is large enough.
func TestAppendCanonicalKeyAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "aZ:/ -Kk\u212a\xff"
	buf := make([]byte, 0, 64)
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		k := string(b)
		if got := string(AppendCanonicalKey(buf[:0], k)); got != CanonicalKey(k) {
			t.Fatalf("AppendCanonicalKey(%q) = %q, CanonicalKey %q", k, got, CanonicalKey(k))
		}
	}
	assert.Equal(t, "pre:oss:prefix/Tag", string(AppendCanonicalKey([]byte("pre:"), "OSS:Prefix/Tag")))
	assert.Zero(t, testing.AllocsPerRun(20, func() { buf = AppendCanonicalKey(buf[:0], "ACS:ResourceTag/Env") }))
}
