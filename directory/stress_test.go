package directory

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// questionChunkPolicy returns a valid policy of exactly n characters whose
// resource pattern is one long '?' chunk of distinct CJK characters (the
// shape of issue 11 item 6), varied by seed.
func questionChunkPolicy(kind string, n, seed int) string {
	head := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"` + kind + `","Resource":"acs:*`
	tail := `?*"}]}`
	var b strings.Builder
	b.WriteString(head)
	for i := 0; utf8.RuneCountInString(head)+i+utf8.RuneCountInString(tail) < n; i++ {
		b.WriteRune(rune(0x4E00 + (seed*7919+i)%20000))
	}
	b.WriteString(tail)
	return b.String()
}

func liveHeap() uint64 {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestSharedSetHeap: 200 users holding the 6,144-character '?'-chunk
// policy through one group, or attached directly, share one compiled copy,
// and the live heap does not grow with the number of users.
func TestSharedSetHeap(t *testing.T) {
	f := newFixture(t)
	pol := questionChunkPolicy("oss:GetObject", 6144, 1)
	_, err := policy.Parse([]byte(pol))
	require.NoError(t, err)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "hostile", Document: pol})
	require.NoError(t, err)
	g := groupID(uidA, "all")
	_, err = f.d.CreateGroup(g)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(g, custom("hostile"))
	require.NoError(t, err)
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/k")
	addUsers := func(from, to int, direct bool) {
		for i := from; i < to; i++ {
			u := f.user(t, uidA, "u"+strconv.Itoa(i))
			if direct {
				_, err := f.d.AttachPolicy(u, custom("hostile"))
				require.NoError(t, err)
			} else {
				_, err := f.d.AddUserToGroup(u, g)
				require.NoError(t, err)
			}
			res, err := f.d.Authorize(u, r)
			require.NoError(t, err)
			require.Equal(t, evaluator.ImplicitDeny, res.Decision) // the chunk never matches "b/k"
		}
	}
	addUsers(0, 10, false)
	base := liveHeap()
	addUsers(10, 200, false)
	grown := liveHeap()
	ps := f.d.cur.Load().account(uidA).group("all").att.set
	require.True(t, ps.compiled())
	assert.Equal(t, 1, f.d.sets.live(), "one compiled set for the group")
	// 190 more users: each costs its own small records, never a compiled copy.
	perUser := float64(int64(grown)-int64(base)) / 190
	t.Logf("live heap %d -> %d bytes: %.0f bytes per added user", base, grown, perUser)
	assert.Less(t, perUser, 4096.0)

	// Attached directly to each of 100 more users: still one more set.
	addUsers(200, 300, true)
	direct := liveHeap()
	assert.Equal(t, 1, f.d.sets.live(), "same policies at the same versions: the direct holders share the group's set")
	assert.Same(t, ps, f.d.cur.Load().account(uidA).user("u250").att.set)
	perUser = float64(int64(direct)-int64(grown)) / 100
	t.Logf("direct attachments: %.0f bytes per added user", perUser)
	assert.Less(t, perUser, 4096.0)
}

// TestSessionFloodHeap: a flood of AssumeRole calls with distinct 2,048
// character session policies, each session used once, keeps the live heap
// bounded by the session cache.
func TestSessionFloodHeap(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SessionCacheSize = 16 })
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
	flood := func(from, to int) {
		for i := from; i < to; i++ {
			out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "s-" + strconv.Itoa(i),
				Policy: questionChunkPolicy("arms:*", 2048, i)})
			require.NoError(t, err)
			c := creds(out)
			res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
			require.NoError(t, err)
			require.Equal(t, evaluator.ImplicitDeny, res.Decision)
		}
	}
	n := 10000
	if raceEnabled {
		n = 2000 // the race detector makes each compile ~10x slower; the bound is the same
	}
	flood(0, 200)
	base := liveHeap()
	flood(200, n)
	after := liveHeap()
	t.Logf("live heap after 200 sessions %d, after %d sessions %d", base, n, after)
	assert.Less(t, int64(after)-int64(base), int64(8<<20), "the heap must not grow with the number of sessions")
	used := 0
	for i := range f.d.cache.slots {
		if f.d.cache.slots[i].Load() != nil {
			used++
		}
	}
	assert.LessOrEqual(t, used, 16)
}

// TestAssumeRoleUnderChurn: no entitled caller is ever refused while other
// accounts (and unrelated parts of the role's own account) change.
func TestAssumeRoleUnderChurn(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
	var stop atomic.Bool
	var commits atomic.Int64
	var wg sync.WaitGroup
	for w, uid := range []string{uidC, uidA} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				u := userID(uid, "churn"+strconv.Itoa(w)+"-"+strconv.Itoa(i%50))
				if _, err := f.d.CreateUser(u); err != nil {
					_, _ = f.d.DeleteUser(u, DeleteCascade)
				}
				commits.Add(1)
			}
		}()
	}
	calls := 100000
	if raceEnabled {
		calls = 20000
	}
	var refused atomic.Int64
	var cwg sync.WaitGroup
	for g := range 2 {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for i := g; i < calls; i += 2 {
				if _, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "s-1"}); err != nil {
					refused.Add(1)
				}
			}
		}()
	}
	cwg.Wait()
	stop.Store(true)
	wg.Wait()
	t.Logf("%d AssumeRole calls, %d commits in between", calls, commits.Load())
	assert.Zero(t, refused.Load())
	assert.Positive(t, commits.Load())
}

// TestConcurrentDecisionsMatchTheirRevision: readers decide (users,
// sessions) while one writer changes alice's and the role's policies,
// another churns an unrelated account and AssumeRole runs. Every result
// must equal the reference decision of the state at the revision it names.
func TestConcurrentDecisionsMatchTheirRevision(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice")
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	role := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0)
	allowDoc := doc(stmt("Allow", "oss:*", "*"))
	denyDoc := doc(stmt("Deny", "oss:DeleteObject", "*"))
	for _, p := range []struct{ name, doc string }{{"allow", allowDoc}, {"deny", denyDoc}} {
		_, err := f.d.CreatePolicy(uidA, PolicySpec{Name: p.name, Document: p.doc})
		require.NoError(t, err)
	}
	g := groupID(uidA, "denied")
	_, err := f.d.CreateGroup(g)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(g, custom("deny"))
	require.NoError(t, err)

	// The reference: the state as the writer built it, by revision.
	type model struct{ allow, inGroup, roleAllow bool }
	var mu sync.Mutex
	history := map[Revision]model{}
	var cur model
	history[f.d.Revision()] = cur
	modelAt := func(rev Revision) model {
		mu.Lock()
		defer mu.Unlock()
		best, found := Revision(0), false
		for r := range history {
			if r <= rev && (!found || r > best) {
				best, found = r, true
			}
		}
		require.True(t, found)
		return history[best]
	}
	compile := func(docs ...string) *evaluator.Evaluator {
		var ps []evaluator.Policy
		for _, d := range docs {
			ps = append(ps, evaluator.Policy{ID: "p", Document: must(policy.Parse([]byte(d)))})
		}
		return must(evaluator.Compile(ps...))
	}
	reference := func(m model, session bool, r evaluator.Request) evaluator.Decision {
		var docs []string
		if session {
			if m.roleAllow {
				docs = append(docs, allowDoc)
			}
		} else {
			if m.allow {
				docs = append(docs, allowDoc)
			}
			if m.inGroup {
				docs = append(docs, denyDoc)
			}
		}
		return compile(docs...).Decide(r)
	}

	var stop atomic.Bool
	var writes atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the writer
		defer wg.Done()
		ops := []func() (Revision, error){
			func() (Revision, error) { cur.allow = true; return f.d.AttachPolicy(alice, custom("allow")) },
			func() (Revision, error) { cur.roleAllow = true; return f.d.AttachPolicy(role, custom("allow")) },
			func() (Revision, error) { cur.inGroup = true; return f.d.AddUserToGroup(alice, g) },
			func() (Revision, error) { cur.allow = false; return f.d.DetachPolicy(alice, custom("allow")) },
			func() (Revision, error) { cur.roleAllow = false; return f.d.DetachPolicy(role, custom("allow")) },
			func() (Revision, error) { cur.inGroup = false; return f.d.RemoveUserFromGroup(alice, g) },
		}
		for i := 0; !stop.Load(); i++ {
			mu.Lock() // readers of history wait; the directory's readers do not
			rev, err := ops[i%len(ops)]()
			if err == nil {
				history[rev] = cur
			}
			mu.Unlock()
			writes.Add(1)
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() { // churn elsewhere
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			u := userID(uidC, "c"+strconv.Itoa(i%20))
			if _, err := f.d.CreateUser(u); err != nil {
				_, _ = f.d.DeleteUser(u, DeleteCascade)
			}
		}
	}()

	type obs struct {
		session bool
		r       evaluator.Request
		res     Result
	}
	requests := []evaluator.Request{req("oss:GetObject", "acs:oss:*:"+uidA+":b/k"), req("oss:DeleteObject", "acs:oss:*:"+uidA+":b/k"),
		req("oss:GetObject", "acs:oss:*:"+uidB+":b/k")}
	results := make([][]obs, 4)
	var rwg sync.WaitGroup
	for w := range results {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for i := 0; i < 3000 || writes.Load() < 300; i++ {
				r := requests[i%len(requests)]
				if w%2 == 0 {
					res, err := f.d.Authorize(alice, r)
					if err != nil {
						t.Error(err)
						return
					}
					results[w] = append(results[w], obs{false, r, res})
					continue
				}
				out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1"})
				if err != nil {
					t.Error(err)
					return
				}
				c := creds(out)
				res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, r)
				if err != nil {
					t.Error(err)
					return
				}
				results[w] = append(results[w], obs{true, r, res})
			}
		}()
	}
	rwg.Wait()
	stop.Store(true)
	wg.Wait()
	seen := map[Revision]bool{}
	n := 0
	for _, rs := range results {
		for _, o := range rs {
			want := reference(modelAt(o.res.Revision), o.session, o.r)
			if o.r.Resource == requests[2].Resource {
				want = evaluator.ImplicitDeny // another account's resource (D24)
			}
			require.Equal(t, want, o.res.Decision, "session=%v %s at revision %d", o.session, o.r.Action, o.res.Revision)
			seen[o.res.Revision] = true
			n++
		}
	}
	t.Logf("%d decisions checked over %d revisions", n, len(seen))
	assert.Greater(t, len(seen), 1)
}
