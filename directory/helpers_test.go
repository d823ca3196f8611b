package directory

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

const (
	uidA = "1234567890123456"
	uidB = "6543210987654321"
	uidC = "1111111111111111"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clock is an injected clock; reading it is one atomic load.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock { c := &clock{}; c.Set(t); return c }
func (c *clock) Now() time.Time   { return *c.t.Load() }
func (c *clock) Set(t time.Time)  { c.t.Store(&t) }
func (c *clock) Add(d time.Duration) {
	c.Set(c.Now().Add(d))
}

type fixture struct {
	d   *Directory
	clk *clock
}

func newFixture(t testing.TB, opts ...func(*Options)) *fixture {
	t.Helper()
	clk := newClock(t0)
	o := Options{Clock: clk.Now}
	for _, f := range opts {
		f(&o)
	}
	d, err := New(o)
	require.NoError(t, err)
	for _, a := range []string{uidA, uidB, uidC} {
		_, err := d.CreateAccount(a)
		require.NoError(t, err)
	}
	return &fixture{d: d, clk: clk}
}

func doc(statements ...string) string {
	return `{"Version":"1","Statement":[` + strings.Join(statements, ",") + `]}`
}

func stmt(effect, action, resource string) string {
	return `{"Effect":"` + effect + `","Action":"` + action + `","Resource":"` + resource + `"}`
}

func trustRAM(effect string, principals ...string) string {
	return `{"Effect":"` + effect + `","Action":"sts:AssumeRole","Principal":{"RAM":["` + strings.Join(principals, `","`) + `"]}}`
}

func rootARN(uid string) string { return "acs:ram::" + uid + ":root" }

func userID(uid, n string) principal.ID  { return must(principal.UserID(uid, n)) }
func groupID(uid, n string) principal.ID { return must(principal.GroupID(uid, n)) }
func roleID(uid, n string) principal.ID  { return must(principal.RoleID(uid, n)) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func custom(n string) PolicyRef { return PolicyRef{PolicyCustom, n} }
func sys(n string) PolicyRef    { return PolicyRef{PolicySystem, n} }

// user creates user name in uid with one custom policy per document.
func (f *fixture) user(t testing.TB, uid, name string, docs ...string) principal.ID {
	t.Helper()
	id := userID(uid, name)
	_, err := f.d.CreateUser(id)
	require.NoError(t, err)
	for i, dc := range docs {
		pn := name + "-p" + string(rune('0'+i))
		_, err := f.d.CreatePolicy(uid, PolicySpec{Name: pn, Document: dc})
		require.NoError(t, err)
		_, err = f.d.AttachPolicy(id, custom(pn))
		require.NoError(t, err)
	}
	return id
}

// role creates role name in uid with the trust document and system
// policies attached.
func (f *fixture) role(t testing.TB, uid, name, trust string, maxSession int, system ...string) principal.ID {
	t.Helper()
	var refs []PolicyRef
	for _, s := range system {
		refs = append(refs, sys(s))
	}
	id := roleID(uid, name)
	_, err := f.d.CreateRole(id, RoleSpec{TrustPolicy: trust, MaxSessionDuration: maxSession, Policies: refs})
	require.NoError(t, err)
	return id
}

func (f *fixture) assume(t testing.TB, caller, role principal.ID) AssumeRoleOutput {
	t.Helper()
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1"})
	require.NoError(t, err)
	return out
}

func creds(o AssumeRoleOutput) SessionCredentials {
	return SessionCredentials{o.Credentials.AccessKeyID, o.Credentials.SecurityToken.Reveal()}
}

func req(action, resource string) evaluator.Request {
	return evaluator.Request{Action: action, Resource: resource}
}

// requireErr checks the sentinel and that the error is an *Error.
func requireErr(t *testing.T, err error, sentinel error) *Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var e *Error
	require.True(t, errors.As(err, &e), "want *Error, got %T", err)
	return e
}

var allowAssumeAny = doc(stmt("Allow", "sts:AssumeRole", "*"))

// mallocs counts the heap allocations made while fn runs. The collector
// is off meanwhile: MemStats counts the whole process, and a collection
// wakes background work that allocates on goroutines of its own (the
// runtime starts cleanup goroutines for the interner's collected sets).
// One CI run counted such an allocation against a decision that makes
// none.
func mallocs(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m1)
	fn()
	runtime.ReadMemStats(&m2)
	return m2.Mallocs - m1.Mallocs
}

// advanceSynced is step's advance for directories on a store: it moves clk
// and then has each directory confirm the store's head at the new time, as
// one polling every PollInterval would have done long before a jump of
// minutes. Without it the staleness tick (MaxStaleness/10) can land between
// the jump and the directory's next poll and mark it stale: the model's
// 7-minute jumps exceed MaxStaleness (30 s), and under load
// TestReplicaPatchMatchesRebuild's writer refused an AssumeRole that way.
func advanceSynced(t testing.TB, clk *clock, dirs ...**Directory) func(time.Duration) {
	return func(d time.Duration) {
		clk.Add(d)
		for _, dir := range dirs {
			_, err := (*dir).Sync(context.Background())
			require.NoError(t, err)
		}
	}
}
