package pgstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store"
)

// The replica processes of TestReplicaProcesses are this test binary run again with
// childEnv set: TestMain then serves a directory on the PostgreSQL store instead of running
// tests.
const (
	childEnv       = "RAMAUTHZ_REPLICA_CHILD" // the replica's ID
	childSchemaEnv = "RAMAUTHZ_REPLICA_SCHEMA"
	faultAccount   = "1234567890123456"
	faultUsers     = 4
)

// faultOpts are the options of every directory in the fault test, writer and replicas alike
// (WaitReplicated judges heartbeats with the writer's MaxStaleness).
func faultOpts(replica string) directory.Options {
	return directory.Options{KeyEncryptionKey: make([]byte, 32), ReplicaID: replica,
		MaxStaleness: time.Second, PollInterval: 100 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond,
		AtLeastWait: 100 * time.Millisecond}
}

func TestMain(m *testing.M) {
	if id := os.Getenv(childEnv); id != "" {
		if err := serveReplica(id, os.Getenv(childSchemaEnv), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "replica", id+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// faultProbes are the requests every replica answers on "probe": may user i read the
// bucket. One request per user, so a probe's answers map to the users in order.
func faultProbes() (ids []principal.ID, req evaluator.Request) {
	for i := range faultUsers {
		ids = append(ids, principal.MustParse(fmt.Sprintf("acs:ram::%s:user/u%d", faultAccount, i)))
	}
	return ids, evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:" + faultAccount + ":bucket/b/k"}
}

// probeReply is one replica's answers to the probes, in order.
type probeReply struct {
	Revs  []uint64             `json:"revs"`
	Decs  []evaluator.Decision `json:"decs"`
	Stale []bool               `json:"stale"` // refused with ErrStale
	Err   []string             `json:"err"`   // any other error
}

// serveReplica opens a directory on the store and answers line commands until "quit" or
// the end of input: "probe" writes a probeReply as one JSON line.
func serveReplica(id, schema string, in io.Reader, out io.Writer) error {
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv("RAMAUTHZ_TEST_PG"), Options{Schema: schema})
	if err != nil {
		return err
	}
	defer s.Close()
	opts := faultOpts(id)
	opts.AllowStale = os.Getenv("RAMAUTHZ_REPLICA_SABOTAGE") == "allowstale" // to see the test fail
	d, err := directory.Open(ctx, s, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	ids, req := faultProbes()
	sc := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	fmt.Fprintln(out, "ready")
	for sc.Scan() {
		switch sc.Text() {
		case "probe":
			var r probeReply
			for _, p := range ids {
				res, err := d.Authorize(p, req)
				r.Revs = append(r.Revs, uint64(res.Revision))
				r.Decs = append(r.Decs, res.Decision)
				r.Stale = append(r.Stale, errors.Is(err, directory.ErrStale))
				msg := ""
				if err != nil && !errors.Is(err, directory.ErrStale) {
					msg = err.Error()
				}
				r.Err = append(r.Err, msg)
			}
			if err := enc.Encode(r); err != nil {
				return err
			}
		case "quit":
			return nil
		}
	}
	return sc.Err()
}

// replicaProc is a replica process seen from the test.
type replicaProc struct {
	id     string
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan string
	stderr *lockedWriter
	last   uint64 // the highest revision it reported
}

type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func startReplica(t *testing.T, id, schema string) *replicaProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &replicaProc{id: id, lines: make(chan string, 16), stderr: &lockedWriter{}}
	p.cmd = exec.Command(exe)
	p.cmd.Env = append(os.Environ(), childEnv+"="+id, childSchemaEnv+"="+schema)
	p.cmd.Stderr = p.stderr
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.in.Close()
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("replica %s exited: %v; its stderr:\n%s", id, err, p.stderr)
			}
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Errorf("replica %s did not exit within 10 s of quit", id)
		}
	})
	if line := p.read(t); line != "ready" {
		t.Fatalf("replica %s said %q, want ready; stderr:\n%s", id, line, p.stderr)
	}
	return p
}

func (p *replicaProc) read(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("replica %s ended; stderr:\n%s", p.id, p.stderr)
		}
		return line
	case <-time.After(30 * time.Second):
		t.Fatalf("replica %s gave no answer within 30 s", p.id)
	}
	return ""
}

// probe asks the replica for its decisions and checks the invariants that hold whatever
// the faults: each answer is the reference's decision at the revision it reports (or a
// refusal with ErrStale, which denies), and revisions never go backwards.
func (p *replicaProc) probe(t *testing.T, ref *faultRef) probeReply {
	t.Helper()
	if _, err := io.WriteString(p.in, "probe\n"); err != nil {
		t.Fatalf("replica %s: %v", p.id, err)
	}
	var r probeReply
	if err := json.Unmarshal([]byte(p.read(t)), &r); err != nil {
		t.Fatalf("replica %s: %v", p.id, err)
	}
	for i := range r.Revs {
		if r.Err[i] != "" {
			t.Fatalf("replica %s, user %d: error %s", p.id, i, r.Err[i])
		}
		if r.Revs[i] < p.last {
			t.Fatalf("replica %s went back from revision %d to %d", p.id, p.last, r.Revs[i])
		}
		p.last = r.Revs[i]
		if r.Stale[i] {
			if r.Decs[i] != evaluator.ImplicitDeny {
				t.Fatalf("replica %s, user %d: stale but %v", p.id, i, r.Decs[i])
			}
			continue
		}
		if want := ref.at(t, r.Revs[i])[i]; r.Decs[i] != want {
			t.Fatalf("replica %s, user %d at revision %d: %v, the reference says %v", p.id, i, r.Revs[i], r.Decs[i], want)
		}
	}
	return r
}

// faultRef is the reference: a directory in memory (New, no store at all) given the same
// mutations as the writer; its decisions after each acknowledged commit are recorded under
// the commit's revision. Revisions between two mutations are heartbeats, which change no
// decision.
type faultRef struct {
	mem  *directory.Directory
	revs []uint64
	decs [][]evaluator.Decision
	// acked are the revisions the writer acknowledged, with the operation's name.
	acked map[uint64]string
}

func (r *faultRef) record(t *testing.T, rev directory.Revision, op string) {
	t.Helper()
	if n := len(r.revs); n > 0 && uint64(rev) <= r.revs[n-1] {
		t.Fatalf("the writer acknowledged %s at revision %d, after %d", op, rev, r.revs[n-1])
	}
	ids, req := faultProbes()
	var decs []evaluator.Decision
	for _, id := range ids {
		res, err := r.mem.Authorize(id, req)
		if err != nil && !errors.Is(err, directory.ErrNotFound) { // users come after the account
			t.Fatal(err)
		}
		decs = append(decs, res.Decision)
	}
	r.revs, r.decs = append(r.revs, uint64(rev)), append(r.decs, decs)
	if op != "" {
		r.acked[uint64(rev)] = op
	}
}

func (r *faultRef) at(t *testing.T, rev uint64) []evaluator.Decision {
	t.Helper()
	for i := len(r.revs) - 1; i >= 0; i-- {
		if r.revs[i] <= rev {
			return r.decs[i]
		}
	}
	t.Fatalf("revision %d is older than the reference's first, %d", rev, r.revs[0])
	return nil
}

// faultWorld is the writer and the reference, mutated together.
type faultWorld struct {
	t      *testing.T
	w      *directory.Directory
	ref    *faultRef
	rng    *rand.Rand
	group  principal.ID
	allow  directory.PolicyRef
	deny   directory.PolicyRef
	users  []principal.ID
	lastOK directory.Revision
}

// do applies fn to the reference and, when the reference accepts it, to the writer, which
// must accept it too; it reports whether fn was valid in this state.
func (f *faultWorld) do(op string, fn func(d *directory.Directory) (directory.Revision, error)) (directory.Revision, bool) {
	f.t.Helper()
	if before := f.ref.mem.Revision(); func() bool { _, err := fn(f.ref.mem); return err != nil }() || f.ref.mem.Revision() == before {
		return 0, false // not valid, or nothing to do, in this state (attached already, not a member...)
	}
	rev, err := fn(f.w)
	if err != nil {
		f.t.Fatalf("%s on the writer: %v (the reference accepted it)", op, err)
	}
	f.ref.record(f.t, rev, op)
	f.lastOK = rev
	return rev, true
}

// mutate applies one random valid mutation to the reference and the writer and returns the
// writer's revision.
func (f *faultWorld) mutate() directory.Revision {
	for {
		u := f.users[f.rng.IntN(len(f.users))]
		var rev directory.Revision
		var ok bool
		switch f.rng.IntN(6) {
		case 0:
			rev, ok = f.do("AttachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.AttachPolicy(u, f.allow) })
		case 1:
			rev, ok = f.do("DetachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.DetachPolicy(u, f.allow) })
		case 2:
			rev, ok = f.do("AddUserToGroup", func(d *directory.Directory) (directory.Revision, error) { return d.AddUserToGroup(u, f.group) })
		case 3:
			rev, ok = f.do("RemoveUserFromGroup", func(d *directory.Directory) (directory.Revision, error) { return d.RemoveUserFromGroup(u, f.group) })
		case 4:
			rev, ok = f.do("AttachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.AttachPolicy(u, f.deny) })
		default:
			rev, ok = f.do("DetachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.DetachPolicy(u, f.deny) })
		}
		if ok {
			return rev
		}
	}
}

// revoke commits a revocation: the deny policy attached to a user the reference allows now
// (after first allowing user 0 when nobody is allowed).
func (f *faultWorld) revoke() directory.Revision {
	ids, req := faultProbes()
	target := -1
	for i, id := range ids {
		if res, _ := f.ref.mem.Authorize(id, req); res.Decision == evaluator.Allow {
			target = i
			break
		}
	}
	if target < 0 {
		target = 0
		f.do("DetachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.DetachPolicy(ids[0], f.deny) })
		f.do("AttachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.AttachPolicy(ids[0], f.allow) })
		if res, _ := f.ref.mem.Authorize(ids[0], req); res.Decision != evaluator.Allow {
			f.t.Fatalf("cannot make user 0 allowed: %v", res.Decision)
		}
	}
	rev, ok := f.do("AttachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.AttachPolicy(ids[target], f.deny) })
	if !ok {
		f.t.Fatalf("cannot attach the deny policy to allowed user %d", target)
	}
	return rev
}

// TestReplicaProcesses runs 3 replica processes (this binary, re-executed) on one PostgreSQL
// store beside an in-process writer, under random mutations and probes: every decision a
// replica reports equals the reference's at the revision it reports (or is a stale refusal),
// revisions never go backwards on a replica, and after WaitReplicated(r) every replica
// decides at r or later. Then the faults, each followed by convergence:
//
//   - the LISTEN connections killed (pg_terminate_backend): replicas keep applying (poll);
//   - a replica paused (SIGSTOP) across a revoking commit: WaitReplicated names it Gone once
//     its heartbeat is older than MaxStaleness and returns; after SIGCONT it denies as stale
//     or decides at the revocation or later, and catches up without a restart;
//   - PostgreSQL stopped: after MaxStaleness every replica denies with ErrStale; a write
//     fails; after the restart the replicas recover on their own and converge;
//
// and at the end every acknowledged commit is in the store's feed.
func TestReplicaProcesses(t *testing.T) {
	schema := newSchema(t)
	ctx := context.Background()
	ws := openSchema(t, schema)
	defer ws.Close()
	w, err := directory.Open(ctx, ws, faultOpts(""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mem := directory.MustNew(directory.Options{KeyEncryptionKey: make([]byte, 32)})
	f := &faultWorld{t: t, w: w, ref: &faultRef{mem: mem, acked: map[uint64]string{}}, rng: rand.New(rand.NewPCG(16, 2)),
		allow: directory.PolicyRef{Type: directory.PolicyCustom, Name: "read"},
		deny:  directory.PolicyRef{Type: directory.PolicyCustom, Name: "no-read"}}
	f.users, _ = faultProbes()
	f.group = principal.MustParse("acs:ram::" + faultAccount + ":group/readers")
	both := func(op string, fn func(d *directory.Directory) (directory.Revision, error)) {
		t.Helper()
		if _, err := fn(mem); err != nil {
			t.Fatal(err)
		}
		rev, err := fn(w)
		if err != nil {
			t.Fatal(err)
		}
		f.ref.record(t, rev, op)
	}
	both("CreateAccount", func(d *directory.Directory) (directory.Revision, error) { return d.CreateAccount(faultAccount) })
	both("CreatePolicy", func(d *directory.Directory) (directory.Revision, error) {
		return d.CreatePolicy(faultAccount, directory.PolicySpec{Name: "read",
			Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}`})
	})
	both("CreatePolicy", func(d *directory.Directory) (directory.Revision, error) {
		return d.CreatePolicy(faultAccount, directory.PolicySpec{Name: "no-read",
			Document: `{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"*"}]}`})
	})
	both("CreateGroup", func(d *directory.Directory) (directory.Revision, error) { return d.CreateGroup(f.group) })
	both("AttachPolicy", func(d *directory.Directory) (directory.Revision, error) { return d.AttachPolicy(f.group, f.allow) })
	for _, u := range f.users {
		both("CreateUser", func(d *directory.Directory) (directory.Revision, error) { return d.CreateUser(u) })
	}

	var reps []*replicaProc
	for i := range 3 {
		reps = append(reps, startReplica(t, fmt.Sprintf("r%d", i), schema))
	}
	probeAll := func() {
		t.Helper()
		for _, p := range reps {
			p.probe(t, f.ref)
		}
	}
	// waitAll: WaitReplicated(rev) succeeds, and then every replica decides at rev or later,
	// on the reference's state.
	waitAll := func(rev directory.Revision, within time.Duration) directory.Receipt {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			rc, err := w.WaitReplicated(ctx, rev)
			if err == nil {
				for _, p := range reps {
					if r := p.probe(t, f.ref); slicesMin(r.Revs) < uint64(rev) && !anyTrue(r.Stale) {
						t.Fatalf("after WaitReplicated(%d) (receipt %+v) replica %s decides at %v", rev, rc, p.id, r.Revs)
					}
				}
				return rc
			}
			if time.Now().After(deadline) {
				t.Fatalf("WaitReplicated(%d) still failing after %v: %v", rev, within, err)
			}
		}
	}

	// 1. Random mutations and probes, no faults.
	for i := range 60 {
		rev := f.mutate()
		if i%3 == 0 {
			probeAll()
		}
		if i%15 == 14 {
			rc := waitAll(rev, 10*time.Second)
			if len(rc.Applied) != 3 || len(rc.Gone) != 0 {
				t.Fatalf("no faults, yet the receipt is %+v", rc)
			}
		}
	}

	// 2. Every LISTEN connection killed: the replicas keep up by polling and reconnect.
	var killed int
	if err := pool(t).QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
		"ramauthz-listen-"+schema).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed < 4 {
		t.Fatalf("terminated %d LISTEN connections, want the 3 replicas' and the writer's", killed)
	}
	for range 10 {
		f.mutate()
		probeAll()
	}
	waitAll(f.revoke(), 10*time.Second)

	// 3. A replica paused across a revoking commit.
	paused := reps[0]
	if err := paused.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	rev := f.revoke()
	t0 := time.Now()
	rc, err := w.WaitReplicated(ctx, rev)
	if err != nil || len(rc.Gone) != 1 || rc.Gone[0] != paused.id || len(rc.Applied) != 2 {
		t.Fatalf("WaitReplicated with %s paused: receipt %+v, %v; want it Gone and the others applied", paused.id, rc, err)
	}
	if waited := time.Since(t0); waited > 3*time.Second {
		t.Fatalf("WaitReplicated took %v with one replica paused, want about MaxStaleness", waited)
	} else {
		t.Logf("paused replica: WaitReplicated(%d) returned after %v naming it Gone", rev, waited.Round(time.Millisecond))
	}
	for _, p := range reps[1:] {
		p.probe(t, f.ref)
	}
	time.Sleep(time.Second) // the paused replica is now far past MaxStaleness
	if err := paused.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// The staleness watch runs every MaxStaleness/10; a timer delayed by the freeze fires
	// as soon as the process runs again, so after one tick the paused replica either caught
	// up or is marked stale (the documented bound: MaxStaleness plus one tick).
	time.Sleep(faultOpts("").MaxStaleness/10 + 50*time.Millisecond)
	r := paused.probe(t, f.ref)
	for i := range r.Revs {
		if !r.Stale[i] && r.Revs[i] < uint64(rev) {
			t.Fatalf("the resumed replica decided on revision %d, before the revocation %d, without refusing as stale", r.Revs[i], rev)
		}
	}
	t1 := time.Now()
	waitAll(rev, 15*time.Second) // it recovers without a restart
	t.Logf("paused replica: after SIGCONT %v stale of %d answers; caught up %v later", countTrue(r.Stale), len(r.Stale), time.Since(t1).Round(time.Millisecond))

	// 4. PostgreSQL stopped and started again.
	ctl := os.Getenv("RAMAUTHZ_TEST_PG_CTL")
	if ctl == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RAMAUTHZ_TEST_PG_CTL is not set under CI=true: run the tests through .ci/postgres.sh")
		}
		t.Log("RAMAUTHZ_TEST_PG_CTL not set: the PostgreSQL restart is left out (.ci/postgres.sh sets it)")
	} else {
		before := f.lastOK
		if out, err := exec.Command(ctl, "stop").CombinedOutput(); err != nil {
			t.Fatalf("stopping PostgreSQL: %v\n%s", err, out)
		}
		stopped := time.Now()
		restarted := false
		t.Cleanup(func() {
			if !restarted {
				_ = exec.Command(ctl, "start").Run()
			}
		})
		outage := principal.MustParse("acs:ram::" + faultAccount + ":user/outage")
		if _, err := w.CreateUser(outage); !errors.Is(err, directory.ErrUnavailable) {
			t.Fatalf("a write with PostgreSQL stopped: %v, want ErrUnavailable", err)
		}
		time.Sleep(time.Until(stopped.Add(faultOpts("").MaxStaleness + 300*time.Millisecond)))
		for _, p := range reps {
			r := p.probe(t, f.ref)
			for i := range r.Stale {
				if !r.Stale[i] {
					t.Fatalf("replica %s, user %d, decided (%v at %d) with PostgreSQL down for more than MaxStaleness", p.id, i, r.Decs[i], r.Revs[i])
				}
			}
		}
		t.Logf("PostgreSQL stopped: after %v every replica refuses as stale", time.Since(stopped).Round(time.Millisecond))
		if out, err := exec.Command(ctl, "start").CombinedOutput(); err != nil {
			t.Fatalf("starting PostgreSQL: %v\n%s", err, out)
		}
		restarted = true
		// The writer's pool replaces its dead connections (pinged after a second idle).
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, err := w.Sync(ctx); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("the writer cannot reach PostgreSQL 15 s after the restart: %v", err)
			}
		}
		if _, err := w.GetUser(outage); !errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("the write refused during the outage: GetUser = %v, want ErrNotFound", err)
		}
		started := time.Now()
		rev := f.mutate()
		if rev <= before {
			t.Fatalf("revision %d after the restart, not after %d", rev, before)
		}
		waitAll(rev, 20*time.Second)
		t.Logf("PostgreSQL started again: every replica had the first new commit %v later", time.Since(started).Round(time.Millisecond))
		for range 10 {
			f.mutate()
		}
		waitAll(f.revoke(), 10*time.Second)
	}

	// No acknowledged commit lost: each is in the feed with its operation.
	head, err := ws.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for after := store.Revision(0); after < head.Rev; {
		cs, err := ws.Changes(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if op, ok := f.ref.acked[uint64(c.Rev)]; ok {
				if c.Batch.Account != faultAccount || c.Batch.Reason != op {
					t.Fatalf("revision %d holds %s/%s, acknowledged as %s", c.Rev, c.Batch.Account, c.Batch.Reason, op)
				}
				seen++
			}
		}
		after = cs[len(cs)-1].Rev
	}
	if seen != len(f.ref.acked) {
		t.Fatalf("%d of %d acknowledged commits are in the feed", seen, len(f.ref.acked))
	}
	t.Logf("%d acknowledged commits, head %d", seen, head.Rev)
}

func slicesMin(xs []uint64) uint64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

func countTrue(xs []bool) int {
	n := 0
	for _, x := range xs {
		if x {
			n++
		}
	}
	return n
}

func anyTrue(xs []bool) bool {
	for _, x := range xs {
		if x {
			return true
		}
	}
	return false
}
