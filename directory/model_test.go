package directory

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// Carried over from internal/hardening's TestDirectoryMatchesModel to the
// new directory: sessions now come from AssumeRole (a caller of account B
// trusted by the roles) and are presented by their credentials; gone keys
// and sessions answer with the new sentinels.
//
// The directory property: after every change of a random sequence, every
// principal that ever existed is decided exactly as a model recomputes it
// from what is in force: the default versions of the policies attached to a
// user and its current groups, or, for a role session that is live (not
// expired, not issued before the role's revocation cut-off, its role not
// deleted), its session policy first and then the role's attachments.
// Principals that are gone answer with an error and ImplicitDeny.
//
// Equality with the model is stronger than "a detached policy, a deleted
// user or role, an expired or revoked session never yields an allow": it
// also catches a stale cache that keeps denying, and it is checked after
// every single change.

const acct = uidA

// Policies of the model. P0 has two versions that the sequence switches
// between.
var modelPolicies = map[string][]string{
	"P0": {
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`,
	},
	"P1": {`{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}]}`},
	"P2": {`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"acs:oss:*:*:b/*"}]}`},
	"P3": {`{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}]}`},
}

var sessionPolicies = []string{
	"",
	`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`,
	`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*","ecs:*"],"Resource":"*"},{"Effect":"Deny","Action":"ecs:Run*","Resource":"*"}]}`,
}

var modelRequests = []evaluator.Request{
	{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"},
	{Action: "ecs:DeleteInstance", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"},
	{Action: "ecs:RunInstances", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"},
	{Action: "oss:GetObject", Resource: "acs:oss:cn-hangzhou:" + acct + ":b/o"},
	{Action: "oss:PutObject", Resource: "acs:oss:cn-hangzhou:" + acct + ":b/o"},
	{Action: "ram:CreateUser", Resource: "acs:ram:*:" + acct + ":user/x"},
}

const trustRoot = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::` + uidB + `:root"}}]}`

type mUser struct {
	exists bool
	att    map[string]bool
	groups map[string]bool
}

type mRole struct {
	exists  bool
	att     map[string]bool
	revoked time.Time
}

type mSession struct {
	creds   SessionCredentials
	role    string
	gen     int // incarnation of the role it belongs to
	policy  string
	issued  time.Time
	expires time.Time
}

type mKey struct {
	user   string
	gen    int // incarnation of the user it belongs to
	active bool
	gone   bool
}

// model mirrors the directory's state.
type model struct {
	now      time.Time
	users    map[string]*mUser
	userGen  map[string]int
	groups   map[string]map[string]bool // group -> attachments; nil when absent
	roles    map[string]*mRole
	roleGen  map[string]int
	sessions []*mSession
	keys     map[string]*mKey
	def      map[string]int // policy -> default version index
	seen     map[string]int // outcomes checked, by decision or error
	// compiled memoizes the model's evaluators by policy set and P0
	// version (the model's own, built from the documents, not the
	// directory's).
	compiled map[string]*evaluator.Evaluator
}

func (m *model) decideDocs(t *testing.T, names map[string]bool, r evaluator.Request) evaluator.Decision {
	sorted := slices.Sorted(mapKeys(names))
	memo := strconv.Itoa(m.def["P0"]) + strings.Join(sorted, ",")
	e, ok := m.compiled[memo]
	if !ok {
		var ps []evaluator.Policy
		for _, n := range sorted {
			d, err := policy.Parse([]byte(modelPolicies[n][m.def[n]]))
			require.NoError(t, err)
			ps = append(ps, evaluator.Policy{ID: n, Document: d})
		}
		var err error
		e, err = evaluator.Compile(ps...)
		require.NoError(t, err)
		if m.compiled == nil {
			m.compiled = map[string]*evaluator.Evaluator{}
		}
		m.compiled[memo] = e
	}
	return e.Decide(r)
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (m *model) userDecision(t *testing.T, name string, r evaluator.Request) evaluator.Decision {
	u := m.users[name]
	names := map[string]bool{}
	for p := range u.att {
		names[p] = true
	}
	for g := range u.groups {
		for p := range m.groups[g] {
			names[p] = true
		}
	}
	return m.decideDocs(t, names, r)
}

func (m *model) sessionDecision(t *testing.T, s *mSession, r evaluator.Request) evaluator.Decision {
	if s.policy != "" {
		d, err := policy.Parse([]byte(s.policy), policy.WithKind(policy.Session))
		require.NoError(t, err)
		e, err := evaluator.Compile(evaluator.Policy{ID: "s", Document: d})
		require.NoError(t, err)
		if dec := e.Decide(r); dec != evaluator.Allow {
			return dec
		}
	}
	return m.decideDocs(t, m.roles[s.role].att, r)
}

// check compares every principal that ever existed with the model.
func (m *model) check(t *testing.T, dir *Directory, step string) {
	t.Helper()
	expect := func(decide func(evaluator.Request) (Result, error), who string, r evaluator.Request, want evaluator.Decision, wantErr error) {
		t.Helper()
		got, err := decide(r)
		if m.seen == nil {
			m.seen = map[string]int{}
		}
		if wantErr != nil {
			m.seen[wantErr.Error()]++
		} else {
			m.seen[want.String()]++
		}
		if wantErr != nil {
			require.ErrorIs(t, err, wantErr, "%s: %s %s", step, who, r.Action)
			require.Equal(t, evaluator.ImplicitDeny, got.Decision, "%s: %s %s decided %v with error %v", step, who, r.Action, got, err)
			return
		}
		require.NoError(t, err, "%s: %s", step, who)
		require.Equal(t, want, got.Decision, "%s: %s %s", step, who, r.Action)
		require.Equal(t, dir.Revision(), got.Revision)
	}
	for _, r := range modelRequests {
		for name, u := range m.users {
			id := userID(acct, name)
			byID := func(r evaluator.Request) (Result, error) { return dir.Authorize(id, r) }
			if !u.exists {
				expect(byID, name, r, evaluator.ImplicitDeny, ErrNotFound)
				continue
			}
			expect(byID, name, r, m.userDecision(t, name, r), nil)
		}
		for kid, k := range m.keys {
			byKey := func(r evaluator.Request) (Result, error) { return dir.AuthorizeAccessKey(kid, r) }
			switch {
			case k.gone || !m.users[k.user].exists || m.userGen[k.user] != k.gen:
				expect(byKey, kid, r, evaluator.ImplicitDeny, ErrKeyNotFound)
			case !k.active:
				expect(byKey, kid, r, evaluator.ImplicitDeny, ErrKeyInactive)
			default:
				expect(byKey, kid, r, m.userDecision(t, k.user, r), nil)
			}
		}
		for _, s := range m.sessions {
			bySession := func(r evaluator.Request) (Result, error) {
				return dir.AuthorizeSession(s.creds.AccessKeyID, s.creds.SecurityToken, r)
			}
			ro := m.roles[s.role]
			switch {
			case !ro.exists || m.roleGen[s.role] != s.gen:
				expect(bySession, s.creds.AccessKeyID, r, evaluator.ImplicitDeny, ErrTokenRevoked)
			case s.issued.Before(ro.revoked): // revocation is reported before expiry
				expect(bySession, s.creds.AccessKeyID, r, evaluator.ImplicitDeny, ErrTokenRevoked)
			case !m.now.Before(s.expires):
				expect(bySession, s.creds.AccessKeyID, r, evaluator.ImplicitDeny, ErrTokenExpired)
			default:
				expect(bySession, s.creds.AccessKeyID, r, m.sessionDecision(t, s, r), nil)
			}
		}
	}
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

var (
	userNames  = []string{"u0", "u1", "u2"}
	groupNames = []string{"g0", "g1"}
	roleNames  = []string{"r0", "r1"}
	polNames   = []string{"P0", "P1", "P2", "P3"}
)

// newModelDirectory creates the account, its policies, and the first
// incarnation of every user, group and role.
func newModelDirectory(t *testing.T, clock func() time.Time) (*Directory, *model) {
	dir := MustNew(Options{Clock: clock})
	for _, a := range []string{acct, uidB} {
		_, err := dir.CreateAccount(a)
		require.NoError(t, err)
	}
	caller := userID(uidB, "caller")
	_, err := dir.CreateUser(caller)
	require.NoError(t, err)
	_, err = dir.AttachPolicy(caller, sys("AliyunSTSAssumeRoleAccess"))
	require.NoError(t, err)
	m := &model{now: clock(), users: map[string]*mUser{}, userGen: map[string]int{}, groups: map[string]map[string]bool{},
		roles: map[string]*mRole{}, roleGen: map[string]int{}, keys: map[string]*mKey{}, def: map[string]int{}}
	for _, p := range polNames {
		_, err := dir.CreatePolicy(acct, PolicySpec{Name: p, Document: modelPolicies[p][0]})
		require.NoError(t, err)
		for _, v := range modelPolicies[p][1:] {
			_, _, err := dir.CreatePolicyVersion(acct, p, VersionSpec{Document: v})
			require.NoError(t, err)
		}
	}
	for _, u := range userNames {
		_, err := dir.CreateUser(userID(acct, u))
		require.NoError(t, err)
		m.users[u] = &mUser{exists: true, att: map[string]bool{}, groups: map[string]bool{}}
	}
	for _, g := range groupNames {
		_, err := dir.CreateGroup(groupID(acct, g))
		require.NoError(t, err)
		m.groups[g] = map[string]bool{}
	}
	for _, r := range roleNames {
		_, err := dir.CreateRole(roleID(acct, r), RoleSpec{TrustPolicy: trustRoot})
		require.NoError(t, err)
		m.roles[r] = &mRole{exists: true, att: map[string]bool{}}
	}
	return dir, m
}

// step applies one random change to the directory and the model and
// returns its description.
func step(t *testing.T, rng *rand.Rand, dir *Directory, m *model, advance func(time.Duration)) string {
	id := func(kind, name string) principal.ID {
		return principal.MustParse("acs:ram::" + acct + ":" + kind + "/" + name)
	}
	switch rng.IntN(20) {
	case 0, 1, 2, 3: // attach
		p := pick(rng, polNames)
		switch rng.IntN(3) {
		case 0:
			u := pick(rng, userNames)
			if !m.users[u].exists {
				return "skip"
			}
			_, err := dir.AttachPolicy(id("user", u), custom(p))
			require.NoError(t, err)
			m.users[u].att[p] = true
			return "attach " + p + " to user " + u
		case 1:
			g := pick(rng, groupNames)
			if m.groups[g] == nil {
				return "skip"
			}
			_, err := dir.AttachPolicy(id("group", g), custom(p))
			require.NoError(t, err)
			m.groups[g][p] = true
			return "attach " + p + " to group " + g
		default:
			r := pick(rng, roleNames)
			if !m.roles[r].exists {
				return "skip"
			}
			_, err := dir.AttachPolicy(id("role", r), custom(p))
			require.NoError(t, err)
			m.roles[r].att[p] = true
			return "attach " + p + " to role " + r
		}
	case 4, 5, 6: // detach one of the target's policies
		var target principal.ID
		var att map[string]bool
		switch rng.IntN(3) {
		case 0:
			u := pick(rng, userNames)
			if !m.users[u].exists {
				return "skip"
			}
			target, att = id("user", u), m.users[u].att
		case 1:
			g := pick(rng, groupNames)
			target, att = id("group", g), m.groups[g]
		default:
			r := pick(rng, roleNames)
			if !m.roles[r].exists {
				return "skip"
			}
			target, att = id("role", r), m.roles[r].att
		}
		if len(att) == 0 {
			return "skip"
		}
		p := pick(rng, slices.Sorted(mapKeys(att)))
		_, err := dir.DetachPolicy(target, custom(p))
		require.NoError(t, err)
		delete(att, p)
		return "detach " + p + " from " + target.String()
	case 7, 8, 9: // membership
		u, g := pick(rng, userNames), pick(rng, groupNames)
		if !m.users[u].exists || m.groups[g] == nil {
			return "skip"
		}
		if m.users[u].groups[g] {
			_, err := dir.RemoveUserFromGroup(userID(acct, u), groupID(acct, g))
			require.NoError(t, err)
			delete(m.users[u].groups, g)
			return "remove " + u + " from " + g
		}
		_, err := dir.AddUserToGroup(userID(acct, u), groupID(acct, g))
		require.NoError(t, err)
		m.users[u].groups[g] = true
		return "add " + u + " to " + g
	case 10: // delete or recreate a user
		u := pick(rng, userNames)
		if m.users[u].exists && rng.IntN(3) > 0 {
			return "skip"
		}
		if m.users[u].exists {
			_, err := dir.DeleteUser(userID(acct, u), DeleteCascade)
			require.NoError(t, err)
			m.users[u].exists = false
			return "delete user " + u
		}
		_, err := dir.CreateUser(userID(acct, u))
		require.NoError(t, err)
		m.userGen[u]++
		m.users[u] = &mUser{exists: true, att: map[string]bool{}, groups: map[string]bool{}}
		return "recreate user " + u
	case 11: // delete or recreate a group
		g := pick(rng, groupNames)
		if m.groups[g] != nil && rng.IntN(3) > 0 {
			return "skip"
		}
		if m.groups[g] != nil {
			_, err := dir.DeleteGroup(groupID(acct, g), DeleteCascade)
			require.NoError(t, err)
			m.groups[g] = nil
			for _, u := range m.users {
				delete(u.groups, g)
			}
			return "delete group " + g
		}
		_, err := dir.CreateGroup(groupID(acct, g))
		require.NoError(t, err)
		m.groups[g] = map[string]bool{}
		return "recreate group " + g
	case 12: // delete or recreate a role
		r := pick(rng, roleNames)
		if m.roles[r].exists && rng.IntN(3) > 0 {
			return "skip"
		}
		if m.roles[r].exists {
			_, err := dir.DeleteRole(roleID(acct, r), DeleteCascade)
			require.NoError(t, err)
			m.roles[r].exists = false
			return "delete role " + r
		}
		_, err := dir.CreateRole(roleID(acct, r), RoleSpec{TrustPolicy: trustRoot})
		require.NoError(t, err)
		m.roleGen[r]++
		m.roles[r] = &mRole{exists: true, att: map[string]bool{}}
		return "recreate role " + r
	case 13, 14: // a new session
		r := pick(rng, roleNames)
		if !m.roles[r].exists {
			return "skip"
		}
		dur := 900 * (1 + rng.IntN(4))
		pol := pick(rng, sessionPolicies)
		out, err := dir.AssumeRole(AssumeRoleInput{Caller: userID(uidB, "caller"), Role: id("role", r),
			SessionName: "s" + strconv.Itoa(len(m.sessions)), Policy: pol, DurationSeconds: dur})
		require.NoError(t, err)
		m.sessions = append(m.sessions, &mSession{creds: creds(out), role: r, gen: m.roleGen[r], policy: pol,
			issued: m.now, expires: m.now.Add(time.Duration(dur) * time.Second)})
		return "session of " + r + " for " + strconv.Itoa(dur) + "s"
	case 15: // time passes (never landing on an expiry: 7 minutes does not divide 15)
		advance(7 * time.Minute)
		m.now = m.now.Add(7 * time.Minute)
		return "7 minutes pass"
	case 16: // revoke
		r := pick(rng, roleNames)
		if !m.roles[r].exists {
			return "skip"
		}
		_, err := dir.RevokeSessions(id("role", r), m.now)
		require.NoError(t, err)
		if m.now.After(m.roles[r].revoked) {
			m.roles[r].revoked = m.now
		}
		return "revoke sessions of " + r
	case 17: // switch P0's default version
		v := 1 - m.def["P0"]
		_, err := dir.SetDefaultPolicyVersion(acct, "P0", "v"+strconv.Itoa(v+1))
		require.NoError(t, err)
		m.def["P0"] = v
		return "P0 default v" + strconv.Itoa(v+1)
	default: // access keys: create, deactivate, reactivate or delete
		u := pick(rng, userNames)
		if !m.users[u].exists {
			return "skip"
		}
		var mine []string
		for k, v := range m.keys {
			if v.user == u && v.gen == m.userGen[u] && !v.gone {
				mine = append(mine, k)
			}
		}
		slices.Sort(mine)
		if len(mine) < 2 && rng.IntN(2) == 0 {
			k, _, err := dir.CreateAccessKey(userID(acct, u))
			require.NoError(t, err)
			m.keys[k.ID] = &mKey{user: u, gen: m.userGen[u], active: true}
			return "new key for " + u
		}
		if len(mine) == 0 {
			return "skip"
		}
		k := pick(rng, mine)
		switch rng.IntN(2) {
		case 0:
			st := KeyInactive
			if !m.keys[k].active {
				st = KeyActive
			}
			_, err := dir.UpdateAccessKey(k, st)
			require.NoError(t, err)
			m.keys[k].active = st == KeyActive
			return "key of " + u + " " + st.String()
		default:
			_, err := dir.DeleteAccessKey(k)
			require.NoError(t, err)
			m.keys[k].gone = true
			return "delete key of " + u
		}
	}
}

func TestDirectoryMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			dir, m := newModelDirectory(t, func() time.Time { return now })
			rng := rand.New(rand.NewPCG(seed, 42))
			kinds := map[string]int{}
			for i := 0; i < 400; i++ {
				desc := step(t, rng, dir, m, func(d time.Duration) { now = now.Add(d) })
				kinds[firstWord(desc)]++
				m.check(t, dir, strconv.Itoa(i)+": "+desc)
			}
			// Every kind of change happened, so every property was exercised.
			for _, k := range []string{"attach", "detach", "add", "remove", "delete", "recreate", "session", "7", "revoke", "P0", "new", "key"} {
				require.Positive(t, kinds[k], "no %q step in %v", k, kinds)
			}
			for _, o := range []error{ErrNotFound, ErrKeyNotFound, ErrKeyInactive, ErrTokenExpired, ErrTokenRevoked} {
				require.Positive(t, m.seen[o.Error()], "no %v outcome in %v", o, m.seen)
			}
			for _, d := range []evaluator.Decision{evaluator.Allow, evaluator.ExplicitDeny, evaluator.ImplicitDeny} {
				require.Greater(t, m.seen[d.String()], 100, "few %v outcomes in %v", d, m.seen)
			}
		})
	}
}

func firstWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}

// TestDirectoryRevocationNeverAllows follows the revocation paths one by
// one (carried over from internal/hardening): each turns an Allow into a
// denial on the very next decision, with the error the path implies.
func TestDirectoryRevocationNeverAllows(t *testing.T) {
	rq := modelRequests[0]   // ecs:DescribeInstances
	u0 := userID(acct, "u0") // P0 attached directly
	u1 := userID(acct, "u1") // P0 through group g0
	g0 := groupID(acct, "g0")
	r0 := roleID(acct, "r0")
	type subject int
	const (
		byKey subject = iota
		byMember
		bySession
	)
	tests := []struct {
		name    string
		revoke  func(t *testing.T, dir *Directory, advance func(time.Duration))
		who     subject
		wantErr error
	}{
		{"detach the user's policy", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DetachPolicy(u0, custom("P0"))
			require.NoError(t, err)
		}, byKey, nil},
		{"detach the group's policy", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DetachPolicy(g0, custom("P0"))
			require.NoError(t, err)
		}, byMember, nil},
		{"leave the group", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.RemoveUserFromGroup(u1, g0)
			require.NoError(t, err)
		}, byMember, nil},
		{"delete the group", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DeleteGroup(g0, DeleteCascade)
			require.NoError(t, err)
		}, byMember, nil},
		{"switch the default version to a deny", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, _, err := dir.CreatePolicyVersion(acct, "P1", VersionSpec{Document: `{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*"}]}`, SetAsDefault: true})
			require.NoError(t, err)
			_, err = dir.AttachPolicy(u0, custom("P1"))
			require.NoError(t, err)
		}, byKey, nil},
		{"delete the user", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DeleteUser(u0, DeleteCascade)
			require.NoError(t, err)
		}, byKey, ErrKeyNotFound},
		{"deactivate the key", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			info, err := dir.GetUser(u0)
			require.NoError(t, err)
			_, err = dir.UpdateAccessKey(info.AccessKeys[0].ID, KeyInactive)
			require.NoError(t, err)
		}, byKey, ErrKeyInactive},
		{"detach the role's policy", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DetachPolicy(r0, custom("P0"))
			require.NoError(t, err)
		}, bySession, nil},
		{"delete the role", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DeleteRole(r0, DeleteCascade)
			require.NoError(t, err)
		}, bySession, ErrTokenRevoked},
		{"delete and recreate the role", func(t *testing.T, dir *Directory, _ func(time.Duration)) {
			_, err := dir.DeleteRole(r0, DeleteCascade)
			require.NoError(t, err)
			_, err = dir.CreateRole(r0, RoleSpec{TrustPolicy: trustRoot, Policies: []PolicyRef{custom("P0")}})
			require.NoError(t, err)
		}, bySession, ErrTokenRevoked},
		{"the session expires", func(t *testing.T, dir *Directory, advance func(time.Duration)) {
			advance(900 * time.Second)
		}, bySession, ErrTokenExpired},
		{"the role's sessions are revoked", func(t *testing.T, dir *Directory, advance func(time.Duration)) {
			advance(time.Second)
			_, err := dir.RevokeSessions(r0, time.Date(2026, 3, 1, 9, 0, 1, 0, time.UTC))
			require.NoError(t, err)
		}, bySession, ErrTokenRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			dir, _ := newModelDirectory(t, func() time.Time { return now })
			for _, id := range []principal.ID{u0, g0, r0} {
				_, err := dir.AttachPolicy(id, custom("P0"))
				require.NoError(t, err)
			}
			_, err := dir.AddUserToGroup(u1, g0)
			require.NoError(t, err)
			key, _, err := dir.CreateAccessKey(u0)
			require.NoError(t, err)
			out, err := dir.AssumeRole(AssumeRoleInput{Caller: userID(uidB, "caller"), Role: r0, SessionName: "s1", DurationSeconds: 900})
			require.NoError(t, err)
			c := creds(out)
			decide := func() (Result, error) {
				switch tc.who {
				case byKey:
					return dir.AuthorizeAccessKey(key.ID, rq)
				case byMember:
					return dir.Authorize(u1, rq)
				}
				return dir.AuthorizeSession(c.AccessKeyID, c.SecurityToken, rq)
			}
			res, err := decide()
			require.NoError(t, err)
			require.Equal(t, evaluator.Allow, res.Decision, "allowed before")

			tc.revoke(t, dir, func(d time.Duration) { now = now.Add(d) })
			res, err = decide()
			require.NotEqual(t, evaluator.Allow, res.Decision)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Equal(t, evaluator.ImplicitDeny, res.Decision)
			} else {
				require.NoError(t, err)
			}
		})
	}
}
