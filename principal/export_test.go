package principal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// populated builds a directory that uses every exported feature.
func populated(t *testing.T) (*Directory, *fakeClock, NewAccessKey) {
	t.Helper()
	d, clk := newDir(t, uidA, uidB)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	clk.Add(1500) // nanoseconds survive the round trip too
	_, err = d.CreateUser(uidA, "bob")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "ops")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "audit")
	require.NoError(t, err)
	require.NoError(t, d.AddUserToGroup(uidA, "alice", "ops"))
	require.NoError(t, d.AddUserToGroup(uidA, "alice", "audit"))
	key, err := d.CreateAccessKey(uidA, "alice")
	require.NoError(t, err)
	k2, err := d.CreateAccessKey(uidA, "bob")
	require.NoError(t, err)
	require.NoError(t, d.UpdateAccessKey(uidA, "bob", k2.ID, Inactive))
	_, err = d.CreatePolicy(uidA, "EcsOps", "ECS ops", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	_, err = d.CreatePolicyVersion(uidA, "EcsOps", docAllow("ecs:Describe*", "*"), true, RotateNone)
	require.NoError(t, err)
	_, err = d.CreatePolicyVersion(uidA, "EcsOps", docDeny("ecs:Delete*", "*"), false, RotateNone)
	require.NoError(t, err)
	require.NoError(t, d.DeletePolicyVersion(uidA, "EcsOps", "v1"))
	require.NoError(t, d.AttachPolicy(MustParse("acs:ram::1234567890123456:group/ops"), Custom, "EcsOps"))
	require.NoError(t, d.AttachPolicy(MustParse("acs:ram::1234567890123456:user/bob"), System, "AliyunARMSReadOnlyAccess"))
	_, err = d.CreateRole(uidA, RoleSpec{Name: "ops-role", TrustPolicy: trustRoot(uidB), MaxSessionDuration: 7200,
		Description: "for B", Policies: []Attachment{{System, "AliyunARMSFullAccess"}}})
	require.NoError(t, err)
	_, err = d.CreateUser(uidB, "dave")
	require.NoError(t, err)
	return d, clk, key
}

func trustRoot(uid string) string {
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + uid + `:root"]}}]}`
}

func TestExportImportRoundTrip(t *testing.T) {
	d, _, key := populated(t)
	data, err := d.Export()
	require.NoError(t, err)

	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, ExportFormat, doc["format"])
	assert.EqualValues(t, ExportVersion, doc["version"])
	assert.NotContains(t, string(data), key.Secret)

	e := New(Config{})
	require.NoError(t, e.Import(data))
	again, err := e.Export()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "export → import → export is lossless")

	// The restored directory works: the key resolves, secrets verify.
	id, err := e.VerifyAccessKey(key.ID, key.Secret)
	require.NoError(t, err)
	assert.Equal(t, "acs:ram::1234567890123456:user/alice", id.String())
	u, err := e.GetUser(uidA, "alice")
	require.NoError(t, err)
	assert.Equal(t, []string{"ops", "audit"}, u.Groups)
	g, err := e.GetGroup(uidA, "ops")
	require.NoError(t, err)
	assert.Equal(t, []string{"alice"}, g.Members)
	// Version numbering continues where it stopped.
	v, err := e.CreatePolicyVersion(uidA, "EcsOps", docAllow("ecs:Start*", "*"), false, RotateNone)
	require.NoError(t, err)
	assert.Equal(t, "v4", v.ID)
}

func TestExportAccountImportAccount(t *testing.T) {
	d, _, _ := populated(t)
	a, err := d.ExportAccount(uidA)
	require.NoError(t, err)
	_, err = d.ExportAccount("1111111111111111")
	requireErr(t, err, ErrNotFound)

	// Restore A into a directory that has only B.
	e, _ := newDir(t, uidB)
	require.NoError(t, e.ImportAccount(a))
	a2, err := e.ExportAccount(uidA)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(a2))
	assert.Equal(t, []string{uidA, uidB}, e.Accounts())

	// Replacing an account drops what it had.
	require.NoError(t, d.DeleteUser(uidA, "bob", Cascade))
	smaller, err := d.ExportAccount(uidA)
	require.NoError(t, err)
	require.NoError(t, e.ImportAccount(smaller))
	_, err = e.GetUser(uidA, "bob")
	requireErr(t, err, ErrNotFound)

	// A whole-directory document with two accounts is not an account.
	all, err := d.Export()
	require.NoError(t, err)
	requireErr(t, e.ImportAccount(all), ErrInvalid)
}

func TestImportKeyCollision(t *testing.T) {
	d, _, key := populated(t)
	a, err := d.ExportAccount(uidA)
	require.NoError(t, err)
	// Move account A's export under account B's ID: its keys now clash.
	moved := strings.ReplaceAll(string(a), uidA, uidB)
	before, gen := snapshot(t, d)
	requireErr(t, d.ImportAccount([]byte(moved)), ErrInvalid)
	after, gen2 := snapshot(t, d)
	assert.Equal(t, before, after)
	assert.Equal(t, gen, gen2)
	_, err = d.ResolveAccessKey(key.ID)
	require.NoError(t, err)
}

func TestImportRejectsCorruptInput(t *testing.T) {
	d, _, _ := populated(t)
	good, err := d.Export()
	require.NoError(t, err)
	gs := string(good)
	replace := func(old, new string) string {
		require.Contains(t, gs, old)
		return strings.Replace(gs, old, new, 1)
	}
	tests := []struct {
		name string
		data string
	}{
		{"not JSON", "{"},
		{"trailing data", gs + "{}"},
		{"wrong format", replace(`"format": "ramauthz.directory"`, `"format": "other"`)},
		{"future version", replace(`"version": 1`, `"version": 2`)},
		{"unknown field", replace(`"format"`, `"extra": 1, "format"`)},
		{"duplicate key", replace(`"format": "ramauthz.directory"`, `"format": "ramauthz.directory", "format": "ramauthz.directory"`)},
		{"bad account id", replace(`"id": "1234567890123456"`, `"id": "123"`)},
		{"duplicate account", replace(`"id": "6543210987654321"`, `"id": "1234567890123456"`)},
		{"bad user name", replace(`"name": "alice"`, `"name": "al ice"`)},
		{"unknown group", replace(`"audit"
          ]`, `"nope"
          ]`)},
		{"bad hash", replace(`"secretSha256": "`, `"secretSha256": "zz`)},
		{"bad status", replace(`"status": "Active"`, `"status": "On"`)},
		{"bad key id", replace(`"id": "LTAI`, `"id": "XXXX`)},
		{"invalid policy document", replace(`\"Effect\":\"Allow\",\"Action\":\"ecs:Describe*\"`, `\"Effect\":\"Permit\",\"Action\":\"ecs:Describe*\"`)},
		{"missing default version", replace(`"defaultVersion": "v2"`, `"defaultVersion": "v9"`)},
		{"version order", replace(`"nextVersion": 4`, `"nextVersion": 2`)},
		{"unknown attached policy", replace(`"name": "AliyunARMSReadOnlyAccess"`, `"name": "NoSuchPolicy"`)},
		{"bad attachment type", replace(`"type": "System"`, `"type": "system"`)},
		{"bad trust policy", replace(`\"Principal\":{\"RAM\"`, `\"Principal\":{\"AWS\"`)},
		{"bad max session", replace(`"maxSessionDuration": 7200`, `"maxSessionDuration": 60`)},
		{"bad role id", replace(`"roleId": "`, `"roleId": "x`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, _ := newDir(t, "9999999999999999")
			before, gen := snapshot(t, target)
			requireErr(t, target.Import([]byte(tc.data)), ErrInvalid)
			after, gen2 := snapshot(t, target)
			assert.Equal(t, before, after, "a rejected import changes nothing")
			assert.Equal(t, gen, gen2)
		})
	}
}

func TestImportLimits(t *testing.T) {
	d, _, _ := populated(t)
	good, err := d.Export()
	require.NoError(t, err)
	small := New(Config{Limits: Limits{GroupsPerUser: 1}})
	requireErr(t, small.Import(good), ErrLimit)
	assert.Empty(t, small.Accounts())
}

func TestCheckDuplicateKeys(t *testing.T) {
	tests := []struct {
		in  string
		bad bool
	}{
		{`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, false},
		{`{"a":1,"a":2}`, true},
		{`{"a":{"x":[1,2],"x":3}}`, true},
		{`[{"k":{}},{"k":[]},{"k":"v","j":"k"}]`, false},
		{`{"a":[{"b":1,"b":1}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			err := checkDuplicateKeys([]byte(tc.in))
			if tc.bad {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}
