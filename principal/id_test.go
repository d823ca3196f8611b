package principal

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	uidA = "1234567890123456"
	uidB = "6543210987654321"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		kind      Kind
		account   string
		idName    string
		session   string
		canonical string // "" means same as in
	}{
		{"root", "acs:ram::1234567890123456:root", KindAccount, uidA, "", "", ""},
		{"user", "acs:ram::1234567890123456:user/alice", KindUser, uidA, "alice", "", ""},
		{"user star region", "acs:ram:*:1234567890123456:user/alice.b-c_d", KindUser, uidA, "alice.b-c_d", "",
			"acs:ram::1234567890123456:user/alice.b-c_d"},
		{"group", "acs:ram::1234567890123456:group/ops_team", KindGroup, uidA, "ops_team", "", ""},
		{"role", "acs:ram::1234567890123456:role/Admin-Role.1", KindRole, uidA, "Admin-Role.1", "", ""},
		{"session canonical", "acs:ram::1234567890123456:role/adminrole/alice@corp", KindSession, uidA, "adminrole", "alice@corp", ""},
		{"session acs sts alias", "acs:sts::1234567890123456:assumed-role/AdminRole/alice", KindSession, uidA, "AdminRole", "alice",
			"acs:ram::1234567890123456:role/AdminRole/alice"},
		{"session arn sts alias", "arn:sts::1234567890123456:assumed-role/AdminRole/alice", KindSession, uidA, "AdminRole", "alice",
			"acs:ram::1234567890123456:role/AdminRole/alice"},
		{"saml", "acs:ram::1234567890123456:saml-provider/idp1", KindSAMLProvider, uidA, "idp1", "", ""},
		{"oidc", "acs:ram::1234567890123456:oidc-provider/github", KindOIDCProvider, uidA, "github", "", ""},
		{"service", "ecs.aliyuncs.com", KindService, "", "ecs.aliyuncs.com", "", ""},
		{"64-char user", "acs:ram::1234567890123456:user/" + strings.Repeat("u", 64), KindUser, uidA, strings.Repeat("u", 64), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := Parse(tc.in)
			require.NoError(t, err)
			assert.True(t, id.IsValid())
			assert.Equal(t, tc.kind, id.Kind())
			assert.Equal(t, tc.account, id.Account())
			assert.Equal(t, tc.idName, id.Name())
			assert.Equal(t, tc.session, id.SessionName())
			want := tc.canonical
			if want == "" {
				want = tc.in
			}
			assert.Equal(t, want, id.String())
			again, err := Parse(id.String())
			require.NoError(t, err)
			assert.Equal(t, id, again, "canonical form parses to an equal ID")
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"short account", "acs:ram::123456789012345:root"},
		{"masked account", "acs:ram::123456789012****:root"},
		{"long account", "acs:ram::12345678901234567:root"},
		{"wrong service", "acs:ecs::1234567890123456:user/alice"},
		{"wrong prefix", "arn:ram::1234567890123456:user/alice"},
		{"region", "acs:ram:cn-hangzhou:1234567890123456:user/alice"},
		{"unknown type", "acs:ram::1234567890123456:bucket/x"},
		{"assumed-role under ram", "acs:ram::1234567890123456:assumed-role/r/s"},
		{"user name too long", "acs:ram::1234567890123456:user/" + strings.Repeat("u", 65)},
		{"user empty", "acs:ram::1234567890123456:user/"},
		{"user bad char", "acs:ram::1234567890123456:user/al ice"},
		{"user wildcard", "acs:ram::1234567890123456:user/*"},
		{"role underscore", "acs:ram::1234567890123456:role/my_role"},
		{"session one char", "acs:ram::1234567890123456:role/r/s"},
		{"session bad char", "acs:ram::1234567890123456:role/r/a:b"},
		{"session too long", "acs:ram::1234567890123456:role/r/" + strings.Repeat("s", 65)},
		{"session extra slash", "acs:ram::1234567890123456:role/r/sess/x"},
		{"sts without assumed-role", "acs:sts::1234567890123456:role/r/s1"},
		{"sts with region", "acs:sts:cn:1234567890123456:assumed-role/r/s1"},
		{"too few fields", "acs:ram:1234567890123456:root"},
		{"service one label", "ecs"},
		{"service bad char", "ecs_x.aliyuncs.com"},
		{"service empty label", "ecs..aliyuncs.com"},
		{"service slash", "ecs.aliyuncs.com/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := Parse(tc.in)
			require.Error(t, err)
			assert.Equal(t, ID{}, id, "the zero ID on error")
			assert.ErrorIs(t, err, ErrInvalid)
			var ie *IDError
			require.True(t, errors.As(err, &ie))
			assert.Equal(t, tc.in, ie.Input)
		})
	}
}

func TestConstructors(t *testing.T) {
	mustID := func(id ID, err error) ID {
		t.Helper()
		require.NoError(t, err)
		return id
	}
	assert.Equal(t, "acs:ram::1234567890123456:root", mustID(AccountRootID(uidA)).String())
	assert.Equal(t, "acs:ram::1234567890123456:user/bob", mustID(UserID(uidA, "bob")).String())
	assert.Equal(t, "acs:ram::1234567890123456:group/g", mustID(GroupID(uidA, "g")).String())
	assert.Equal(t, "acs:ram::1234567890123456:role/r", mustID(RoleID(uidA, "r")).String())
	s := mustID(SessionID(uidA, "r", "s1"))
	assert.Equal(t, "acs:ram::1234567890123456:role/r/s1", s.String())
	assert.Equal(t, mustID(RoleID(uidA, "r")), s.Role())
	assert.Equal(t, mustID(AccountRootID(uidA)), s.Root())
	assert.Equal(t, "acs:ram::1234567890123456:saml-provider/p", mustID(SAMLProviderID(uidA, "p")).String())
	assert.Equal(t, "acs:ram::1234567890123456:oidc-provider/p", mustID(OIDCProviderID(uidA, "p")).String())
	assert.Equal(t, "ecs.aliyuncs.com", mustID(ServiceID("ecs.aliyuncs.com")).String())

	for name, f := range map[string]func() (ID, error){
		"root":    func() (ID, error) { return AccountRootID("1") },
		"user":    func() (ID, error) { return UserID(uidA, "a/b") },
		"group":   func() (ID, error) { return GroupID("x", "g") },
		"role":    func() (ID, error) { return RoleID(uidA, "r_1") },
		"session": func() (ID, error) { return SessionID(uidA, "r", "x") },
		"service": func() (ID, error) { return ServiceID("nodot") },
		"saml":    func() (ID, error) { return SAMLProviderID(uidA, "") },
	} {
		t.Run("invalid "+name, func(t *testing.T) {
			id, err := f()
			assert.ErrorIs(t, err, ErrInvalid)
			assert.False(t, id.IsValid())
		})
	}
	assert.Equal(t, ID{}, ID{}.Role())
	assert.Equal(t, ID{}, mustID(ServiceID("ecs.aliyuncs.com")).Root())
}

func TestZeroID(t *testing.T) {
	var z ID
	assert.False(t, z.IsValid())
	assert.Equal(t, KindInvalid, z.Kind())
	assert.Equal(t, "", z.String())
	b, err := z.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b)
}

func TestIDText(t *testing.T) {
	type wrap struct {
		Who ID `json:"who"`
	}
	in := wrap{Who: MustParse("acs:sts::1234567890123456:assumed-role/r/s1")}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"who":"acs:ram::1234567890123456:role/r/s1"}`, string(b))
	var out wrap
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"who":"acs:ram::1:root"}`), &out), ErrInvalid)
	require.NoError(t, json.Unmarshal([]byte(`{"who":""}`), &out))
	assert.Equal(t, ID{}, out.Who)
	// IDs are comparable and work as map keys.
	m := map[ID]int{MustParse("acs:ram:*:1234567890123456:user/a"): 1}
	assert.Equal(t, 1, m[MustParse("acs:ram::1234567890123456:user/a")])
}

func TestNameRules(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		ok    []string
		bad   []string
	}{
		{"user", CheckUserName, []string{"a", "a.b-c_d", strings.Repeat("x", 64)}, []string{"", strings.Repeat("x", 65), "a@b", "a b", "é"}},
		{"group", CheckGroupName, []string{"g", "dev_ops-1.x"}, []string{"", "g/1"}},
		{"role", CheckRoleName, []string{"r", "Role.v-1"}, []string{"", "r_1", strings.Repeat("r", 65)}},
		{"session", CheckSessionName, []string{"ab", "a@b.c-d_e", strings.Repeat("s", 64)}, []string{"a", "a b", strings.Repeat("s", 65), "a/b"}},
		{"policy", CheckPolicyName, []string{"P", "my-policy-1", strings.Repeat("p", 128)}, []string{"", "my_policy", "a.b", strings.Repeat("p", 129)}},
		{"provider", CheckProviderName, []string{"idp", "a.b-c_d"}, []string{"", "a b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.ok {
				assert.NoError(t, tc.check(s), s)
			}
			for _, s := range tc.bad {
				assert.ErrorIs(t, tc.check(s), ErrInvalid, s)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "user", KindUser.String())
	assert.Equal(t, "saml-provider", KindSAMLProvider.String())
	assert.Equal(t, "Kind(99)", Kind(99).String())
}
