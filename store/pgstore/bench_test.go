package pgstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// benchCommits runs b.N commits spread over writers goroutines, each on its own account, and
// reports commits/s and the p50 and p99 commit latency.
func benchCommits(b *testing.B, writers int) {
	s := openSchema(b, newSchema(b))
	defer s.Close()
	ctx := context.Background()
	lat := make([][]time.Duration, writers)
	value := make([]byte, 300)
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
				t0 := time.Now()
				r, err := s.Commit(ctx, store.Batch{Account: account, Expected: rev, Actor: "bench", RequestID: "r",
					Ops: []store.Op{{Key: store.Key{Account: account, Kind: "user", Name: fmt.Sprintf("user-%d", i)}, Value: value}}})
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

// BenchmarkCommitToNotified measures commit -> hint received by 4 listening replicas
// (separate Stores on one schema, each with its own LISTEN connection): p50 and p99 of the
// slowest replica per commit.
func BenchmarkCommitToNotified(b *testing.B) {
	schema := newSchema(b)
	s := openSchema(b, schema)
	defer s.Close()
	ctx := context.Background()
	var hints []<-chan store.Revision
	for range 4 {
		r := openSchema(b, schema)
		defer r.Close()
		hints = append(hints, r.Notify(ctx))
	}
	time.Sleep(200 * time.Millisecond) // listeners connected
	for _, h := range hints {
		for len(h) > 0 {
			<-h
		}
	}
	var lat []time.Duration
	var rev store.Revision
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		r, err := s.Commit(ctx, store.Batch{Account: "a", Expected: rev, Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: []byte("v")}}})
		if err != nil {
			b.Fatal(err)
		}
		rev = r
		for _, h := range hints {
			for got := store.Revision(0); got < rev; {
				select {
				case got = <-h:
				case <-time.After(10 * time.Second):
					b.Fatalf("no hint of revision %d", rev)
				}
			}
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
