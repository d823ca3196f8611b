package hardening

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/stretchr/testify/require"
)

// TestNoRetentionFromInput: deciding for principals that do not exist must
// not leave anything behind. A cache keyed by what callers send would let
// anyone grow the directory's memory without bound; here 100,000 distinct
// unknown principals of every form (and aliases of a real user) are
// decided, and the live heap afterwards must be within 2 MiB of the live
// heap before (an entry per input would cost several MiB).
func TestNoRetentionFromInput(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir, sess, key := allowAllDirectory(t, &now, directory.Limits{})
	r := evaluator.Request{Action: "ecs:RunInstances", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"}
	forms := []func(i int) string{
		func(i int) string { return "acs:ram::" + acct + ":user/nobody" + strconv.Itoa(i) },
		func(i int) string { return "LTAI" + strconv.Itoa(1e9+i) },
		func(i int) string { return "STS." + strconv.Itoa(1e9+i) + "abcdefghijklmnopqr" }, // with the session's token
		func(i int) string { return "acs:ram::" + acct + ":role/r0/nosession" + strconv.Itoa(i) },
		func(i int) string { return "acs:sts::" + acct + ":assumed-role/r0/x" + strconv.Itoa(i) },
		func(i int) string { return "garbage-" + strconv.Itoa(i) },
	}
	// Warm up: the real principals, so that their cache entries exist
	// before the first reading.
	for _, who := range []string{"acs:ram::" + acct + ":user/u0", "acs:ram:*:" + acct + ":user/u0", sess.AccessKey, key.ID} {
		dec, err := authorizeAs(dir, who, sess.Token, r)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	const n = 100000
	for i := 0; i < n; i++ {
		dec, err := authorizeAs(dir, forms[i%len(forms)](i), sess.Token, r)
		require.Error(t, err)
		require.Equal(t, evaluator.ImplicitDeny, dec)
	}
	after := heap()
	growth := int64(after) - int64(before)
	require.Less(t, growth, int64(2<<20), "live heap grew by %d bytes after %d unknown principals", growth, n)
	runtime.KeepAlive(dir)
}
