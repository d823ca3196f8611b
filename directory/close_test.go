package directory

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/store/memstore"
)

// directoryGoroutines returns the stacks of the goroutines a Directory
// started: those created by this package's non-test code, whatever they
// are running now, and those running only its non-test code. (Skipping every stack that mentions a _test.go file
// made the check flaky: the decision log's writer, caught inside a test's
// slog handler, was skipped, so "the writer runs" failed now and then and
// the writer it left running failed the next test.)
func directoryGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller
		}
		_, creator, _ := strings.Cut(g, "\ncreated by ")
		fn, file, _ := strings.Cut(creator, "\n")
		started := strings.HasPrefix(fn, "github.com/ramauthz/ramauthz/directory.") && !strings.Contains(file, "_test.go")
		running := strings.Contains(g, "github.com/ramauthz/ramauthz/directory.") && !strings.Contains(g, "_test.go")
		if started || running {
			out = append(out, g)
		}
	}
	return out
}

// requireNoDirectoryGoroutines fails when a goroutine of the directory is
// still running shortly after Close (a goroutine may take a moment to
// leave the scheduler after its last statement).
func requireNoDirectoryGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := directoryGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d directory goroutines still running after Close:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCloseStopsDecisionLog: Close stops the decision log's writer
// goroutine (it ran forever before) after writing every queued record, so
// that when Close returns the records are all there; decisions after
// Close are counted as dropped, not logged.
func TestCloseStopsDecisionLog(t *testing.T) {
	requireNoDirectoryGoroutines(t)
	f, buf := logFixture(t, DecisionLog{})
	bob := f.user(t, uidA, "bob")
	r := req("ecs:DescribeInstances", "*")
	for range 20 {
		_, _ = f.d.Authorize(bob, r) // implicit denies: all logged
	}
	require.NotEmpty(t, directoryGoroutines(), "the writer runs while the log is open")
	require.NoError(t, f.d.Close())
	require.Len(t, buf.records(t), 20, "every queued record is written before Close returns")
	require.Zero(t, f.d.DecisionsDropped())
	requireNoDirectoryGoroutines(t)
	_, _ = f.d.Authorize(bob, r)
	require.Len(t, buf.records(t), 20)
	require.Equal(t, uint64(1), f.d.DecisionsDropped(), "a decision after Close is dropped")
	require.NoError(t, f.d.Close(), "Close twice")
}

// TestCloseStopsEveryGoroutine: a directory on a store with heartbeats, a
// staleness watch and a decision log leaves no goroutine behind after
// Close.
func TestCloseStopsEveryGoroutine(t *testing.T) {
	requireNoDirectoryGoroutines(t)
	ms := memstore.New()
	defer ms.Close()
	buf := &lockedBuffer{}
	d, err := Open(context.Background(), ms, Options{KeyEncryptionKey: testKEK, ReplicaID: "r1",
		MaxStaleness: time.Second, HeartbeatInterval: 10 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		DecisionLog: DecisionLog{Handler: slog.NewJSONHandler(buf, nil)}})
	require.NoError(t, err)
	_, err = d.CreateAccount(uidA)
	require.NoError(t, err)
	_, _ = d.Authorize(userID(uidA, "nobody"), req("ecs:DescribeInstances", "*"))
	time.Sleep(30 * time.Millisecond) // a few heartbeats and polls
	require.NoError(t, d.Close())
	requireNoDirectoryGoroutines(t)
	require.Len(t, buf.records(t), 1)
}
