package directory

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store/filestore"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// openedUser is benchUser's alice in a directory kept in a file store,
// closed and reopened: decisions come from the loaded state.
func openedUser(tb testing.TB) (*Directory, evaluator.Request) {
	path := tb.TempDir()
	fs, err := filestore.Open(path, filestore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK})
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{d: d}
	if _, err := d.CreateAccount(uidA); err != nil {
		tb.Fatal(err)
	}
	alice := f.user(tb, uidA, "alice", benchCustom)
	if _, err := d.AttachPolicy(alice, sys("AliyunARMSReadOnlyAccess")); err != nil {
		tb.Fatal(err)
	}
	_ = d.Close()
	_ = fs.Close()
	fs, err = filestore.Open(path, filestore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	d, err = Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = d.Close(); _ = fs.Close() })
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/public/k")
	if res, err := d.Authorize(userID(uidA, "alice"), r); err != nil || res.Decision != evaluator.Allow {
		tb.Fatalf("want Allow, got %v %v", res, err)
	}
	return d, r
}

// TestAuthorizeOpenedAllocs: a decision on a directory opened from a store
// allocates nothing, as on one from New.
func TestAuthorizeOpenedAllocs(t *testing.T) {
	d, r := openedUser(t)
	alice := userID(uidA, "alice")
	if n := testing.AllocsPerRun(200, func() { sinkResult, _ = d.Authorize(alice, r) }); n != 0 {
		t.Fatalf("Authorize on an opened directory: %v allocs per run, want 0", n)
	}
}

// BenchmarkAuthorizeOpened times Authorize on a directory opened from a
// file store against the same user in a directory from New.
func BenchmarkAuthorizeOpened(b *testing.B) {
	f, alice, r, _ := benchUser(b)
	d, _ := openedUser(b)
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkResult, _ = f.d.Authorize(alice, r)
		}
	})
	b.Run("opened", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkResult, _ = d.Authorize(alice, r)
		}
	})
}

// bigStore fills a file store with users users, groups groups and
// policies custom policies spread over accounts of at most 5,000 users
// (every user in one group, holding one custom policy and one access key),
// through an Import on a directory opened on it.
func bigStore(b *testing.B, path string, users, groups, policies int) {
	const perAccount = 5000
	accounts := (users + perAccount - 1) / perAccount
	mem := MustNew(Options{KeyEncryptionKey: testKEK})
	for a := range accounts {
		uid := strconv.Itoa(1000000000000000 + a)
		must(mem.CreateAccount(uid))
		np, ng := policies/accounts, groups/accounts
		for p := range np {
			must(mem.CreatePolicy(uid, PolicySpec{Name: "p" + strconv.Itoa(p),
				Document: doc(stmt("Allow", "oss:Get*", "acs:oss:*:*:bucket-"+strconv.Itoa(p)+"/*"))}))
		}
		for g := range ng {
			must(mem.CreateGroup(groupID(uid, "g"+strconv.Itoa(g))))
		}
		for u := range perAccount {
			if a*perAccount+u >= users {
				break
			}
			id := userID(uid, "u"+strconv.Itoa(u))
			must(mem.CreateUser(id))
			must(mem.AddUserToGroup(id, groupID(uid, "g"+strconv.Itoa(u%ng))))
			must(mem.AttachPolicy(id, custom("p"+strconv.Itoa(u%np))))
			if _, _, err := mem.CreateAccessKey(id); err != nil {
				b.Fatal(err)
			}
		}
	}
	exp, err := mem.Export()
	if err != nil {
		b.Fatal(err)
	}
	fs, err := filestore.Open(path, filestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d, err := Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK})
	if err != nil {
		b.Fatal(err)
	}
	// A restore into an empty store: one batch per account (a directory
	// document of many accounts is not atomic on a store).
	if _, err := d.ImportWith(exp, ImportOptions{PerAccount: true}); err != nil {
		b.Fatal(err)
	}
	_ = d.Close()
	_ = fs.Close()
}

// BenchmarkOpenLarge opens (file store recovery, snapshot, decode, build)
// a directory of 100,000 users, 1,000 groups and 10,000 custom policies
// (target ≤ 2 s per open). Besides wall time it reports the CPU time of an
// open (cpu-s/op: all threads, garbage collection included; less inflated
// by a loaded machine than wall time), the size on disk, and the live heap
// (after a collection) of the open store and of the directory on top of it.
func BenchmarkOpenLarge(b *testing.B) {
	path := b.TempDir()
	bigStore(b, path, 100000, 1000, 10000)
	var size int64
	_ = filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return nil
	})
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var cpu time.Duration
	var storeHeap, dirHeap int64
	for b.Loop() {
		b.StopTimer()
		h0 := heap()
		c0 := processCPU()
		b.StartTimer()
		fs, err := filestore.Open(path, filestore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c1 := processCPU()
		h1 := heap()
		c2 := processCPU()
		b.StartTimer()
		d, err := Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += c1 - c0 + processCPU() - c2
		h2 := heap()
		storeHeap, dirHeap = int64(h1-h0), int64(h2-h1) // two's complement: a shrink comes out negative
		if n := len(d.Accounts()); n != 20 {
			b.Fatalf("%d accounts", n)
		}
		_ = d.Close()
		_ = fs.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(size)/(1<<20), "MiB-on-disk")
	b.ReportMetric(float64(storeHeap)/(1<<20), "store-heap-MiB")
	b.ReportMetric(float64(dirHeap)/(1<<20), "directory-heap-MiB")
}

// BenchmarkCommitOpened times one mutation (attach and detach alternately)
// committed through a memstore and a file store (fsync), against New.
func BenchmarkCommitOpened(b *testing.B) {
	run := func(b *testing.B, d *Directory) {
		must(d.CreateAccount(uidA))
		id := userID(uidA, "alice")
		must(d.CreateUser(id))
		must(d.CreatePolicy(uidA, PolicySpec{Name: "P", Document: benchCustom}))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var err error
			if i%2 == 0 {
				_, err = d.AttachPolicy(id, custom("P"))
			} else {
				_, err = d.DetachPolicy(id, custom("P"))
			}
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	b.Run("new", func(b *testing.B) { run(b, MustNew(Options{})) })
	b.Run("memstore", func(b *testing.B) {
		ms := memstore.New()
		defer ms.Close()
		d, err := Open(context.Background(), ms, Options{KeyEncryptionKey: testKEK})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		run(b, d)
	})
	b.Run("filestore", func(b *testing.B) {
		fs, err := filestore.Open(b.TempDir(), filestore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer fs.Close()
		d, err := Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		run(b, d)
	})
}

// BenchmarkReplicaApply times how long a replica takes to apply one change
// (a membership: one user and one group written) to an account of 5,000
// users: the replica patches the written entities into its state
// (apply.go), so the cost follows the change, not the account.
func BenchmarkReplicaApply(b *testing.B) {
	ms := memstore.New()
	defer ms.Close()
	opts := Options{KeyEncryptionKey: testKEK, PollInterval: time.Hour}
	w, err := Open(context.Background(), ms, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	mem := MustNew(Options{KeyEncryptionKey: testKEK})
	must(mem.CreateAccount(uidA))
	must(mem.CreatePolicy(uidA, PolicySpec{Name: "P", Document: benchCustom}))
	must(mem.CreateGroup(groupID(uidA, "g")))
	for u := range 5000 {
		id := userID(uidA, "u"+strconv.Itoa(u))
		must(mem.CreateUser(id))
		must(mem.AttachPolicy(id, custom("P")))
		if _, _, err := mem.CreateAccessKey(id); err != nil {
			b.Fatal(err)
		}
	}
	exp := must(mem.Export())
	must(w.ImportWith(exp, ImportOptions{PerAccount: true})) // an account and the token keys: two batches
	r, err := Open(context.Background(), &cutoff{Backend: ms}, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	alice := userID(uidA, "u1")
	i := 0
	for b.Loop() {
		b.StopTimer()
		if i%2 == 0 {
			must(w.AddUserToGroup(alice, groupID(uidA, "g")))
		} else {
			must(w.RemoveUserFromGroup(alice, groupID(uidA, "g")))
		}
		i++
		b.StartTimer()
		if _, err := r.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitToAllReplicas times one change from the writer's call to
// the moment all 4 replicas on the same memstore have applied it (each
// follows the feed in the background, woken by the store's notification).
// The account has 1,000 users with a policy and an AccessKey each; the
// change alternately adds one user to a group and removes it. Besides
// ns/op it reports the median and 99th percentile of commit → applied on
// all replicas (p50-ms, p99-ms) and of the writer's commit alone
// (commit-p50-ms).
func BenchmarkCommitToAllReplicas(b *testing.B) {
	ms := memstore.New()
	defer ms.Close()
	opts := Options{KeyEncryptionKey: testKEK, PollInterval: time.Second}
	w, err := Open(context.Background(), ms, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	must(w.CreateAccount(uidA))
	must(w.CreatePolicy(uidA, PolicySpec{Name: "P", Document: benchCustom}))
	must(w.CreateGroup(groupID(uidA, "g")))
	for u := range 1000 {
		id := userID(uidA, "u"+strconv.Itoa(u))
		must(w.CreateUser(id))
		must(w.AttachPolicy(id, custom("P")))
		if _, _, err := w.CreateAccessKey(id); err != nil {
			b.Fatal(err)
		}
	}
	var replicas []*Directory
	for range 4 {
		r, err := Open(context.Background(), ms, opts)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		replicas = append(replicas, r)
	}
	alice := userID(uidA, "u1")
	var all, commits []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		var rev Revision
		if i%2 == 0 {
			rev = must(w.AddUserToGroup(alice, groupID(uidA, "g")))
		} else {
			rev = must(w.RemoveUserFromGroup(alice, groupID(uidA, "g")))
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
	}
	b.ReportMetric(percentileMS(all, 50), "p50-ms")
	b.ReportMetric(percentileMS(all, 99), "p99-ms")
	b.ReportMetric(percentileMS(commits, 50), "commit-p50-ms")
}

// percentileMS returns the p-th percentile of ds in milliseconds (nearest
// rank); ds is sorted in place.
func percentileMS(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	k := (len(ds)*p + 99) / 100
	return float64(ds[max(k, 1)-1]) / float64(time.Millisecond)
}
