package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/internal/killtest"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// crashGroupEnv switches the child to concurrent writers (group commit); its value is the
// revision the parent has verified, the most the child may compact away.
const crashGroupEnv = "RAMAUTHZ_FILESTORE_CRASH_GROUP"

// batchHash identifies a batch's content (account, expected revision, ops, audit fields).
func batchHash(b store.Batch) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %d %q %q %q\n", b.Account, b.Expected, b.Actor, b.Reason, b.RequestID)
	for _, op := range b.Ops {
		fmt.Fprintf(h, "%q %q %x\n", op.Key.Kind, op.Key.Name, op.Value)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// crashGroupChild runs 4 writers, one per account, committing concurrently so that commits
// share writes and fsyncs; each acknowledged commit is reported as "ack REV HASH".
func crashGroupChild(dir string, seed uint64, verified store.Revision) {
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
	var out sync.Mutex
	fmt.Fprintf(os.Stdout, "ready %d\n", snap.Rev)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := storetest.ModelOf(snap)
			account := fmt.Sprintf("acct-%d", w)
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for {
				b := storetest.RandomBatch(r, m, account, 6, 300)
				rev, err := s.Commit(ctx, b)
				if err != nil {
					fmt.Fprintln(os.Stderr, "child commit:", err)
					os.Exit(4)
				}
				m.Accounts[account] = rev // only this writer writes this account
				for _, op := range b.Ops {
					if op.IsDelete() {
						delete(m.Entries, op.Key)
					} else {
						m.Entries[op.Key] = store.Entry{Key: op.Key, Value: op.Value, ModRev: rev}
					}
				}
				if w == 0 && rev%40 == 0 && verified > 0 {
					if err := s.Compact(ctx, verified); err != nil {
						fmt.Fprintln(os.Stderr, "child compact:", err)
						os.Exit(4)
					}
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "ack %d %s\n", rev, batchHash(b))
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestKillNineGroupCommit: as TestKillNine, with four concurrent writers whose commits share
// writes and fsyncs. After every SIGKILL: every acknowledged revision is present with the
// content the child committed, revisions are contiguous, at most the four commits in flight
// landed beyond the acknowledged ones, and the state equals the feed replayed from the last
// verified state.
func TestKillNineGroupCommit(t *testing.T) {
	cycles := killtest.Cycles(t, killCycles)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d cycles", seed, cycles)
	r := rand.New(rand.NewPCG(seed, 2))
	m := storetest.NewModel()
	var totalAcked, extraLanded int
	for cycle := range cycles {
		child := killtest.Start(t, crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed+uint64(cycle), 10),
			crashGroupEnv+"="+strconv.FormatUint(uint64(m.Rev), 10))
		acks := map[store.Revision]string{}
		maxAck := m.Rev // the verified head counts as acknowledged
		readyc := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for l := range child.Lines {
				f := strings.Fields(l)
				switch {
				case len(f) == 2 && f[0] == "ready":
					close(readyc)
				case len(f) == 3 && f[0] == "ack":
					n, _ := strconv.ParseUint(f[1], 10, 64)
					acks[store.Revision(n)] = f[2]
					maxAck = max(maxAck, store.Revision(n))
				default:
					t.Errorf("child wrote %q", l)
				}
			}
		}()
		select {
		case <-readyc:
		case <-done:
			t.Fatalf("cycle %d: child exited before it was ready: %s", cycle, child.Stderr())
		case <-time.After(30 * time.Second):
			t.Fatalf("cycle %d: child not ready after 30s", cycle)
		}
		time.Sleep(time.Duration(r.IntN(40_000)) * time.Microsecond)
		child.Kill(t)
		<-done
		child.Wait(t)

		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("cycle %d: reopen after kill: %v", cycle, err)
		}
		ctx := context.Background()
		h, err := s.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h.Rev < maxAck {
			t.Fatalf("cycle %d: recovered revision %d, but %d was acknowledged", cycle, h.Rev, maxAck)
		}
		// Revisions between the acknowledged ones were acknowledged too (acks arrive out of
		// order); beyond the highest, at most the 4 commits in flight can have landed.
		if extra := int(h.Rev - maxAck); extra > 4 {
			t.Fatalf("cycle %d: %d revisions beyond the last acknowledged %d", cycle, extra, maxAck)
		}
		nAcks := len(acks)
		cs, err := s.Changes(ctx, m.Rev, 1<<30)
		if err != nil {
			t.Fatalf("cycle %d: feed after the verified revision %d: %v", cycle, m.Rev, err)
		}
		if len(cs) != int(h.Rev-m.Rev) {
			t.Fatalf("cycle %d: %d changes after %d, head %d", cycle, len(cs), m.Rev, h.Rev)
		}
		for _, c := range cs {
			if want, ok := acks[c.Rev]; ok && batchHash(c.Batch) != want {
				t.Fatalf("cycle %d: revision %d holds another batch than the one acknowledged", cycle, c.Rev)
			}
			delete(acks, c.Rev)
			if err := m.Apply(c); err != nil {
				t.Fatalf("cycle %d: %v", cycle, err)
			}
		}
		if len(acks) != 0 {
			t.Fatalf("cycle %d: acknowledged revisions missing from the feed: %v", cycle, acks)
		}
		checkModel(t, s, m)
		totalAcked += nAcks
		extraLanded += int(h.Rev - maxAck)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d cycles: %d acknowledged commits, all recovered with their content; unacknowledged commits in flight that landed: %d; final revision %d",
		cycles, totalAcked, extraLanded, m.Rev)
	if totalAcked == 0 {
		t.Fatal("nothing was committed in any cycle: the test exercised nothing")
	}
}
