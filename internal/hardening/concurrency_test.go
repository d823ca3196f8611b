package hardening

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/stretchr/testify/require"
)

// TestConcurrentDecisionsUnderChange runs readers that decide while writers
// commit changes to a directory (attachments of a user, group membership, a
// role's attachments, then revocation of its session) and swap compiled
// policy sets behind an atomic.Pointer[evaluator.Evaluator]. Each writer
// walks a cycle of states whose decisions are written out by hand below,
// records the revision each of its commits returned, and publishes its
// progress through a sequence lock. Every answer is checked twice: against
// the state of its own revision (each Result names the revision it was
// decided at; the writer's state at revision R is the one its last commit at
// or before R made), and against the states of the sequence-lock window
// around the call, so an answer from the wrong revision or a revision that
// does not match the answer cannot pass. For the swapped policy sets a
// reader decides three requests against one loaded Evaluator, and the three
// answers must be exactly one set's answers, so a torn read (answers from
// two sets) cannot pass.
//
// A handshake (see settle) makes every state of every writer checked
// exactly at least once, without any timing: the test counts those checks.
// Run under -race (as .ci/run does) it is also the data-race check for the
// directory's snapshots and caches, the evaluator and the atomic swap.
func TestConcurrentDecisionsUnderChange(t *testing.T) {
	const (
		I  = evaluator.ImplicitDeny
		A  = evaluator.Allow
		ED = evaluator.ExplicitDeny
	)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := directory.MustNew(directory.Options{Clock: func() time.Time { return now }})
	setup := func(_ directory.Revision, err error) { t.Helper(); require.NoError(t, err) }
	setup(dir.CreateAccount(acct))
	setup(dir.CreatePolicy(acct, directory.PolicySpec{Name: "A",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:*","Resource":"*"}]}`}))
	setup(dir.CreatePolicy(acct, directory.PolicySpec{Name: "D",
		Document: `{"Version":"1","Statement":[{"Effect":"Deny","Action":"svc:Delete*","Resource":"*"}]}`}))
	id := principal.MustParse
	u0, u1 := id("acs:ram::"+acct+":user/u0"), id("acs:ram::"+acct+":user/u1")
	g, r0 := id("acs:ram::"+acct+":group/G"), id("acs:ram::"+acct+":role/r0")
	pA := directory.PolicyRef{Type: directory.PolicyCustom, Name: "A"}
	pD := directory.PolicyRef{Type: directory.PolicyCustom, Name: "D"}
	setup(dir.CreateUser(u0))
	setup(dir.CreateUser(u1))
	setup(dir.CreateGroup(g))
	setup(dir.AttachPolicy(g, pA))
	setup(dir.CreateRole(r0, directory.RoleSpec{TrustPolicy: trustRoot}))
	// u0 may assume r0 (sts:AssumeRole only; svc:* comes and goes below).
	setup(dir.CreatePolicy(acct, directory.PolicySpec{Name: "Assume",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`}))
	setup(dir.AttachPolicy(u0, directory.PolicyRef{Type: directory.PolicyCustom, Name: "Assume"}))
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: u0, Role: r0, SessionName: "s1",
		Policy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`})
	require.NoError(t, err)
	sess := sessionOf(out)

	requests := []evaluator.Request{
		{Action: "svc:GetThing", Resource: "acs:svc:*:" + acct + ":thing/1"},
		{Action: "svc:DeleteThing", Resource: "acs:svc:*:" + acct + ":thing/1"},
	}
	must := func(err error) {
		if err != nil {
			panic(err) // a writer's failure; reported through the recover below
		}
	}
	type change func() (directory.Revision, error)
	// A directory writer: a cycle of changes and, for each state, the
	// decisions of requests[0] and requests[1]. State k (k ≥ 1) is reached
	// by change k-1 of the cycle; state 0 is the start and the end of a
	// cycle.
	type dirWriter struct {
		who     string
		decide  func(evaluator.Request) (directory.Result, error)
		changes []change
		states  [][2]evaluator.Decision
		// revoke, if set, is applied after the last cycle; from then on
		// the session is denied with ErrTokenRevoked.
		revoke   change
		revokeAt atomic.Int64 // the state count after which revocation applies
		// seq is twice the number of changes applied, plus one while a
		// change is being applied (a sequence lock): a reader that sees
		// the same even value before and after a decision knows exactly
		// which state it decided on.
		seq atomic.Int64
		// revs[n] is the revision change n committed at (revs[0], the
		// start, is the revision before the first change). Appended under
		// mu before seq becomes even again.
		mu     sync.Mutex
		revs   []directory.Revision
		checks atomic.Int64 // reader checks of this writer's principal
		exact  atomic.Int64 // checks that ran wholly inside one state
		byRev  atomic.Int64 // answers checked against the state of their revision
		done   atomic.Bool
	}
	user := func(u principal.ID) func(evaluator.Request) (directory.Result, error) {
		return func(r evaluator.Request) (directory.Result, error) { return dir.Authorize(u, r) }
	}
	writers := []*dirWriter{
		{who: u0.String(), decide: user(u0), changes: []change{
			func() (directory.Revision, error) { return dir.AttachPolicy(u0, pA) },
			func() (directory.Revision, error) { return dir.AttachPolicy(u0, pD) },
			func() (directory.Revision, error) { return dir.DetachPolicy(u0, pA) },
			func() (directory.Revision, error) { return dir.DetachPolicy(u0, pD) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}, {A, ED}, {I, ED}}},
		{who: u1.String(), decide: user(u1), changes: []change{
			func() (directory.Revision, error) { return dir.AddUserToGroup(u1, g) },
			func() (directory.Revision, error) { return dir.AttachPolicy(u1, pD) },
			func() (directory.Revision, error) { return dir.RemoveUserFromGroup(u1, g) },
			func() (directory.Revision, error) { return dir.DetachPolicy(u1, pD) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}, {A, ED}, {I, ED}}},
		{who: "session", decide: func(r evaluator.Request) (directory.Result, error) {
			return dir.AuthorizeSession(sess.AccessKey, sess.Token, r)
		}, changes: []change{
			func() (directory.Revision, error) { return dir.AttachPolicy(r0, pA) },
			func() (directory.Revision, error) { return dir.DetachPolicy(r0, pA) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}},
			revoke: func() (directory.Revision, error) { return dir.RevokeSessions(r0, now.Add(time.Second)) }},
	}
	start := dir.Revision()
	for _, w := range writers {
		w.revs = []directory.Revision{start}
	}
	// apply runs one change of w inside the sequence lock and records its
	// revision.
	apply := func(w *dirWriter, ch change) {
		w.seq.Add(1)
		rev, err := ch()
		if err != nil {
			panic(err) // a writer's failure; reported through the recover below
		}
		w.mu.Lock()
		w.revs = append(w.revs, rev)
		w.mu.Unlock()
		w.seq.Add(1)
	}
	// stateAt returns the number of w's changes in force at revision rev,
	// and whether that is certain: every change of w that committed at or
	// before rev is recorded once seq (read after the decision) is even.
	stateAt := func(w *dirWriter, rev directory.Revision, hi int64) (int64, bool) {
		if hi%2 != 0 {
			return 0, false
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		n := int64(0)
		for i, r := range w.revs {
			if r <= rev {
				n = int64(i)
			}
		}
		return n, true
	}

	// Swapped policy sets: each decides exactly one of three requests.
	swapRequests := []evaluator.Request{
		{Action: "a:Do", Resource: "x"}, {Action: "b:Do", Resource: "x"}, {Action: "c:Do", Resource: "x"},
	}
	setDocs := []string{"a:*", "b:*", "c:*"}
	setAnswers := [][3]evaluator.Decision{{A, I, I}, {I, A, I}, {I, I, A}}
	compileSet := func(i int) *evaluator.Evaluator {
		d, err := policy.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"` + setDocs[i] + `","Resource":"*"}]}`))
		must(err)
		e, err := evaluator.Compile(evaluator.Policy{ID: setDocs[i], Document: d})
		must(err)
		return e
	}
	var current atomic.Pointer[evaluator.Evaluator]
	current.Store(compileSet(0))

	const cycles = 50
	readers := 2 * runtime.GOMAXPROCS(0)
	if readers < 4 {
		readers = 4
	}
	var failures sync.Map
	fail := func(msg string) { failures.Store(msg, true) }
	// settle is the handshake that makes the changes overlap the readers
	// and makes every state observed exactly: after each change a writer
	// waits until readers have finished readers+1 more checks of it. At
	// most readers checks were in flight when the change ended, so at
	// least one check ran wholly inside the new state.
	settle := func(checks *atomic.Int64) {
		for target := checks.Load() + int64(readers) + 1; checks.Load() < target; {
			runtime.Gosched()
		}
	}
	var wg sync.WaitGroup
	for _, w := range writers {
		w.revokeAt.Store(1 << 62) // not yet
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.done.Store(true)
			defer func() {
				if p := recover(); p != nil {
					fail(fmt.Sprintf("writer %s: %v", w.who, p))
				}
			}()
			for c := 0; c < cycles; c++ {
				for _, ch := range w.changes {
					apply(w, ch)
					settle(&w.checks)
				}
			}
			if w.revoke != nil {
				w.revokeAt.Store(w.seq.Load() / 2)
				apply(w, w.revoke)
				settle(&w.checks)
			}
		}()
	}
	var swapSeq, swapChecks, swapExact atomic.Int64
	var swapDone atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer swapDone.Store(true)
		defer func() {
			if p := recover(); p != nil {
				fail(fmt.Sprintf("swapper: %v", p))
			}
		}()
		for i := 1; i <= cycles*len(setDocs); i++ {
			e := compileSet(i % len(setDocs))
			swapSeq.Add(1)
			current.Store(e)
			swapSeq.Add(1)
			settle(&swapChecks)
		}
	}()

	var rg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			defer func() {
				if p := recover(); p != nil {
					fail(fmt.Sprintf("reader: %v", p))
				}
			}()
			for n := r; ; n++ {
				allDone := swapDone.Load()
				for _, w := range writers {
					allDone = allDone && w.done.Load()
				}
				if allDone {
					return
				}
				w := writers[n%len(writers)]
				lo := w.seq.Load()
				var decs [2]evaluator.Decision
				var revs [2]directory.Revision
				var errs [2]error
				for q := range requests {
					var res directory.Result
					res, errs[q] = w.decide(requests[q])
					decs[q], revs[q] = res.Decision, res.Revision
				}
				hi := w.seq.Load()
				// Each answer must come from a state in the window (not
				// necessarily the same state for both: the directory
				// promises fresh decisions, not a snapshot across calls).
				// States after revokeAt are the revoked session's.
				revokeAt := w.revokeAt.Load()
				answerOf := func(k int64, q int) bool {
					if k > revokeAt {
						return errors.Is(errs[q], directory.ErrTokenRevoked) && decs[q] == I
					}
					return errs[q] == nil && decs[q] == w.states[k%int64(len(w.changes))][q]
				}
				ok := true
				for q := range requests {
					okq := false
					for k := lo / 2; k <= (hi+1)/2 && !okq; k++ {
						okq = answerOf(k, q)
					}
					ok = ok && okq
					// The answer is the answer of its own revision.
					if k, sure := stateAt(w, revs[q], hi); sure {
						if !answerOf(k, q) {
							fail(fmt.Sprintf("%s at revision %d (state %d) decided %v (error %v)", w.who, revs[q], k, decs[q], errs[q]))
						}
						w.byRev.Add(1)
					}
				}
				if !ok {
					fail(fmt.Sprintf("%s between states %d and %d decided %v (errors %v)", w.who, lo/2, (hi+1)/2, decs, errs))
				}
				if lo == hi && lo%2 == 0 {
					w.exact.Add(1)
				}
				w.checks.Add(1)

				slo := swapSeq.Load()
				e := current.Load()
				var got [3]evaluator.Decision
				for i, sr := range swapRequests {
					got[i] = e.Decide(sr)
				}
				shi := swapSeq.Load()
				ok = false
				for k := slo / 2; k <= (shi+1)/2 && !ok; k++ {
					ok = got == setAnswers[k%int64(len(setDocs))]
				}
				if !ok {
					fail(fmt.Sprintf("swapped evaluator between states %d and %d decided %v", slo/2, (shi+1)/2, got))
				}
				if slo == shi && slo%2 == 0 {
					swapExact.Add(1)
				}
				swapChecks.Add(1)
			}
		}()
	}
	wg.Wait()
	rg.Wait()
	var msgs []string
	failures.Range(func(k, _ any) bool {
		msgs = append(msgs, k.(string))
		return len(msgs) < 10
	})
	require.Empty(t, msgs)
	for _, w := range writers {
		require.Zero(t, w.seq.Load()%2)
		end := w.seq.Load() / 2
		if w.revoke != nil {
			require.Equal(t, w.revokeAt.Load()+1, end, "writer %s did not revoke", w.who)
		}
		// The handshake guarantees one exact check per state reached, and
		// each exact check's answers were checked against their revisions.
		require.GreaterOrEqual(t, w.exact.Load(), end, "writer %s: exact checks", w.who)
		require.GreaterOrEqual(t, w.byRev.Load(), 2*end, "writer %s: answers checked by revision", w.who)
	}
	require.GreaterOrEqual(t, swapExact.Load(), int64(cycles*len(setDocs)))
	// After the run: the session is revoked and the users are back at
	// state 0 of their cycles.
	res, err := dir.AuthorizeSession(sess.AccessKey, sess.Token, requests[0])
	require.ErrorIs(t, err, directory.ErrTokenRevoked)
	require.Equal(t, I, res.Decision)
	for _, u := range []principal.ID{u0, u1} {
		res, err := dir.Authorize(u, requests[0])
		require.NoError(t, err)
		require.Equal(t, I, res.Decision)
	}
}
