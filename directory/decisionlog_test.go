package directory

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
)

// lockedBuffer collects a JSON handler's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) records(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

func logFixture(t *testing.T, cfg DecisionLog) (*fixture, *lockedBuffer) {
	buf := &lockedBuffer{}
	cfg.Handler = slog.NewJSONHandler(buf, nil)
	f := newFixture(t, func(o *Options) { o.DecisionLog = cfg; o.ReplicaID = "r1" })
	// Closed at the end, so that no test leaves the log's writer running
	// into the next: the Close tests count this package's goroutines, and
	// under -count=3 they found writers earlier tests had left.
	t.Cleanup(func() { _ = f.d.Close() })
	return f, buf
}

// TestDecisionLog: every deny is logged with the deciding policy and
// statement, allows are sampled, and no secret or SecurityToken appears.
func TestDecisionLog(t *testing.T) {
	f, buf := logFixture(t, DecisionLog{AllowSample: 2})
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "ecs:*", "*"), stmt("Deny", "ecs:DeleteInstance", "*")))
	nk, _, err := f.d.CreateAccessKey(alice)
	require.NoError(t, err)
	allow := req("ecs:DescribeInstances", "acs:ecs:*:"+uidA+":instance/i-1")
	deny := req("ecs:DeleteInstance", "acs:ecs:*:"+uidA+":instance/i-1")
	for range 4 {
		_, err := f.d.Authorize(alice, allow)
		require.NoError(t, err)
	}
	res, err := f.d.AuthorizeAccessKey(nk.ID, deny)
	require.NoError(t, err)
	require.Equal(t, evaluator.ExplicitDeny, res.Decision)
	_, err = f.d.Authorize(userID(uidA, "nobody"), allow)
	require.ErrorIs(t, err, ErrNotFound)

	var recs []map[string]any
	require.Eventually(t, func() bool { recs = buf.records(t); return len(recs) == 4 }, 2*time.Second, time.Millisecond)
	allows, denies := 0, 0
	for _, r := range recs {
		require.Equal(t, "r1", r["replica"])
		require.True(t, strings.HasPrefix(r["decision_id"].(string), "r1-"))
		switch r["decision"] {
		case "Allow":
			allows++
			require.Equal(t, "alice-p0", r["policy"])
			require.Equal(t, "Statement[0]", r["statement"])
		case "ExplicitDeny":
			denies++
			require.Equal(t, nk.ID, r["access_key_id"])
			require.Equal(t, alice.String(), r["principal"])
			require.Equal(t, "Statement[1]", r["statement"])
		case "ImplicitDeny":
			require.Contains(t, r["error"], "not found")
		}
	}
	require.Equal(t, 2, allows, "one allow in two")
	require.Equal(t, 1, denies)
	require.NotContains(t, buf.b.String(), nk.Secret.Reveal())
}

// TestDecisionLogRateLimit: past PerSecond records a second, records are
// dropped and counted.
func TestDecisionLogRateLimit(t *testing.T) {
	f, buf := logFixture(t, DecisionLog{PerSecond: 3})
	bob := f.user(t, uidA, "bob")
	r := req("ecs:DescribeInstances", "*")
	for range 50 {
		_, _ = f.d.Authorize(bob, r)
	}
	// Records are written by a background goroutine: wait until every
	// decision is accounted for, written or dropped, before counting.
	var n int
	require.Eventually(t, func() bool {
		n = len(buf.records(t))
		return n > 0 && uint64(n)+f.d.DecisionsDropped() == 50
	}, 2*time.Second, time.Millisecond, "every decision is either written or counted as dropped")
	require.LessOrEqual(t, n, 6, "at most PerSecond a second (the loop may span two seconds)")
}

// TestDecisionLogNoAllocs: with a log configured, a decision that is not
// logged (an allow sampled out) allocates nothing.
func TestDecisionLogNoAllocs(t *testing.T) {
	f, _ := logFixture(t, DecisionLog{AllowSample: 0})
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "ecs:*", "*")))
	r := req("ecs:DescribeInstances", "acs:ecs:*:"+uidA+":instance/i-1")
	_, _ = f.d.Authorize(alice, r)
	if n := testing.AllocsPerRun(200, func() { sinkResult, _ = f.d.Authorize(alice, r) }); n != 0 {
		t.Fatalf("sampled-out decision: %v allocs, want 0", n)
	}
	g, _ := logFixture(t, DecisionLog{AllowSample: 1 << 30})
	carol := g.user(t, uidA, "carol", doc(stmt("Allow", "ecs:*", "*")))
	if n := testing.AllocsPerRun(200, func() { sinkResult, _ = g.d.Authorize(carol, r) }); n != 0 {
		t.Fatalf("sampled-out decision (sampling counter): %v allocs, want 0", n)
	}
}
