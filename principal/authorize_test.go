package principal

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
)

const (
	allow    = evaluator.Allow
	implicit = evaluator.ImplicitDeny
	explicit = evaluator.ExplicitDeny
)

func req(action, resource string) evaluator.Request {
	return evaluator.Request{Action: action, Resource: resource}
}

func userARN(uid, name string) string { return "acs:ram::" + uid + ":user/" + name }

// enterpriseA builds the Enterprise A scenario: one user per job.
func enterpriseA(t testing.TB) *Directory {
	t.Helper()
	d, _ := newDir(t, uidA)
	for _, n := range []string{"ecs-ops", "rds-reader", "arms-reader"} {
		_, err := d.CreateUser(uidA, n)
		require.NoError(t, err)
	}
	_, err := d.CreatePolicy(uidA, "EcsOperations", "", docAllow("ecs:*", "acs:ecs:*:"+uidA+":instance/*"))
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "RdsReadOnly", "", docAllow("rds:Describe*", "*"))
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse(userARN(uidA, "ecs-ops")), Custom, "EcsOperations"))
	require.NoError(t, d.AttachPolicy(MustParse(userARN(uidA, "rds-reader")), Custom, "RdsReadOnly"))
	require.NoError(t, d.AttachPolicy(MustParse(userARN(uidA, "arms-reader")), System, "AliyunARMSReadOnlyAccess"))
	return d
}

var (
	jobECS  = req("ecs:StopInstance", "acs:ecs:cn-hangzhou:"+uidA+":instance/i-1")
	jobRDS  = req("rds:DescribeDBInstances", "acs:rds:cn-hangzhou:"+uidA+":dbinstance/rm-1")
	jobARMS = req("arms:ListDashboards", "acs:arms:cn-hangzhou:"+uidA+":dashboard/d-1")
)

func decide(t *testing.T, d *Directory, who string, r evaluator.Request) evaluator.Decision {
	t.Helper()
	dec, err := d.Authorize(who, r)
	require.NoError(t, err)
	return dec
}

func TestEnterpriseA(t *testing.T) {
	d := enterpriseA(t)
	tests := []struct {
		user string
		r    evaluator.Request
		want evaluator.Decision
	}{
		{"ecs-ops", jobECS, allow},
		{"ecs-ops", jobRDS, implicit},
		{"ecs-ops", jobARMS, implicit},
		{"ecs-ops", req("ecs:StopInstance", "acs:ecs:cn-hangzhou:"+uidB+":instance/i-1"), implicit},
		{"rds-reader", jobRDS, allow},
		{"rds-reader", req("rds:DeleteDBInstance", jobRDS.Resource), implicit},
		{"rds-reader", jobECS, implicit},
		{"arms-reader", jobARMS, allow},
		{"arms-reader", req("arms:DeleteAlertRules", jobARMS.Resource), implicit},
		{"arms-reader", req("xtrace:SearchTrace", "*"), implicit},
		{"arms-reader", jobECS, implicit},
	}
	for _, tc := range tests {
		t.Run(tc.user+" "+tc.r.Action, func(t *testing.T) {
			assert.Equal(t, tc.want, decide(t, d, userARN(uidA, tc.user), tc.r))
		})
	}

	t.Run("revoke one permission", func(t *testing.T) {
		require.Equal(t, allow, decide(t, d, userARN(uidA, "rds-reader"), jobRDS))
		require.NoError(t, d.DetachPolicy(MustParse(userARN(uidA, "rds-reader")), Custom, "RdsReadOnly"))
		assert.Equal(t, implicit, decide(t, d, userARN(uidA, "rds-reader"), jobRDS))
	})
	t.Run("delete a user", func(t *testing.T) {
		key, err := d.CreateAccessKey(uidA, "ecs-ops")
		require.NoError(t, err)
		require.Equal(t, allow, decide(t, d, key.ID, jobECS))
		require.NoError(t, d.DeleteUser(uidA, "ecs-ops", Cascade))
		for _, who := range []string{userARN(uidA, "ecs-ops"), key.ID} {
			dec, err := d.Authorize(who, jobECS)
			assert.Equal(t, implicit, dec)
			assert.ErrorIs(t, err, ErrNotFound)
		}
		_, err = d.ResolveAccessKey(key.ID)
		assert.ErrorIs(t, err, ErrNotFound)
		// A new user with the old name inherits nothing.
		_, err = d.CreateUser(uidA, "ecs-ops")
		require.NoError(t, err)
		assert.Equal(t, implicit, decide(t, d, userARN(uidA, "ecs-ops"), jobECS))
	})
}

// Every kind of mutation that can change a decision is seen by the next
// decision, after the evaluator has been cached.
func TestAuthorizeSeesEveryChange(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "g1")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "g2")
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "AllowOss", "", docAllow("oss:*", "*"))
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "DenyPut", "", docDeny("oss:Put*", "*"))
	require.NoError(t, err)
	alice := MustParse(userARN(uidA, "alice"))
	g1 := MustParse("acs:ram::" + uidA + ":group/g1")
	g2 := MustParse("acs:ram::" + uidA + ":group/g2")
	put := req("oss:PutObject", "acs:oss:*:"+uidA+":b/k")
	key, err := d.CreateAccessKey(uidA, "alice")
	require.NoError(t, err)

	steps := []struct {
		name   string
		mutate func() error
		want   evaluator.Decision
	}{
		{"nothing attached", func() error { return nil }, implicit},
		{"attach to group", func() error { return d.AttachPolicy(g1, Custom, "AllowOss") }, implicit},
		{"join group", func() error { return d.AddUserToGroup(uidA, "alice", "g1") }, allow},
		{"deny in another group", func() error {
			if err := d.AttachPolicy(g2, Custom, "DenyPut"); err != nil {
				return err
			}
			return d.AddUserToGroup(uidA, "alice", "g2")
		}, explicit},
		{"new default version of the deny", func() error {
			_, err := d.CreatePolicyVersion(uidA, "DenyPut", docDeny("oss:Delete*", "*"), true, RotateNone)
			return err
		}, allow},
		{"back to v1", func() error { return d.SetDefaultPolicyVersion(uidA, "DenyPut", "v1") }, explicit},
		{"leave deny group", func() error { return d.RemoveUserFromGroup(uidA, "alice", "g2") }, allow},
		{"group deleted", func() error { return d.DeleteGroup(uidA, "g1", Cascade) }, implicit},
		{"attach directly", func() error { return d.AttachPolicy(alice, Custom, "AllowOss") }, allow},
		{"detach", func() error { return d.DetachPolicy(alice, Custom, "AllowOss") }, implicit},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			require.NoError(t, st.mutate())
			assert.Equal(t, st.want, decide(t, d, alice.String(), put))
			assert.Equal(t, st.want, decide(t, d, key.ID, put), "by access key")
			assert.Equal(t, st.want, decide(t, d, alice.String(), put), "cached")
		})
	}
	t.Run("inactive key", func(t *testing.T) {
		require.NoError(t, d.UpdateAccessKey(uidA, "alice", key.ID, Inactive))
		dec, err := d.Authorize(key.ID, put)
		assert.Equal(t, implicit, dec)
		assert.ErrorIs(t, err, ErrInactive)
	})
}

func TestAuthorizePrincipals(t *testing.T) {
	d := enterpriseA(t)
	_, err := d.CreateRole(uidA, RoleSpec{Name: "r", TrustPolicy: trustRoot(uidA)})
	require.NoError(t, err)
	tests := []struct {
		name     string
		who      string
		r        evaluator.Request
		want     evaluator.Decision
		sentinel error
	}{
		{"user", userARN(uidA, "ecs-ops"), jobECS, allow, nil},
		{"user with star region", "acs:ram:*:" + uidA + ":user/ecs-ops", jobECS, allow, nil},
		{"unknown user", userARN(uidA, "nobody"), jobECS, implicit, ErrNotFound},
		{"unknown account", userARN(uidB, "ecs-ops"), jobECS, implicit, ErrNotFound},
		{"unknown key", "LTAIxxxxxxxxxxxxxxxxxxxx", jobECS, implicit, ErrNotFound},
		{"garbage", "", jobECS, implicit, ErrNotFound},
		{"role itself", "acs:ram::" + uidA + ":role/r", jobECS, implicit, ErrInvalid},
		{"unknown session", "acs:ram::" + uidA + ":role/r/s1", jobECS, implicit, ErrNotFound},
		{"root own resource", "acs:ram::" + uidA + ":root", jobECS, allow, nil},
		{"root own resource any action", "acs:ram::" + uidA + ":root", req("ram:DeleteUser", "acs:ram::"+uidA+":user/x"), allow, nil},
		{"root other account", "acs:ram::" + uidA + ":root", req("ecs:StopInstance", "acs:ecs:cn:"+uidB+":instance/i"), implicit, nil},
		{"root wildcard resource", "acs:ram::" + uidA + ":root", req("ecs:StopInstance", "*"), implicit, nil},
		{"root of unknown account", "acs:ram::" + uidB + ":root", jobECS, implicit, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := d.Authorize(tc.who, tc.r)
			assert.Equal(t, tc.want, dec)
			if tc.sentinel == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.sentinel)
			}
		})
	}
}

func TestAuthorizeSetsPrincipal(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	// A statement with a Principal element cannot appear in an identity
	// policy, so check the principal through the condition-free path:
	// Explain reports the decision with the same inputs Decide sees.
	_, err = d.CreatePolicy(uidA, "P", "", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse(userARN(uidA, "alice")), Custom, "P"))
	x, err := d.Explain(userARN(uidA, "alice"), jobECS)
	require.NoError(t, err)
	assert.Equal(t, allow, x.Decision)
	require.Len(t, x.Matched, 1)
	assert.Equal(t, "P", x.Matched[0].PolicyID)
	_, err = d.Explain(userARN(uidA, "bob"), jobECS)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestResourceAccount(t *testing.T) {
	tests := map[string]string{
		"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1": uidA,
		"acs:ram::" + uidA + ":user/x":                  uidA,
		"acs:oss:*:*:bucket":                            "*",
		"*":                                             "",
		"acs:ecs:cn":                                    "",
		"arn:ecs:cn:" + uidA + ":x":                     "",
	}
	for in, want := range tests {
		assert.Equal(t, want, resourceAccount(in), in)
	}
}

func TestAuthorizeNoAllocsOnCacheHit(t *testing.T) {
	d, userID, key := withGroups(t)
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":bucket-3/obj")
	ctx := &evaluator.Context{}
	ctx.Set("acs:SourceIp", "10.1.2.3")
	r.Context = ctx
	require.Equal(t, allow, decide(t, d, userID, r))
	for _, who := range []string{userID, key, "acs:ram::" + uidA + ":root"} {
		allocs := testing.AllocsPerRun(100, func() {
			if dec, err := d.Authorize(who, r); dec != allow || err != nil {
				t.Fatalf("%s: %v %v", who, dec, err)
			}
		})
		assert.Zero(t, allocs, who)
	}
}

// withGroups builds a user in 3 groups with 10 attached policies in all
// (the benchmark's policy set) and returns the user's ARN and access key.
func withGroups(t testing.TB) (*Directory, string, string) {
	t.Helper()
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	alice := MustParse(userARN(uidA, "alice"))
	docs := benchDocs()
	for i, doc := range docs {
		_, err := d.CreatePolicy(uidA, "P"+itoa(i), "", doc)
		require.NoError(t, err)
	}
	for gi := range 3 {
		gn := "g" + itoa(gi)
		_, err := d.CreateGroup(uidA, gn)
		require.NoError(t, err)
		require.NoError(t, d.AddUserToGroup(uidA, "alice", gn))
		gid := MustParse("acs:ram::" + uidA + ":group/" + gn)
		for pi := gi * 3; pi < gi*3+3; pi++ {
			require.NoError(t, d.AttachPolicy(gid, Custom, "P"+itoa(pi)))
		}
	}
	require.NoError(t, d.AttachPolicy(alice, Custom, "P9"))
	require.NoError(t, d.AttachPolicy(alice, System, "AliyunARMSReadOnlyAccess"))
	k, err := d.CreateAccessKey(uidA, "alice")
	require.NoError(t, err)
	return d, alice.String(), k.ID
}

// benchDocs returns 10 custom policies of realistic shape (with the system
// policy AliyunARMSReadOnlyAccess they make 11 documents; the benchmark
// user has 10 attachments: 9 through groups, P9 and the system policy
// directly, minus none: see withGroups).
func benchDocs() []string {
	var out []string
	for i := range 10 {
		n := itoa(i)
		out = append(out, `{"Version":"1","Statement":[`+
			`{"Effect":"Allow","Action":["oss:GetObject","oss:ListObjects"],"Resource":"acs:oss:*:`+uidA+`:bucket-`+n+`/*",`+
			`"Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}},`+
			`{"Effect":"Allow","Action":["ecs:Describe*","ecs:Start`+n+`*"],"Resource":"*"},`+
			`{"Effect":"Deny","Action":"oss:Delete*","Resource":"acs:oss:*:`+uidA+`:bucket-`+n+`/protected/*"}]}`)
	}
	return out
}

// TestAuthorizeConcurrent runs decisions while another goroutine attaches,
// detaches, changes memberships and deletes and recreates the user. Each
// decision must equal the decision of a state that existed while it ran:
// the generation is read before and after each decision, and the writer
// records the expected outcome of every generation it creates.
func TestAuthorizeConcurrent(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "deny")
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "Allow", "", docAllow("oss:*", "*"))
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "Deny", "", docDeny("oss:*", "*"))
	require.NoError(t, err)
	require.NoError(t, d.AttachPolicy(MustParse("acs:ram::"+uidA+":group/deny"), Custom, "Deny"))
	alice := MustParse(userARN(uidA, "alice"))
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/k")

	const gone = evaluator.Decision(99) // "deleted": ImplicitDeny with ErrNotFound
	var expected sync.Map               // generation → decision
	expected.Store(d.Generation(), implicit)
	type obs struct {
		g1, g2 uint64
		dec    evaluator.Decision
	}
	var stop atomic.Bool
	var observed atomic.Int64
	var wg sync.WaitGroup
	results := make([][]obs, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				g1 := d.Generation()
				dec, err := d.Authorize(alice.String(), r)
				g2 := d.Generation()
				if err != nil {
					if !errors.Is(err, ErrNotFound) || dec != implicit {
						t.Errorf("unexpected %v %v", dec, err)
						return
					}
					dec = gone
				}
				results[i] = append(results[i], obs{g1, g2, dec})
				observed.Add(1)
			}
		}()
	}
	steps := []struct {
		f    func() error
		want evaluator.Decision
	}{
		{func() error { return d.AttachPolicy(alice, Custom, "Allow") }, allow},
		{func() error { return d.AddUserToGroup(uidA, "alice", "deny") }, explicit},
		{func() error { return d.RemoveUserFromGroup(uidA, "alice", "deny") }, allow},
		{func() error { return d.DetachPolicy(alice, Custom, "Allow") }, implicit},
		{func() error { return d.AttachPolicy(alice, Custom, "Allow") }, allow},
		{func() error { return d.DeleteUser(uidA, "alice", Cascade) }, gone},
		{func() error { _, err := d.CreateUser(uidA, "alice"); return err }, implicit},
	}
	// Run at least 150 rounds, and more until the readers have made enough
	// observations (they may be scheduled late on a busy machine).
	for round := 0; round < 150 || (observed.Load() < 5000 && round < 100000); round++ {
		for _, s := range steps {
			require.NoError(t, s.f())
			expected.Store(d.Generation(), s.want)
		}
	}
	stop.Store(true)
	wg.Wait()
	total := 0
	for _, rs := range results {
		for _, o := range rs {
			total++
			ok := false
			for g := o.g1; g <= o.g2 && !ok; g++ {
				if w, found := expected.Load(g); found && w == o.dec {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("decision %v between generations %d and %d matches no state", o.dec, o.g1, o.g2)
			}
		}
	}
	assert.Positive(t, total)
}

func BenchmarkAuthorize(b *testing.B) {
	d, userID, _ := withGroups(b)
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":bucket-3/obj")
	ctx := &evaluator.Context{}
	ctx.Set("acs:SourceIp", "10.1.2.3")
	r.Context = ctx
	var sink evaluator.Decision

	b.Run("user-with-groups", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = d.Authorize(userID, r)
		}
	})
	b.Run("raw-decide", func(b *testing.B) {
		// The same policy set compiled once, decided without the directory.
		d.mu.RLock()
		u := d.users[userID]
		c := d.compileUser(u)
		d.mu.RUnlock()
		require.NoError(b, c.err)
		rr := r
		rr.Principal = evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: uidA, ARN: userID}
		b.ReportAllocs()
		for b.Loop() {
			sink = c.ev.Decide(rr)
		}
	})
	b.Run("after-change", func(b *testing.B) {
		// Each iteration changes an attachment and then decides: the
		// decision pays for the recompilation of the user's policy set.
		alice := MustParse(userID)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var err error
			if i%2 == 0 {
				err = d.DetachPolicy(alice, Custom, "P9")
			} else {
				err = d.AttachPolicy(alice, Custom, "P9")
			}
			if err != nil {
				b.Fatal(err)
			}
			i++
			sink, _ = d.Authorize(userID, r)
		}
	})
	if sink == 99 {
		b.Log("unreachable")
	}
}
