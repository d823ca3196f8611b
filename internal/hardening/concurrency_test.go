package hardening

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/stretchr/testify/require"
)

// TestConcurrentDecisionsUnderChange runs readers that decide while writers
// change a directory (attachments of a user, group membership, a role's
// attachments, then revocation of its session) and swap compiled policy
// sets behind an atomic.Pointer[evaluator.Evaluator]. Each writer walks a
// cycle of states whose decisions are written out by hand below and
// publishes its progress through a sequence lock. A reader reads the lock
// before and after deciding; every answer must be the answer of a state in
// that window, and a window that saw no change pins the state exactly. For
// the swapped policy sets a reader decides three requests against one
// loaded Evaluator, and the three answers must be exactly one set's
// answers, so a torn read (answers from two sets) cannot pass.
//
// A handshake (see settle) makes every state of every writer checked
// exactly at least once, without any timing: the test counts those checks.
// Run under -race (as .ci/run does) it is also the data-race check for the
// directory's cache, the evaluator and the atomic swap.
func TestConcurrentDecisionsUnderChange(t *testing.T) {
	const (
		I  = evaluator.ImplicitDeny
		A  = evaluator.Allow
		ED = evaluator.ExplicitDeny
	)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	require.NoError(t, dir.CreateAccount(acct))
	mk := func(name, doc string) {
		_, err := dir.CreatePolicy(acct, name, "", doc)
		require.NoError(t, err)
	}
	mk("A", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:*","Resource":"*"}]}`)
	mk("D", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"svc:Delete*","Resource":"*"}]}`)
	for _, u := range []string{"u0", "u1"} {
		_, err := dir.CreateUser(acct, u)
		require.NoError(t, err)
	}
	_, err := dir.CreateGroup(acct, "G")
	require.NoError(t, err)
	id := principal.MustParse
	u0, u1 := id("acs:ram::"+acct+":user/u0"), id("acs:ram::"+acct+":user/u1")
	g, r0 := id("acs:ram::"+acct+":group/G"), id("acs:ram::"+acct+":role/r0")
	require.NoError(t, dir.AttachPolicy(g, principal.Custom, "A"))
	_, err = dir.CreateRole(acct, principal.RoleSpec{Name: "r0", TrustPolicy: trustRoot})
	require.NoError(t, err)
	sess, err := dir.CreateSession(principal.SessionSpec{Role: r0, Name: "s1", Caller: u0, Duration: 3600,
		Policy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, dir.Generation())
	require.NoError(t, err)

	requests := []evaluator.Request{
		{Action: "svc:GetThing", Resource: "acs:svc:*:" + acct + ":thing/1"},
		{Action: "svc:DeleteThing", Resource: "acs:svc:*:" + acct + ":thing/1"},
	}
	must := func(err error) {
		if err != nil {
			panic(err) // a writer's failure; reported through the recover below
		}
	}
	// A directory writer: a cycle of changes and, for each state, the
	// decisions of requests[0] and requests[1]. State k (k ≥ 1) is reached
	// by change k-1 of the cycle; state 0 is the start and the end of a
	// cycle.
	type dirWriter struct {
		who     string
		changes []func()
		states  [][2]evaluator.Decision
		// revoke, if set, is applied after the last cycle; from then on
		// the principal is denied with an error.
		revoke   func()
		revokeAt atomic.Int64 // the state count after which revocation applies
		// seq is twice the number of changes applied, plus one while a
		// change is being applied (a sequence lock): a reader that sees
		// the same even value before and after a decision knows exactly
		// which state it decided on.
		seq    atomic.Int64
		checks atomic.Int64 // reader checks of this writer's principal
		exact  atomic.Int64 // checks that ran wholly inside one state
		done   atomic.Bool
	}
	writers := []*dirWriter{
		{who: u0.String(), changes: []func(){
			func() { must(dir.AttachPolicy(u0, principal.Custom, "A")) },
			func() { must(dir.AttachPolicy(u0, principal.Custom, "D")) },
			func() { must(dir.DetachPolicy(u0, principal.Custom, "A")) },
			func() { must(dir.DetachPolicy(u0, principal.Custom, "D")) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}, {A, ED}, {I, ED}}},
		{who: u1.String(), changes: []func(){
			func() { must(dir.AddUserToGroup(acct, "u1", "G")) },
			func() { must(dir.AttachPolicy(u1, principal.Custom, "D")) },
			func() { must(dir.RemoveUserFromGroup(acct, "u1", "G")) },
			func() { must(dir.DetachPolicy(u1, principal.Custom, "D")) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}, {A, ED}, {I, ED}}},
		{who: sess.AccessKeyID, changes: []func(){
			func() { must(dir.AttachPolicy(r0, principal.Custom, "A")) },
			func() { must(dir.DetachPolicy(r0, principal.Custom, "A")) },
		}, states: [][2]evaluator.Decision{{I, I}, {A, A}},
			revoke: func() { must(dir.RevokeSessions(r0, now.Add(time.Second))) }},
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
					w.seq.Add(1)
					ch()
					w.seq.Add(1)
					settle(&w.checks)
				}
			}
			if w.revoke != nil {
				w.revokeAt.Store(w.seq.Load() / 2)
				w.seq.Add(1)
				w.revoke()
				w.seq.Add(1)
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
				var errs [2]error
				for q := range requests {
					decs[q], errs[q] = dir.Authorize(w.who, requests[q])
				}
				hi := w.seq.Load()
				// Each answer must come from a state in the window (not
				// necessarily the same state for both: the directory
				// promises fresh decisions, not a snapshot across calls).
				// States after revokeAt are the revoked session's.
				revokeAt := w.revokeAt.Load()
				ok := true
				for q := range requests {
					okq := false
					for k := lo / 2; k <= (hi+1)/2 && !okq; k++ {
						if k > revokeAt {
							okq = errors.Is(errs[q], principal.ErrExpired) && decs[q] == I
						} else {
							okq = errs[q] == nil && decs[q] == w.states[k%int64(len(w.changes))][q]
						}
					}
					ok = ok && okq
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
		// The handshake guarantees one exact check per state reached.
		require.GreaterOrEqual(t, w.exact.Load(), end, "writer %s: exact checks", w.who)
	}
	require.GreaterOrEqual(t, swapExact.Load(), int64(cycles*len(setDocs)))
	// After the run: the session is revoked and the users are back at
	// state 0 of their cycles.
	dec, err := dir.Authorize(sess.AccessKeyID, requests[0])
	require.ErrorIs(t, err, principal.ErrExpired)
	require.Equal(t, I, dec)
	for _, u := range []principal.ID{u0, u1} {
		dec, err := dir.Authorize(u.String(), requests[0])
		require.NoError(t, err)
		require.Equal(t, I, dec)
	}
}
