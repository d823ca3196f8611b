package pgstore

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
)

// BenchmarkCommitToAllReplicas times one directory change from the
// writer's call to the moment all 4 replica directories have applied it.
// Each replica has its own Store (its own pool and LISTEN connection) on
// one schema, as separate processes would, and follows the feed in the
// background. The account has 1,000 users with a policy and an AccessKey
// each; the change alternately adds one user to a group and removes it.
// It reports the median and 99th percentile of commit -> applied on all
// replicas (p50-ms, p99-ms) and of the writer's commit alone
// (commit-p50-ms). The memstore twin is directory's benchmark of the same
// name.
func BenchmarkCommitToAllReplicas(b *testing.B) {
	benchCommitToAllReplicas(b, false)
}

// BenchmarkCommitToAllReplicasHeartbeats is BenchmarkCommitToAllReplicas with a ReplicaID on
// every replica: each records a heartbeat (a commit of its own) after applying a change, and
// the writer waits for WaitReplicated's receipt as well (wait-p50-ms, wait-p99-ms).
func BenchmarkCommitToAllReplicasHeartbeats(b *testing.B) {
	benchCommitToAllReplicas(b, true)
}

func benchCommitToAllReplicas(b *testing.B, heartbeats bool) {
	schema := newSchema(b)
	ctx := context.Background()
	kek := make([]byte, 32)
	opts := directory.Options{KeyEncryptionKey: kek, PollInterval: time.Second}
	replicaN := 0
	open := func() *directory.Directory {
		s := openSchema(b, schema)
		b.Cleanup(func() { s.Close() })
		o := opts
		if heartbeats && replicaN > 0 {
			o.ReplicaID = "r" + strconv.Itoa(replicaN)
		}
		replicaN++
		d, err := directory.Open(ctx, s, o)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		return d
	}
	ok := func(_ directory.Revision, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	w := open()
	const uid = "1234567890123456"
	group, err := principal.GroupID(uid, "g")
	if err != nil {
		b.Fatal(err)
	}
	ok(w.CreateAccount(uid))
	ok(w.CreatePolicy(uid, directory.PolicySpec{Name: "P",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"*"}]}`}))
	ok(w.CreateGroup(group))
	var alice principal.ID
	for u := range 1000 {
		id, err := principal.UserID(uid, "u"+strconv.Itoa(u))
		if err != nil {
			b.Fatal(err)
		}
		ok(w.CreateUser(id))
		ok(w.AttachPolicy(id, directory.PolicyRef{Type: directory.PolicyCustom, Name: "P"}))
		if _, _, err := w.CreateAccessKey(id); err != nil {
			b.Fatal(err)
		}
		if u == 1 {
			alice = id
		}
	}
	var replicas []*directory.Directory
	for range 4 {
		replicas = append(replicas, open())
	}
	var all, commits, waits []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		var rev directory.Revision
		if i%2 == 0 {
			rev, err = w.AddUserToGroup(alice, group)
		} else {
			rev, err = w.RemoveUserFromGroup(alice, group)
		}
		if err != nil {
			b.Fatal(err)
		}
		committed := time.Since(start)
		i++
		for _, r := range replicas {
			for r.Revision() < rev {
				if time.Since(start) > 10*time.Second {
					b.Fatalf("a replica has not applied revision %d after 10 s", rev)
				}
				// Sleep, not spin: a spinning loop keeps the scheduler
				// from polling the network (pgx) for up to 10 ms.
				time.Sleep(20 * time.Microsecond)
			}
		}
		all = append(all, time.Since(start))
		commits = append(commits, committed)
		if heartbeats {
			if _, err := w.WaitReplicated(ctx, rev); err != nil {
				b.Fatal(err)
			}
			waits = append(waits, time.Since(start))
		}
	}
	pct := func(ds []time.Duration, p int) float64 {
		slices.Sort(ds)
		k := max((len(ds)*p+99)/100, 1)
		return float64(ds[k-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(all, 50), "p50-ms")
	b.ReportMetric(pct(all, 99), "p99-ms")
	b.ReportMetric(pct(commits, 50), "commit-p50-ms")
	if heartbeats {
		b.ReportMetric(pct(waits, 50), "wait-p50-ms")
		b.ReportMetric(pct(waits, 99), "wait-p99-ms")
	}
}

// BenchmarkDirectoryCommit8Writers runs b.N directory mutations spread over 8 writer
// directories, each on its own Store (its own pool and LISTEN connection, as 8 processes
// would have) and its own account, all on one schema: every writer also follows the others'
// commits. Each mutation attaches or detaches a policy (one user entity written). It reports
// commits/s and the p50 and p99 of one mutation, the writer's call to its return.
func BenchmarkDirectoryCommit8Writers(b *testing.B) {
	const writers = 8
	schema := newSchema(b)
	ctx := context.Background()
	opts := directory.Options{KeyEncryptionKey: make([]byte, 32), PollInterval: time.Second}
	type writer struct {
		d    *directory.Directory
		user principal.ID
	}
	var ws []writer
	for i := range writers {
		s := openSchema(b, schema)
		b.Cleanup(func() { s.Close() })
		d, err := directory.Open(ctx, s, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		uid := "12345678901234" + strconv.Itoa(10+i)
		u, err := principal.UserID(uid, "alice")
		if err != nil {
			b.Fatal(err)
		}
		for _, step := range []func() (directory.Revision, error){
			func() (directory.Revision, error) { return d.CreateAccount(uid) },
			func() (directory.Revision, error) { return d.CreateUser(u) },
			func() (directory.Revision, error) {
				return d.CreatePolicy(uid, directory.PolicySpec{Name: "P",
					Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"*"}]}`})
			},
		} {
			if _, err := step(); err != nil {
				b.Fatal(err)
			}
		}
		ws = append(ws, writer{d, u})
	}
	lat := make([][]time.Duration, writers)
	ref := directory.PolicyRef{Type: directory.PolicyCustom, Name: "P"}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += writers {
				t0 := time.Now()
				var err error
				if (i/writers)%2 == 0 {
					_, err = ws[w].d.AttachPolicy(ws[w].user, ref)
				} else {
					_, err = ws[w].d.DetachPolicy(ws[w].user, ref)
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
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
		b.ReportMetric(float64(all[len(all)/2])/float64(time.Millisecond), "p50-ms")
		b.ReportMetric(float64(all[max(len(all)*99/100-1, 0)])/float64(time.Millisecond), "p99-ms")
	}
}
