package directory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/internal/killtest"
	"github.com/ramauthz/ramauthz/store/filestore"
)

// The directory's kill -9 test (issue 14): a child process (this test
// binary run again) opens a directory on a file store and runs a seeded
// stream of random mutations; the parent kills it with SIGKILL at random
// moments and checks the reopened directory against a reference directory
// in memory that ran the same stream up to the recovered revision.
//
// Operation i of the stream depends only on the seed and i (crashOp), not
// on the state: an operation the state refuses (deleting a user that is
// gone) fails, or has nothing to do, and commits nothing, in the child as
// in the reference. Each operation runs at its own clock reading
// (crashTime(i)), so creation times and session cut-offs are the same in
// both. The reference therefore reaches revision R of the store by running
// the stream until it has committed R - base times.
const (
	dirCrashPathEnv = "RAMAUTHZ_DIRECTORY_CRASH_PATH"
	dirCrashSeedEnv = "RAMAUTHZ_DIRECTORY_CRASH_SEED"
	dirCrashNextEnv = "RAMAUTHZ_DIRECTORY_CRASH_NEXT" // the first operation the child runs
	// dirKillCyclesDefault is the number of cycles of a plain go test;
	// .ci/run asks for 200 (killtest.CyclesEnv).
	dirKillCyclesDefault = 12
	dirCrashCompactEvery = 25 // the child compacts the store at every 25th revision
)

func TestMain(m *testing.M) {
	if path := os.Getenv(dirCrashPathEnv); path != "" {
		crashChild(path)
		os.Exit(3) // the child returns only on error
	}
	os.Exit(m.Run())
}

var crashT0 = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

// crashTime is the clock reading of operation i.
func crashTime(i int) time.Time { return crashT0.Add(time.Duration(i) * time.Second) }

// stepClock reads a time set by the stream; safe for concurrent use.
type stepClock struct{ ns atomic.Int64 }

func (c *stepClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *stepClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }

// The stream's names: a small universe, so that operations meet each
// other (attach what exists, delete what is attached, ...).
var (
	crashUsers    = []string{"u0", "u1", "u2", "u3", "u4"}
	crashGroups   = []string{"g0", "g1", "g2"}
	crashPolicies = []string{"P0", "P1", "P2", "P3"}
	crashRoles    = []string{"r0", "r1"}
	crashSystem   = []string{"AliyunARMSReadOnlyAccess", "AliyunSTSAssumeRoleAccess"}
	crashDocs     = []string{
		modelPolicies["P0"][0], modelPolicies["P0"][1], modelPolicies["P1"][0], modelPolicies["P2"][0], modelPolicies["P3"][0],
		doc(stmt("Deny", "oss:*", "*")),
		doc(stmt("Allow", "ram:*", "acs:ram:*:"+acct+":user/*")),
	}
)

// crashSetup creates what the stream assumes: the account, and account
// B's caller, which the probes' AssumeRole uses (the roles trust B's root).
func crashSetup(d *Directory, clk *stepClock) error {
	clk.set(crashTime(0))
	for _, a := range []string{acct, uidB} {
		if _, err := d.CreateAccount(a); err != nil {
			return err
		}
	}
	caller := userID(uidB, "caller")
	if _, err := d.CreateUser(caller); err != nil {
		return err
	}
	_, err := d.AttachPolicy(caller, sys("AliyunSTSAssumeRoleAccess"))
	return err
}

// crashKey returns the ID of the slot-th access key of user name (in
// creation order), or an ID no key has.
func crashKey(d *Directory, name string, slot int) string {
	u, err := d.GetUser(userID(acct, name))
	if err != nil || slot >= len(u.AccessKeys) {
		return "LTAI0000000000000000none"
	}
	ks := slices.Clone(u.AccessKeys)
	slices.SortStableFunc(ks, func(a, b AccessKey) int { return a.Created.Compare(b.Created) })
	return ks[slot].ID
}

// crashOp runs operation i of the stream of seed on d (whose clock the
// caller set to crashTime(i)) and describes it.
func crashOp(d *Directory, seed uint64, i int) (string, error) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	u, g, p, ro := pick(r, crashUsers), pick(r, crashGroups), pick(r, crashPolicies), pick(r, crashRoles)
	mode := DeleteMode(r.IntN(2)) // strict or cascade
	ref := custom(p)
	if r.IntN(4) == 0 {
		ref = sys(pick(r, crashSystem))
	}
	holder := userID(acct, u)
	switch r.IntN(3) {
	case 1:
		holder = groupID(acct, g)
	case 2:
		holder = roleID(acct, ro)
	}
	var err error
	var what string
	switch k := r.IntN(24); k {
	case 0, 1:
		what = "CreateUser " + u
		_, err = d.CreateUser(userID(acct, u))
	case 2:
		what = "DeleteUser " + u + " " + mode.String()
		_, err = d.DeleteUser(userID(acct, u), mode)
	case 3:
		what = "CreateGroup " + g
		_, err = d.CreateGroup(groupID(acct, g))
	case 4:
		what = "DeleteGroup " + g + " " + mode.String()
		_, err = d.DeleteGroup(groupID(acct, g), mode)
	case 5, 6:
		what = "AddUserToGroup " + u + " " + g
		_, err = d.AddUserToGroup(userID(acct, u), groupID(acct, g))
	case 7:
		what = "RemoveUserFromGroup " + u + " " + g
		_, err = d.RemoveUserFromGroup(userID(acct, u), groupID(acct, g))
	case 8:
		what = "CreatePolicy " + p
		_, err = d.CreatePolicy(acct, PolicySpec{Name: p, Document: pick(r, crashDocs)})
	case 9:
		what = "DeletePolicy " + p + " " + mode.String()
		_, err = d.DeletePolicy(acct, p, mode)
	case 10:
		what = "CreatePolicyVersion " + p
		_, _, err = d.CreatePolicyVersion(acct, p, VersionSpec{Document: pick(r, crashDocs), SetAsDefault: r.IntN(2) == 0,
			Rotate: RotateStrategy(r.IntN(2))})
	case 11:
		v := "v" + strconv.Itoa(1+r.IntN(8))
		what = "SetDefaultPolicyVersion " + p + " " + v
		_, err = d.SetDefaultPolicyVersion(acct, p, v)
	case 12:
		v := "v" + strconv.Itoa(1+r.IntN(8))
		what = "DeletePolicyVersion " + p + " " + v
		_, err = d.DeletePolicyVersion(acct, p, v)
	case 13, 14, 15:
		what = "AttachPolicy " + holder.String() + " " + ref.Name
		_, err = d.AttachPolicy(holder, ref)
	case 16, 17:
		what = "DetachPolicy " + holder.String() + " " + ref.Name
		_, err = d.DetachPolicy(holder, ref)
	case 18:
		what = "CreateAccessKey " + u
		_, _, err = d.CreateAccessKey(userID(acct, u))
	case 19:
		slot, st := r.IntN(2), KeyStatus(1+r.IntN(2))
		what = fmt.Sprintf("UpdateAccessKey %s#%d %d", u, slot, st)
		_, err = d.UpdateAccessKey(crashKey(d, u, slot), st)
	case 20:
		slot := r.IntN(2)
		what = fmt.Sprintf("DeleteAccessKey %s#%d", u, slot)
		_, err = d.DeleteAccessKey(crashKey(d, u, slot))
	case 21:
		what = "CreateRole " + ro
		_, err = d.CreateRole(roleID(acct, ro), RoleSpec{TrustPolicy: trustRoot, MaxSessionDuration: 43200})
	case 22:
		what = "DeleteRole " + ro + " " + mode.String()
		_, err = d.DeleteRole(roleID(acct, ro), mode)
	default:
		if r.IntN(2) == 0 {
			what = "RevokeAllSessions " + ro
			_, err = d.RevokeAllSessions(roleID(acct, ro))
		} else {
			back := time.Duration(r.IntN(40)) * time.Second
			what = "RevokeSessions " + ro + " -" + back.String()
			_, err = d.RevokeSessions(roleID(acct, ro), crashTime(i).Add(-back))
		}
	}
	return what, err
}

// crashOpen opens the store at path and a directory on it reading clk.
func crashOpen(path string, clk *stepClock) (*Directory, *filestore.Store, error) {
	fs, err := filestore.Open(path, filestore.Options{})
	if err != nil {
		return nil, nil, err
	}
	d, err := Open(context.Background(), fs, Options{KeyEncryptionKey: testKEK, Clock: clk.Now, AllowStale: true, PollInterval: time.Hour})
	if err != nil {
		fs.Close()
		return nil, nil, err
	}
	return d, fs, nil
}

// crashChild runs the stream from operation next until it is killed,
// writing "ready REV" once open and "ack I REV" for every operation I
// that committed revision REV (on stdout, a pipe: what was written
// before the kill reaches the parent).
func crashChild(path string) {
	seed, _ := strconv.ParseUint(os.Getenv(dirCrashSeedEnv), 10, 64)
	next, _ := strconv.Atoi(os.Getenv(dirCrashNextEnv))
	clk := &stepClock{}
	clk.set(crashTime(next))
	d, fs, err := crashOpen(path, clk)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return
	}
	fmt.Fprintf(os.Stdout, "ready %d\n", d.Revision())
	for i := next; ; i++ {
		clk.set(crashTime(i))
		before := d.Revision()
		what, err := crashOp(d, seed, i)
		if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict) {
			fmt.Fprintf(os.Stderr, "child op %d %s: %v\n", i, what, err)
			return
		}
		after := d.Revision()
		if after == before {
			continue
		}
		if after != before+1 {
			fmt.Fprintf(os.Stderr, "child op %d %s: revision %d -> %d\n", i, what, before, after)
			return
		}
		if after%dirCrashCompactEvery == 0 {
			if err := fs.Compact(context.Background(), after-10); err != nil {
				fmt.Fprintln(os.Stderr, "child compact:", err)
				return
			}
		}
		fmt.Fprintf(os.Stdout, "ack %d %d\n", i, after)
	}
}

// crashErrClass names the sentinel err unwraps to ("" for nil): decisions
// are compared with their errors' classes, since the messages name
// AccessKeyIds, which differ between the two directories.
func crashErrClass(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range []error{ErrInvalid, ErrNotFound, ErrKeyNotFound, ErrKeyInactive, ErrTokenMalformed, ErrTokenExpired,
		ErrTokenRevoked, ErrTokenKeyMismatch, ErrNoPermission, ErrExists, ErrInUse, ErrLimit, ErrStale, ErrUnavailable} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other: " + err.Error()
}

// crashProbe returns, one line each, the decisions of d for a fixed probe
// set at clock reading now: every user of the universe by ID and by each
// of its access keys, and a session of every role issued 30 s and 2 s
// before now (so that the roles' cut-offs decide), for modelRequests.
func crashProbe(d *Directory, clk *stepClock, now time.Time) []string {
	var out []string
	add := func(who string, reqNo int, res Result, err error) {
		out = append(out, fmt.Sprintf("%s req%d: %v %s", who, reqNo, res.Decision, crashErrClass(err)))
	}
	clk.set(now)
	for _, u := range crashUsers {
		for n, rq := range modelRequests {
			res, err := d.Authorize(userID(acct, u), rq)
			add(u, n, res, err)
		}
		for slot := range 2 {
			k := crashKey(d, u, slot)
			for n, rq := range modelRequests {
				res, err := d.AuthorizeAccessKey(k, rq)
				add(fmt.Sprintf("%s#%d", u, slot), n, res, err)
			}
		}
	}
	for _, ro := range crashRoles {
		for _, ago := range []time.Duration{30 * time.Second, 2 * time.Second} {
			clk.set(now.Add(-ago))
			s, err := d.AssumeRole(AssumeRoleInput{Caller: userID(uidB, "caller"), Role: roleID(acct, ro), SessionName: "probe"})
			clk.set(now)
			who := fmt.Sprintf("%s -%v", ro, ago)
			if err != nil {
				out = append(out, who+" AssumeRole: "+crashErrClass(err))
				continue
			}
			for n, rq := range modelRequests {
				res, err := d.AuthorizeSession(s.Credentials.AccessKeyID, s.Credentials.SecurityToken.Reveal(), rq)
				add(who, n, res, err)
			}
		}
	}
	return out
}

// crashState describes d's account without the values that differ between
// two directories running the same stream (AccessKeyIds, RoleIds,
// revisions).
func crashState(d *Directory) []string {
	var out []string
	for _, u := range crashUsers {
		info, err := d.GetUser(userID(acct, u))
		if err != nil {
			out = append(out, "user "+u+": "+crashErrClass(err))
			continue
		}
		ks := slices.Clone(info.AccessKeys)
		slices.SortStableFunc(ks, func(a, b AccessKey) int { return a.Created.Compare(b.Created) })
		var keys []string
		for _, k := range ks {
			keys = append(keys, fmt.Sprintf("%d@%s", k.Status, k.Created.Format(time.RFC3339)))
		}
		out = append(out, fmt.Sprintf("user %s %s groups %v policies %v keys %v", u, info.Created.Format(time.RFC3339), info.Groups, info.Policies, keys))
	}
	for _, g := range crashGroups {
		info, err := d.GetGroup(groupID(acct, g))
		if err != nil {
			out = append(out, "group "+g+": "+crashErrClass(err))
			continue
		}
		out = append(out, fmt.Sprintf("group %s %s members %v policies %v", g, info.Created.Format(time.RFC3339), info.Members, info.Policies))
	}
	for _, p := range crashPolicies {
		info, err := d.GetPolicy(acct, custom(p))
		if err != nil {
			out = append(out, "policy "+p+": "+crashErrClass(err))
			continue
		}
		vs, err := d.ListPolicyVersions(acct, custom(p))
		var vl []string
		for _, v := range vs {
			vl = append(vl, fmt.Sprintf("%s/%t/%s/%s", v.ID, v.IsDefault, v.Created.Format(time.RFC3339), v.Document))
		}
		out = append(out, fmt.Sprintf("policy %s default %s attached %v versions %v %s", p, info.DefaultVersion, info.AttachedTo, vl, crashErrClass(err)))
	}
	for _, ro := range crashRoles {
		info, err := d.GetRole(roleID(acct, ro))
		if err != nil {
			out = append(out, "role "+ro+": "+crashErrClass(err))
			continue
		}
		out = append(out, fmt.Sprintf("role %s %s policies %v revoked before %s", ro, info.Created.Format(time.RFC3339), info.Policies,
			info.RevokedBefore.Format(time.RFC3339Nano)))
	}
	return out
}

// TestKillNineDirectory: a child process mutates a directory on a file
// store and is killed with SIGKILL at random moments (while opening,
// between and during commits, during compactions). After every kill the
// reopened directory holds every acknowledged commit, at most the one in
// flight besides, whole, at contiguous revisions, and its state and its
// decisions for a fixed probe set equal those of a reference directory in
// memory that ran the same stream up to the recovered revision. The next
// child continues the stream from there.
func TestKillNineDirectory(t *testing.T) {
	cycles := killtest.Cycles(t, dirKillCyclesDefault)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d cycles", seed, cycles)
	rng := rand.New(rand.NewPCG(seed, 2))
	path := t.TempDir()

	clk := &stepClock{}
	d, fs, err := crashOpen(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	if err := crashSetup(d, clk); err != nil {
		t.Fatal(err)
	}
	base := d.Revision()
	_ = d.Close()
	_ = fs.Close()
	refClk := &stepClock{}
	ref, err := New(Options{KeyEncryptionKey: testKEK, Clock: refClk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := crashSetup(ref, refClk); err != nil {
		t.Fatal(err)
	}
	refBase := ref.Revision()

	next := 1                   // the next operation of the stream
	acked := base               // the last acknowledged revision
	opOf := map[Revision]int{}  // the operation that committed each acknowledged revision
	refOp := map[Revision]int{} // the same, as the reference ran the stream
	var total, landed, early, compared int
	kinds := map[string]int{} // committed operations by kind, as the reference ran them
	for cycle := range cycles {
		child := killtest.Start(t, dirCrashPathEnv+"="+path, dirCrashSeedEnv+"="+strconv.FormatUint(seed, 10),
			dirCrashNextEnv+"="+strconv.Itoa(next))
		// Kill at a random moment: half the time counted from the start
		// (it may fall in Open), half the time from "ready".
		delay := time.Duration(rng.IntN(60_000)) * time.Microsecond
		var timer <-chan time.Time
		if rng.IntN(2) == 0 {
			timer = time.After(delay)
		}
		ready := false
		read := func(l string) {
			f := strings.Fields(l)
			switch {
			case len(f) == 2 && f[0] == "ready":
				if rev, _ := strconv.ParseUint(f[1], 10, 64); Revision(rev) != acked {
					t.Fatalf("cycle %d: child opened at revision %d, acknowledged %d", cycle, rev, acked)
				}
				ready = true
			case len(f) == 3 && f[0] == "ack":
				op, _ := strconv.Atoi(f[1])
				rev, _ := strconv.ParseUint(f[2], 10, 64)
				if Revision(rev) != acked+1 {
					t.Fatalf("cycle %d: child acknowledged revision %d after %d", cycle, rev, acked)
				}
				acked = Revision(rev)
				opOf[acked] = op
				total++
			default:
				t.Fatalf("cycle %d: child wrote %q", cycle, l)
			}
		}
	wait:
		for {
			select {
			case l, ok := <-child.Lines:
				if !ok {
					t.Fatalf("cycle %d: child exited before the kill: %s", cycle, child.Stderr())
				}
				read(l)
				if ready && timer == nil {
					timer = time.After(delay)
				}
			case <-timer:
				break wait
			}
		}
		child.Kill(t)
		for l := range child.Lines {
			read(l)
		}
		child.Wait(t)
		if !ready {
			early++
		}

		clk.set(crashTime(next))
		d, fs, err := crashOpen(path, clk)
		if err != nil {
			t.Fatalf("cycle %d: reopen after the kill: %v", cycle, err)
		}
		h, err := fs.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := d.Revision()
		if got != h.Rev {
			t.Fatalf("cycle %d: directory at revision %d, store at %d", cycle, got, h.Rev)
		}
		if got < acked || got > acked+1 {
			t.Fatalf("cycle %d: recovered revision %d, acknowledged %d: an acknowledged commit was lost or more than the one in flight landed", cycle, got, acked)
		}
		if got == acked+1 {
			landed++
		}
		// The feed the store kept is contiguous up to the head.
		cs, err := fs.Changes(context.Background(), h.Compacted, 1<<30)
		if err != nil {
			t.Fatalf("cycle %d: feed: %v", cycle, err)
		}
		for j, c := range cs {
			if c.Rev != h.Compacted+Revision(j)+1 {
				t.Fatalf("cycle %d: feed change %d has revision %d after compaction point %d", cycle, j, c.Rev, h.Compacted)
			}
		}
		if len(cs) != int(h.Rev-h.Compacted) {
			t.Fatalf("cycle %d: feed holds %d changes, want %d", cycle, len(cs), h.Rev-h.Compacted)
		}

		// The reference runs the stream until it has committed as often.
		for ref.Revision()-refBase < got-base {
			refClk.set(crashTime(next))
			before := ref.Revision()
			what, err := crashOp(ref, seed, next)
			if errors.Is(err, ErrUnavailable) {
				t.Fatalf("reference op %d %s: %v", next, what, err)
			}
			if after := ref.Revision(); after != before {
				if after != before+1 {
					t.Fatalf("reference op %d %s: revision %d -> %d", next, what, before, after)
				}
				rev := base + (after - refBase)
				refOp[rev] = next
				kinds[firstWord(what)]++
				if op, ok := opOf[rev]; ok && op != next {
					t.Fatalf("cycle %d: revision %d was committed by operation %d in the child, %d (%s) in the reference", cycle, rev, op, next, what)
				}
			}
			next++
			if next > 1_000_000 {
				t.Fatalf("cycle %d: the reference never reached revision %d", cycle, got)
			}
		}
		if got == acked+1 {
			opOf[got] = refOp[got]
			acked = got
		}
		now := crashTime(next)
		if gs, ws := crashState(d), crashState(ref); !slices.Equal(gs, ws) {
			t.Fatalf("cycle %d, revision %d: state differs from the reference's:\n%s", cycle, got, lineDiff(gs, ws))
		}
		refClk.set(now)
		if gp, wp := crashProbe(d, clk, now), crashProbe(ref, refClk, now); !slices.Equal(gp, wp) {
			t.Fatalf("cycle %d, revision %d: decisions differ from the reference's:\n%s", cycle, got, lineDiff(gp, wp))
		} else {
			compared += len(gp)
		}
		_ = d.Close()
		if err := fs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d cycles: %d acknowledged commits, all recovered; the commit in flight landed %d times; %d kills before the child was ready; "+
		"%d operations run, final revision %d; %d probe decisions compared; commits by operation: %v",
		cycles, total, landed, early, next-1, acked, compared, kinds)
	if total == 0 || acked-base < 20 {
		t.Fatalf("%d commits acknowledged: the test exercised nothing", total)
	}
}

// lineDiff lists the lines where got and want differ.
func lineDiff(got, want []string) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "  got:  %s\n  want: %s\n", g, w)
		}
	}
	return b.String()
}
