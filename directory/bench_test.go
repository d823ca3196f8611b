package directory

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

var sinkResult Result
var sinkDecision evaluator.Decision

// benchPolicies are the policies of the benchmarked user: ARMS read-only
// (a real 13-statement system policy) and a custom one with a Deny.
var benchCustom = doc(stmt("Allow", "oss:Get*", "*"), stmt("Deny", "oss:GetObject", "acs:oss:*:*:b/secret/*"))

func benchUser(b *testing.B) (*fixture, principal.ID, evaluator.Request, *evaluator.Evaluator) {
	f := newFixture(b)
	alice := f.user(b, uidA, "alice", benchCustom)
	if _, err := f.d.AttachPolicy(alice, sys("AliyunARMSReadOnlyAccess")); err != nil {
		b.Fatal(err)
	}
	sp, _ := system.Get("AliyunARMSReadOnlyAccess")
	raw, err := evaluator.Compile(evaluator.Policy{ID: "AliyunARMSReadOnlyAccess", Document: sp.Document},
		evaluator.Policy{ID: "alice-p0", Document: must(policy.Parse([]byte(benchCustom)))})
	if err != nil {
		b.Fatal(err)
	}
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/public/k")
	if res, _ := f.d.Authorize(alice, r); res.Decision != evaluator.Allow || raw.Decide(r) != evaluator.Allow {
		b.Fatal("want Allow")
	}
	return f, alice, r, raw
}

// BenchmarkAuthorize compares a warm directory decision with a raw Decide
// of the same policies (target: ≤ 1.5×, 0 allocs).
func BenchmarkAuthorize(b *testing.B) {
	f, alice, r, raw := benchUser(b)
	b.Run("raw-Decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkDecision = raw.Decide(r)
		}
	})
	b.Run("directory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkResult, _ = f.d.Authorize(alice, r)
		}
	})
}

// BenchmarkAuthorizeUnrelatedCommit: a commit in another account between
// every two decisions (the commit is not timed); the decision stays warm.
func BenchmarkAuthorizeUnrelatedCommit(b *testing.B) {
	f, alice, r, _ := benchUser(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		u := userID(uidB, "u"+strconv.Itoa(i%1000))
		if _, err := f.d.CreateUser(u); err != nil {
			_, _ = f.d.DeleteUser(u, DeleteCascade)
		}
		i++
		b.StartTimer()
		sinkResult, _ = f.d.Authorize(alice, r)
	}
}

// BenchmarkAuthorizeOwnPolicyChange: a new default version of the user's
// own policy between decisions; the first decision after it recompiles
// the one shared set.
func BenchmarkAuthorizeOwnPolicyChange(b *testing.B) {
	f, alice, r, _ := benchUser(b)
	docs := []string{benchCustom, doc(stmt("Allow", "oss:Get*", "*"))}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		if _, _, err := f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: docs[i%2], SetAsDefault: true, Rotate: RotateDeleteOldestNonDefault}); err != nil {
			b.Fatal(err)
		}
		i++
		b.StartTimer()
		sinkResult, _ = f.d.Authorize(alice, r)
	}
}

// BenchmarkAuthorizeSession: a session decision with its token cached
// (target ≤ 2× raw Decide of session and role policies, 0 allocs) and
// with a token not cached (target ≤ 20 µs).
func BenchmarkAuthorizeSession(b *testing.B) {
	f, caller, role := sessionFixture(b)
	sessionDoc := doc(stmt("Allow", "arms:*", "*"))
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1", Policy: sessionDoc})
	if err != nil {
		b.Fatal(err)
	}
	c := creds(out)
	sp, _ := system.Get("AliyunARMSFullAccess")
	rawRole := must(evaluator.Compile(evaluator.Policy{ID: "AliyunARMSFullAccess", Document: sp.Document}))
	rawSession := must(evaluator.Compile(evaluator.Policy{ID: "session", Document: must(policy.Parse([]byte(sessionDoc), policy.WithKind(policy.Session)))}))
	if res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq); err != nil || res.Decision != evaluator.Allow {
		b.Fatal("want Allow", err)
	}
	b.Run("raw-Decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if sinkDecision = rawSession.Decide(armsReq); sinkDecision == evaluator.Allow {
				sinkDecision = rawRole.Decide(armsReq)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkResult, _ = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
		}
	})
	// A token not cached whose session policy another session compiled.
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		slot := f.d.cache.slot(c.AccessKeyID)
		for b.Loop() {
			slot.Store(nil)
			sinkResult, _ = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
		}
	})
	// A token not cached with a session policy never seen: parse and
	// compile it too.
	b.Run("uncached-new-policy", func(b *testing.B) {
		b.ReportAllocs()
		slot := f.d.cache.slot(c.AccessKeyID)
		for b.Loop() {
			slot.Store(nil)
			for i := range f.d.sessionPolicies.slots {
				f.d.sessionPolicies.slots[i].Store(nil)
			}
			sinkResult, _ = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
		}
	})
}

// BenchmarkAssumeRole: one cross-account AssumeRole (target ≤ 20 µs).
func BenchmarkAssumeRole(b *testing.B) {
	f, caller, role := sessionFixture(b)
	in := AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.d.AssumeRole(in); err != nil {
			b.Fatal(err)
		}
	}
}

// largeDirectory builds accounts×5,000 users, accounts×50 groups and
// accounts×500 custom policies: every user in one group and holding one
// custom policy, every group holding two.
func largeDirectory(b *testing.B, accounts int) (*Directory, []string) {
	d, err := New(Options{Limits: Limits{UsersPerAccount: 5001}}) // room for the benchmark's own user
	if err != nil {
		b.Fatal(err)
	}
	var uids []string
	for a := range accounts {
		uid := fmt.Sprintf("%016d", 5000000000000000+a)
		uids = append(uids, uid)
		if _, err := d.CreateAccount(uid); err != nil {
			b.Fatal(err)
		}
		for p := range 500 {
			if _, err := d.CreatePolicy(uid, PolicySpec{Name: "p" + strconv.Itoa(p),
				Document: doc(stmt("Allow", "oss:Get*", "acs:oss:*:*:bucket-"+strconv.Itoa(p)+"/*"))}); err != nil {
				b.Fatal(err)
			}
		}
		for g := range 50 {
			gid := groupID(uid, "g"+strconv.Itoa(g))
			if _, err := d.CreateGroup(gid); err != nil {
				b.Fatal(err)
			}
			for _, p := range []int{g, 50 + g} {
				if _, err := d.AttachPolicy(gid, custom("p"+strconv.Itoa(p))); err != nil {
					b.Fatal(err)
				}
			}
		}
		for u := range 5000 {
			id := userID(uid, "u"+strconv.Itoa(u))
			if _, err := d.CreateUser(id); err != nil {
				b.Fatal(err)
			}
			if _, err := d.AddUserToGroup(id, groupID(uid, "g"+strconv.Itoa(u%50))); err != nil {
				b.Fatal(err)
			}
			if _, err := d.AttachPolicy(id, custom("p"+strconv.Itoa(100+u%400))); err != nil {
				b.Fatal(err)
			}
		}
	}
	return d, uids
}

// BenchmarkLargeDirectory reports the live heap of a directory of 100,000
// users in 1,000 groups with 10,000 custom policies (target ≤ 200 MiB) and
// the latency of commits at that size (target ≤ 100 µs, flat: compare
// with the 5,000-user size).
func BenchmarkLargeDirectory(b *testing.B) {
	for _, accounts := range []int{1, 20} {
		b.Run(fmt.Sprintf("users=%d", accounts*5000), func(b *testing.B) {
			before := liveHeap()
			d, uids := largeDirectory(b, accounts)
			heap := liveHeap() - before
			// Decide once for every user: every shared set is compiled.
			for _, uid := range uids {
				for u := range 5000 {
					r := req("oss:GetObject", "acs:oss:*:"+uid+":bucket-7/k")
					if _, err := d.Authorize(userID(uid, "u"+strconv.Itoa(u)), r); err != nil {
						b.Fatal(err)
					}
				}
			}
			warm := liveHeap() - before
			last := uids[len(uids)-1]
			// Each commit is also timed alone: p50 and p99 of each kind.
			var first, second []float64
			timed := func(fn func() error) float64 {
				t0 := nanotime()
				if err := fn(); err != nil {
					b.Fatal(err)
				}
				return float64(nanotime() - t0)
			}
			report := func(b *testing.B, a, z string) {
				b.ReportMetric(percentile(first, 50), a+"-p50-ns")
				b.ReportMetric(percentile(first, 99), a+"-p99-ns")
				b.ReportMetric(percentile(second, 50), z+"-p50-ns")
				b.ReportMetric(percentile(second, 99), z+"-p99-ns")
				first, second = first[:0], second[:0]
			}
			b.Run("CreateUser+DeleteUser", func(b *testing.B) {
				defer func() {
					b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
					b.ReportMetric(float64(warm)/(1<<20), "warm-heap-MiB")
					b.ReportMetric(float64(d.sets.live()), "compiled-sets")
					report(b, "create", "delete")
				}()
				b.ReportAllocs()
				for b.Loop() {
					id := userID(last, "new")
					first = append(first, timed(func() error { _, err := d.CreateUser(id); return err }))
					second = append(second, timed(func() error { _, err := d.DeleteUser(id, DeleteStrict); return err }))
				}
			})
			b.Run("AttachPolicy+DetachPolicy", func(b *testing.B) {
				defer report(b, "attach", "detach")
				b.ReportAllocs()
				id := userID(last, "u7")
				for b.Loop() {
					first = append(first, timed(func() error { _, err := d.AttachPolicy(id, custom("p499")); return err }))
					second = append(second, timed(func() error { _, err := d.DetachPolicy(id, custom("p499")); return err }))
				}
			})
			runtime.KeepAlive(d)
		})
	}
}

// BenchmarkAuthorizeRatio measures raw Decide and Authorize in alternating
// batches of 200, so machine load hits both alike, and reports the median
// of the per-batch ratios (target ≤ 1.5) beside the medians of each.
func BenchmarkAuthorizeRatio(b *testing.B) {
	f, alice, r, raw := benchUser(b)
	var rawNs, dirNs, ratios []float64
	for b.Loop() {
		t0 := nanotime()
		for range 200 {
			sinkDecision = raw.Decide(r)
		}
		t1 := nanotime()
		for range 200 {
			sinkResult, _ = f.d.Authorize(alice, r)
		}
		t2 := nanotime()
		rawNs = append(rawNs, float64(t1-t0)/200)
		dirNs = append(dirNs, float64(t2-t1)/200)
		ratios = append(ratios, float64(t2-t1)/float64(t1-t0))
	}
	b.ReportMetric(median(rawNs), "raw-ns/decision")
	b.ReportMetric(median(dirNs), "dir-ns/decision")
	b.ReportMetric(median(ratios), "ratio")
}

// percentile returns the p-th percentile of xs (nearest rank; 0 for none).
func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func nanotime() int64 { return time.Now().UnixNano() }

// BenchmarkAuthorizeSessionRatio: cached session decisions against raw
// Decide of the session policy then the role's policies, interleaved as in
// BenchmarkAuthorizeRatio (target ≤ 2).
func BenchmarkAuthorizeSessionRatio(b *testing.B) {
	f, caller, role := sessionFixture(b)
	sessionDoc := doc(stmt("Allow", "arms:*", "*"))
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1", Policy: sessionDoc})
	if err != nil {
		b.Fatal(err)
	}
	c := creds(out)
	sp, _ := system.Get("AliyunARMSFullAccess")
	rawRole := must(evaluator.Compile(evaluator.Policy{ID: "AliyunARMSFullAccess", Document: sp.Document}))
	rawSession := must(evaluator.Compile(evaluator.Policy{ID: "session", Document: must(policy.Parse([]byte(sessionDoc), policy.WithKind(policy.Session)))}))
	var rawNs, dirNs, ratios []float64
	for b.Loop() {
		t0 := nanotime()
		for range 200 {
			if sinkDecision = rawSession.Decide(armsReq); sinkDecision == evaluator.Allow {
				sinkDecision = rawRole.Decide(armsReq)
			}
		}
		t1 := nanotime()
		for range 200 {
			sinkResult, _ = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
		}
		t2 := nanotime()
		rawNs = append(rawNs, float64(t1-t0)/200)
		dirNs = append(dirNs, float64(t2-t1)/200)
		ratios = append(ratios, float64(t2-t1)/float64(t1-t0))
	}
	if sinkResult.Decision != evaluator.Allow {
		b.Fatal("want Allow")
	}
	b.ReportMetric(median(rawNs), "raw-ns/decision")
	b.ReportMetric(median(dirNs), "dir-ns/decision")
	b.ReportMetric(median(ratios), "ratio")
}

// BenchmarkAuthorizeUnrelatedRatio: a commit in another account before
// every single decision; the first decision after each commit is timed,
// one at a time, and the medians compared. Which of the two goes first
// alternates: the first after a commit finds the evaluator's memory cold
// (the commit ran in between), and the second would find it warmed by the
// first, so both medians are taken over first places only.
func BenchmarkAuthorizeUnrelatedRatio(b *testing.B) {
	f, alice, r, raw := benchUser(b)
	var rawNs, dirNs []float64
	i := 0
	for b.Loop() {
		u := userID(uidB, "u"+strconv.Itoa(i%1000))
		if _, err := f.d.CreateUser(u); err != nil {
			_, _ = f.d.DeleteUser(u, DeleteCascade)
		}
		i++
		t0 := nanotime()
		if i%2 == 0 {
			sinkResult, _ = f.d.Authorize(alice, r)
			dirNs = append(dirNs, float64(nanotime()-t0))
		} else {
			sinkDecision = raw.Decide(r)
			rawNs = append(rawNs, float64(nanotime()-t0))
		}
	}
	if len(rawNs) == 0 || len(dirNs) == 0 {
		return // a run of one iteration
	}
	b.ReportMetric(median(rawNs), "raw-ns/decision")
	b.ReportMetric(median(dirNs), "dir-ns/decision")
	b.ReportMetric(median(dirNs)/median(rawNs), "ratio")
}
