package filestore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/internal/killtest"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// The kill -9 test re-executes the test binary as a writer process (crashChild) and kills it
// with SIGKILL at random moments.
const (
	crashDirEnv    = "RAMAUTHZ_FILESTORE_CRASH_DIR"
	crashSeedEnv   = "RAMAUTHZ_FILESTORE_CRASH_SEED"
	killCycles     = 20 // the default run's cycles; .ci/run asks for 200 (killtest.CyclesEnv)
	compactEvery   = 25 // the child compacts at every 25th revision
	compactRetains = 10 // keeping the last 10 changes in the feed
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
		if v := os.Getenv(crashGroupEnv); v != "" {
			upTo, _ := strconv.ParseUint(v, 10, 64)
			crashGroupChild(dir, seed, store.Revision(upTo))
		} else {
			crashChild(dir, seed)
		}
		os.Exit(3) // the children only return on error
	}
	os.Exit(m.Run())
}

// crashBatches is the deterministic stream of batches a child writes from a store at revision
// head: the parent regenerates it to know what every revision must contain.
type crashBatches struct {
	r *rand.Rand
	m *storetest.Model
}

func newCrashBatches(seed uint64, m *storetest.Model) *crashBatches {
	return &crashBatches{r: rand.New(rand.NewPCG(seed, uint64(m.Rev))), m: m}
}

func (g *crashBatches) next() store.Batch {
	return storetest.RandomBatch(g.r, g.m, fmt.Sprintf("acct-%d", g.r.IntN(3)), 6, 300)
}

// crashChild commits batches until killed, reporting each acknowledged revision on stdout (a
// pipe: what the child wrote before it died is still read by the parent).
func crashChild(dir string, seed uint64) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return
	}
	ctx := context.Background()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child snapshot:", err)
		return
	}
	g := newCrashBatches(seed, storetest.ModelOf(snap))
	fmt.Fprintf(os.Stdout, "ready %d\n", snap.Rev)
	for {
		b := g.next()
		rev, err := s.Commit(ctx, b)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child commit:", err)
			return
		}
		if err := g.m.Apply(store.Change{Rev: rev, Batch: b}); err != nil {
			fmt.Fprintln(os.Stderr, "child model:", err)
			return
		}
		if rev%compactEvery == 0 {
			if err := s.Compact(ctx, rev-compactRetains); err != nil {
				fmt.Fprintln(os.Stderr, "child compact:", err)
				return
			}
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", rev)
	}
}

// TestKillNine: a writer process commits random batches and is killed with SIGKILL at random
// moments (during recovery, during commits, during compaction); after every kill the store
// reopens with every acknowledged commit, at most the one unacknowledged commit in flight and
// only whole, contiguous revisions whose state and feed equal the reference model's.
func TestKillNine(t *testing.T) {
	cycles := killtest.Cycles(t, killCycles)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d cycles", seed, cycles)
	r := rand.New(rand.NewPCG(seed, 1))
	m := storetest.NewModel()                      // the verified state at the store's head
	var batches = map[store.Revision]store.Batch{} // every revision's batch, for the feed check
	var totalAcked, inFlightLanded, killedInRecovery, lockChecks int
	for cycle := range cycles {
		child := killtest.Start(t, crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed+uint64(cycle), 10))
		// Kill at a random moment: half the time counted from the start (which may fall in
		// Open's recovery), half the time from "ready".
		delay := time.Duration(r.IntN(40_000)) * time.Microsecond
		fromStart := r.IntN(2) == 0
		acked, ready := m.Rev, false
		timer := time.After(delay)
		if !fromStart {
			timer = nil
		}
	wait:
		for {
			select {
			case l, ok := <-child.Lines:
				if !ok {
					t.Fatalf("cycle %d: child exited before the kill: %s", cycle, child.Stderr())
				}
				acked, ready = parseLine(t, l, acked, ready)
				if ready && timer == nil {
					timer = time.After(delay)
				}
			case <-timer:
				break wait
			}
		}
		if ready && (lockChecks == 0 || cycle%10 == 0) {
			lockChecks++
			// While the child holds the store, another process cannot open it.
			var le *LockedError
			if _, err := Open(dir, Options{}); !errors.As(err, &le) || le.PID != child.Pid() {
				t.Fatalf("cycle %d: Open while the child (pid %d) holds the store = %v, want *LockedError naming it", cycle, child.Pid(), err)
			}
		}
		child.Kill(t)
		for l := range child.Lines { // acknowledgements written before the kill
			acked, ready = parseLine(t, l, acked, ready)
		}
		child.Wait(t)
		if !ready {
			killedInRecovery++
		}

		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cycle %d: reopen after kill: %v", cycle, err)
		}
		h, err := s.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if h.Rev < acked || h.Rev > acked+1 {
			t.Fatalf("cycle %d: recovered revision %d, acknowledged %d: %s", cycle, h.Rev, acked, "an acknowledged commit was lost or more than the one in flight landed")
		}
		totalAcked += int(acked - m.Rev)
		if h.Rev == acked+1 {
			inFlightLanded++
		}
		// Regenerate the child's batches up to the recovered revision.
		g := newCrashBatches(seed+uint64(cycle), m)
		for g.m.Rev < h.Rev {
			b := g.next()
			if err := g.m.Apply(store.Change{Rev: g.m.Rev + 1, Batch: b}); err != nil {
				t.Fatal(err)
			}
			batches[g.m.Rev] = b
		}
		checkModel(t, s, m)
		cs, err := s.Changes(context.Background(), h.Compacted, 1<<30)
		if err != nil {
			t.Fatalf("cycle %d: feed: %v", cycle, err)
		}
		if want := int(h.Rev - h.Compacted); len(cs) != want {
			t.Fatalf("cycle %d: feed holds %d changes after the compaction point %d, want %d", cycle, len(cs), h.Compacted, want)
		}
		for i, c := range cs {
			want := batches[h.Compacted+store.Revision(i)+1]
			if c.Rev != h.Compacted+store.Revision(i)+1 || !sameBatch(c.Batch, want) {
				t.Fatalf("cycle %d: feed change %d (revision %d) differs from the batch committed", cycle, i, c.Rev)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d cycles: %d acknowledged commits, all recovered; the commit in flight landed %d times; %d kills before the child was ready; final revision %d",
		cycles, totalAcked, inFlightLanded, killedInRecovery, m.Rev)
	if totalAcked == 0 || lockChecks == 0 {
		t.Fatalf("%d commits acknowledged, %d lock checks: the test exercised nothing", totalAcked, lockChecks)
	}
}

func parseLine(t *testing.T, l string, acked store.Revision, ready bool) (store.Revision, bool) {
	t.Helper()
	word, num, _ := strings.Cut(l, " ")
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		t.Fatalf("child wrote %q", l)
	}
	switch word {
	case "ready":
		return acked, true
	case "ack":
		if store.Revision(n) != acked+1 {
			t.Fatalf("child acknowledged revision %d after %d", n, acked)
		}
		return store.Revision(n), ready
	}
	t.Fatalf("child wrote %q", l)
	return acked, ready
}

func sameBatch(a, b store.Batch) bool {
	norm := func(b store.Batch) store.Batch {
		for i := range b.Ops {
			if len(b.Ops[i].Value) == 0 {
				b.Ops[i].Value = nil
			}
		}
		return b
	}
	return reflect.DeepEqual(norm(a.Clone()), norm(b.Clone()))
}
