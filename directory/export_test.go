package directory

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/strictjson"
)

var testKEK = []byte("0123456789abcdef0123456789abcdef")

// exportFixture builds a directory with every kind of entity, group
// members in an order that is not alphabetical, and a live session.
func exportFixture(t testing.TB) (*fixture, SessionCredentials, NewAccessKey) {
	f := newFixture(t, func(o *Options) { o.KeyEncryptionKey = testKEK })
	zed := f.user(t, uidA, "zed", doc(stmt("Allow", "oss:Get*", "*")))
	amy := f.user(t, uidA, "amy")
	g := groupID(uidA, "devs")
	_, err := f.d.CreateGroup(g)
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(zed, g)
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(amy, g)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(g, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	_, _, err = f.d.CreatePolicyVersion(uidA, "zed-p0", VersionSpec{Document: doc(stmt("Allow", "oss:*", "*"))})
	require.NoError(t, err)
	k, _, err := f.d.CreateAccessKey(zed)
	require.NoError(t, err)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 7200, "AliyunARMSFullAccess")
	_, err = f.d.UpdateRole(r, RoleUpdate{Description: "operators é"})
	require.NoError(t, err)
	c := creds(f.assume(t, caller, r))
	_, err = f.d.RevokeSessions(r, t0.Add(-1))
	require.NoError(t, err)
	_, err = f.d.RotateTokenKey()
	require.NoError(t, err)
	return f, c, k
}

func TestExportImportRoundTrip(t *testing.T) {
	f, c, k := exportFixture(t)
	data, err := f.d.Export()
	require.NoError(t, err)
	assert.NotContains(t, string(data), k.Secret.Reveal(), "no secret in plaintext")
	assert.NotContains(t, string(data), c.SecurityToken)

	other := MustNew(Options{Clock: f.clk.Now, KeyEncryptionKey: testKEK})
	rev, err := other.Import(data)
	require.NoError(t, err)
	assert.Equal(t, Revision(1), rev)
	again, err := other.Export()
	require.NoError(t, err)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal(data, &a))
	require.NoError(t, json.Unmarshal(again, &b))
	delete(a, "Revision")
	delete(b, "Revision")
	assert.Equal(t, a, b, "lossless both ways")

	g, err := other.GetGroup(groupID(uidA, "devs"))
	require.NoError(t, err)
	assert.Equal(t, []string{"zed", "amy"}, g.Members, "join order kept")

	// The secret, the session and the decisions carry over.
	owner, secret, err := other.AccessKeySecret(k.ID)
	require.NoError(t, err)
	assert.Equal(t, userID(uidA, "zed"), owner)
	assert.Equal(t, k.Secret.Reveal(), secret)
	res, err := other.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)
	res, err = other.Authorize(userID(uidA, "zed"), req("oss:GetObject", "acs:oss:*:"+uidA+":b"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)

	// One account, into a directory that already has others.
	acct, err := f.d.ExportAccount(uidA)
	require.NoError(t, err)
	third := MustNew(Options{Clock: f.clk.Now, KeyEncryptionKey: testKEK})
	_, err = third.CreateAccount(uidC)
	require.NoError(t, err)
	_, err = third.Import(acct)
	require.NoError(t, err)
	assert.Equal(t, []string{uidC, uidA}, third.Accounts())
	_, err = third.Import(acct) // again: replaces the account
	require.NoError(t, err)
	_, _, err = third.AccessKeySecret(k.ID)
	require.NoError(t, err)
}

func TestImportRefusals(t *testing.T) {
	f, _, _ := exportFixture(t)
	data, err := f.d.Export()
	require.NoError(t, err)
	good := string(data)
	edit := func(old, new string) string {
		require.Contains(t, good, old)
		return strings.Replace(good, old, new, 1)
	}
	cases := []struct {
		name  string
		input string
		want  error
	}{
		{"folded duplicate member", edit(`"Policies": [`, `"Policieſ": [], "Policies": [`), ErrInvalid},
		{"unknown member", edit(`"Scope"`, `"Extra": 1, "Scope"`), ErrInvalid},
		{"trailing data", good + "{}", ErrInvalid},
		{"wrong version", edit(`"Version": 2`, `"Version": 1`), ErrInvalid},
		{"year 10000", edit(`"Created": "2026`, `"Created": "10000`), ErrInvalid},
		{"invalid UTF-8 description", edit(`"operators é"`, "\"operators \xe9\""), ErrInvalid},
		{"session duration", edit(`"MaxSessionDuration": 7200`, `"MaxSessionDuration": 315360000`), ErrInvalid},
		{"version counter overflow", edit(`"NextVersion": 3`, `"NextVersion": 9223372036854775807`), ErrInvalid},
		{"version above counter", edit(`"NextVersion": 3`, `"NextVersion": 2`), ErrInvalid},
		{"bad user name", edit(`"Name": "amy"`, `"Name": "a y"`), ErrInvalid},
		{"member not listing group", edit(`"Groups": [
            "devs"
          ]`, `"Groups": []`), ErrInvalid},
		{"unknown attached policy", edit(`"AliyunARMSReadOnlyAccess"`, `"NoSuchPolicy"`), ErrInvalid},
		{"bad policy document", edit(`"Version\":\"1\"`, `"Version\":\"2\"`), ErrInvalid},
		{"sealed secret tampered", edit(`"Sealed": "`, `"Sealed": "AAAA`), ErrSealed},
	}
	before := f.d.Revision()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.d.Import([]byte(tc.input))
			requireErr(t, err, tc.want)
			assert.Equal(t, before, f.d.Revision(), "nothing changed")
		})
	}
	t.Run("strict reader position", func(t *testing.T) {
		_, err := f.d.Import([]byte(cases[0].input))
		var se *strictjson.Error
		require.ErrorAs(t, err, &se)
		assert.Positive(t, se.Line)
	})
	t.Run("another key-encryption key", func(t *testing.T) {
		other := MustNew(Options{KeyEncryptionKey: []byte("ffffffffffffffffffffffffffffffff")})
		_, err := other.Import(data)
		requireErr(t, err, ErrSealed)
	})
}

// FuzzImport: Import never panics; a refused document changes nothing; an
// accepted one exports to a document that imports to the same export
// (lossless both ways, whatever the input's formatting).
func FuzzImport(f *testing.F) {
	fx, _, _ := exportFixture(f)
	data, err := fx.d.Export()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	acct, _ := fx.d.ExportAccount(uidA)
	f.Add(acct)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := MustNew(Options{Clock: fx.clk.Now, KeyEncryptionKey: testKEK})
		before := d.Revision()
		if _, err := d.Import(in); err != nil {
			if d.Revision() != before {
				t.Fatal("a refused import changed the state")
			}
			return
		}
		out, err := d.Export()
		if err != nil {
			t.Fatalf("an accepted import cannot be exported: %v", err)
		}
		d2 := MustNew(Options{Clock: fx.clk.Now, KeyEncryptionKey: testKEK})
		if _, err := d2.Import(out); err != nil {
			t.Fatalf("the export of an accepted import is refused: %v", err)
		}
		again, err := d2.Export()
		if err != nil {
			t.Fatal(err)
		}
		var a, b map[string]any
		if json.Unmarshal(out, &a) != nil || json.Unmarshal(again, &b) != nil {
			t.Fatal("export is not JSON")
		}
		delete(a, "Revision")
		delete(b, "Revision")
		assert.Equal(t, a, b)
	})
}
