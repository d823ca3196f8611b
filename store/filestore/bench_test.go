package filestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/internal/state"
)

// Realistic value sizes (bytes) of the directory's canonical JSON: a user with display name,
// e-mail, comments and timestamps; a group; a custom policy of a few statements (RAM allows up
// to 6,144 characters).
const (
	userBytes   = 300
	groupBytes  = 200
	policyBytes = 2048
)

func value(n int, seed int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = 'a' + byte((i*7+seed)%26)
	}
	v[0], v[n-1] = '{', '}'
	return v
}

// benchCommits runs b.N durable commits spread over writers goroutines, each on its own
// account, and reports commits/s and the p50 and p99 commit latency.
func benchCommits(b *testing.B, writers int) {
	s, err := Open(filepath.Join(b.TempDir(), "store"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	lat := make([][]time.Duration, writers)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			account := fmt.Sprintf("12345678901234%02d", w)
			var rev store.Revision
			for i := w; i < b.N; i += writers {
				op := store.Op{Key: store.Key{Account: account, Kind: "user", Name: fmt.Sprintf("user-%d", i)}, Value: value(userBytes, i)}
				t0 := time.Now()
				r, err := s.Commit(ctx, store.Batch{Account: account, Expected: rev, Ops: []store.Op{op}, Actor: "bench", RequestID: "r"})
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
				rev = r
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "commits/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}

func BenchmarkCommit1Writer(b *testing.B)  { benchCommits(b, 1) }
func BenchmarkCommit8Writers(b *testing.B) { benchCommits(b, 8) }

// writeBigStore writes a store of 100,000 users, 1,000 groups and 10,000 policies, one batch
// per entity (as the directory creates them), straight into its files without fsyncs (setup
// only): with compacted, the state is in the snapshot; otherwise all in the log.
func writeBigStore(b *testing.B, dir string, compacted bool) int64 {
	b.Helper()
	const account = "1234567890123456"
	st := state.New(store.NewEpoch())
	at := time.Now().UTC()
	add := func(kind string, n, size int) {
		for i := range n {
			c := store.Change{Rev: st.Head().Rev + 1, At: at, Batch: store.Batch{Account: account, Expected: st.AccountRev(account),
				Actor: "admin@1234567890123456", Reason: "create", RequestID: "4f6c2a1e-8b5d-4c3e-9a7f-1d2e3f4a5b6c",
				Ops: []store.Op{{Key: store.Key{Account: account, Kind: kind, Name: fmt.Sprintf("%s-%06d", kind, i)}, Value: value(size, i)}}}}
			if err := st.Apply(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	add("user", 100_000, userBytes)
	add("group", 1_000, groupBytes)
	add("policy", 10_000, policyBytes)
	s := &Store{dir: dir, fs: osFS{}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	if compacted {
		if err := st.Compact(st.Head().Rev); err != nil {
			b.Fatal(err)
		}
		f, _, err := s.writeGeneration(1, st, st.Head().Rev)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	} else {
		// Snapshot of the empty state, then every change in the log.
		empty := state.New(st.Head().Epoch)
		snap := empty.Snapshot()
		if err := os.WriteFile(filepath.Join(dir, snapshotName(1)), encodeSnapshot(&snap, 1), 0o600); err != nil {
			b.Fatal(err)
		}
		buf := encodeLogHeader(snap.Epoch, 1)
		for _, c := range st.Retained() {
			buf = appendRecord(buf, &c, c.Rev)
		}
		if err := os.WriteFile(filepath.Join(dir, logName(1)), buf, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	var size int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := e.Info()
		size += fi.Size()
	}
	return size
}

// benchOpen measures Open (read, check, replay) of the big store.
func benchOpen(b *testing.B, compacted bool) {
	dir := filepath.Join(b.TempDir(), "store")
	size := writeBigStore(b, dir, compacted)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if h := s.g.St.Head(); h.Rev != 111_000 {
			b.Fatalf("opened at revision %d", h.Rev)
		}
		s.Close()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB-on-disk")
}

func BenchmarkOpenLogOnly(b *testing.B)   { benchOpen(b, false) }
func BenchmarkOpenCompacted(b *testing.B) { benchOpen(b, true) }
