package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store/filestore"
)

const storeUID = "1234567890123456"

var storeKEK = []byte("0123456789abcdef0123456789abcdef")

// seedStore writes a small directory into a new file store: alice may
// describe ECS instances and holds one AccessKey; bob holds nothing.
func seedStore(t *testing.T) (dir, keyFile, keyID string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "store")
	keyFile = writeFile(t, "kek.hex", hex.EncodeToString(storeKEK)+"\n")
	fs, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	defer fs.Close()
	d, err := directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: storeKEK})
	require.NoError(t, err)
	defer d.Close()
	_, err = d.CreateAccount(storeUID)
	require.NoError(t, err)
	alice := principal.MustParse("acs:ram::" + storeUID + ":user/alice")
	for _, u := range []string{"alice", "bob"} {
		_, err = d.CreateUser(principal.MustParse("acs:ram::" + storeUID + ":user/" + u))
		require.NoError(t, err)
	}
	_, err = d.CreatePolicy(storeUID, directory.PolicySpec{Name: "ecs-read",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`})
	require.NoError(t, err)
	_, err = d.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicyCustom, Name: "ecs-read"})
	require.NoError(t, err)
	k, _, err := d.CreateAccessKey(alice)
	require.NoError(t, err)
	return dir, keyFile, k.ID
}

var ecsReq = []string{"--action", "ecs:DescribeInstances", "--resource", "acs:ecs:cn-hangzhou:" + storeUID + ":instance/i-1"}

func TestAuthorizeStore(t *testing.T) {
	dir, keyFile, keyID := seedStore(t)
	args := func(extra ...string) []string {
		return append(append([]string{"authorize", "--store", dir, "--key-file", keyFile}, ecsReq...), extra...)
	}
	code, out, errs := ramauthz(args("--principal", "acs:ram::"+storeUID+":user/alice")...)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "Allow (revision")

	code, out, _ = ramauthz(args("--principal", "acs:ram::"+storeUID+":user/bob")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "ImplicitDeny")

	code, out, _ = ramauthz(args("--principal", "acs:ram::"+storeUID+":user/nobody")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "refused: ")

	code, out, errs = ramauthz(args("--access-key-id", keyID, "--json", "--explain")...)
	require.Equal(t, 0, code, errs)
	v := decode(t, out)
	assert.Equal(t, "Allow", v["decision"])
	assert.Equal(t, keyID, v["access_key_id"])
	assert.Equal(t, "acs:ram::"+storeUID+":user/alice", v["principal"])
	assert.Contains(t, v["explanation"], "ecs-read")
	assert.Equal(t, []string{"access_key_id", "action", "decision", "explanation", "principal", "resource", "revision"}, keys(t, v))
	assert.NotContains(t, out, "Secret")

	// Read only: the store is at the same revision after the commands.
	fs, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	h, err := fs.Head(context.Background())
	require.NoError(t, err)
	require.NoError(t, fs.Close())
	assert.Equal(t, float64(h.Rev), v["revision"])
}

func TestAuthorizeUsage(t *testing.T) {
	dir, keyFile, _ := seedStore(t)
	wrongKey := writeFile(t, "wrong.hex", hex.EncodeToString([]byte("ffffffffffffffffffffffffffffffff")))
	shortKey := writeFile(t, "short.hex", "abcd")
	tests := []struct {
		name string
		args []string
		err  string
	}{
		{"no source", append([]string{"authorize", "--key-file", keyFile, "--principal", "acs:ram::" + storeUID + ":root"}, ecsReq...), "give one of --store DIR and --export FILE"},
		{"no key", append([]string{"authorize", "--store", dir, "--principal", "acs:ram::" + storeUID + ":root"}, ecsReq...), "--key-file is required"},
		{"no principal", append([]string{"authorize", "--store", dir, "--key-file", keyFile}, ecsReq...), "give one of --principal"},
		{"missing store", append([]string{"authorize", "--store", filepath.Join(dir, "nope"), "--key-file", keyFile, "--principal", "acs:ram::" + storeUID + ":root"}, ecsReq...), "no such store folder"},
		{"wrong key", append([]string{"authorize", "--store", dir, "--key-file", wrongKey, "--principal", "acs:ram::" + storeUID + ":root"}, ecsReq...), "sealed"},
		{"bad key file", append([]string{"authorize", "--store", dir, "--key-file", shortKey, "--principal", "acs:ram::" + storeUID + ":root"}, ecsReq...), "want 64 hexadecimal digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := ramauthz(tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errs, tc.err)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "nope"))
	assert.True(t, os.IsNotExist(err), "a read-only command creates nothing")
}

// TestExportImportStore: export a store, decide against the export file,
// delete the key in the store, and import the older export back: refused
// without --force, and with --force the deleted key stays deleted.
func TestExportImportStore(t *testing.T) {
	dir, keyFile, keyID := seedStore(t)
	exp := filepath.Join(t.TempDir(), "export.json")
	code, _, errs := ramauthz("export", "--store", dir, "--key-file", keyFile, "--out", exp)
	require.Equal(t, 0, code, errs)
	fi, err := os.Stat(exp)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	code, out, errs := ramauthz(append([]string{"authorize", "--export", exp, "--key-file", keyFile, "--access-key-id", keyID}, ecsReq...)...)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "Allow")

	code, out, _ = ramauthz("export", "--store", dir, "--key-file", keyFile, "--account", storeUID)
	require.Equal(t, 0, code)
	assert.Contains(t, out, `"Scope": "account"`)
	code, _, errs = ramauthz("export", "--store", dir, "--key-file", keyFile, "--account", "9999999999999999")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "not found")

	// Delete the key in the store.
	fs, err := filestore.Open(dir, filestore.Options{})
	require.NoError(t, err)
	d, err := directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: storeKEK})
	require.NoError(t, err)
	_, err = d.DeleteAccessKey(keyID)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.NoError(t, fs.Close())

	code, _, errs = ramauthz("import", "--store", dir, "--key-file", keyFile, exp)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "export older than the current state")
	code, out, errs = ramauthz("import", "--store", dir, "--key-file", keyFile, "--force", exp)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "imported")
	code, out, _ = ramauthz(append([]string{"authorize", "--store", dir, "--key-file", keyFile, "--access-key-id", keyID}, ecsReq...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "access key not found")
	code, _, errs = ramauthz(append([]string{"authorize", "--store", dir, "--key-file", keyFile, "--principal", "acs:ram::" + storeUID + ":user/alice"}, ecsReq...)...)
	assert.Equal(t, 0, code, errs, "the rest of the export was restored")

	// Import into a new store.
	fresh := filepath.Join(t.TempDir(), "fresh")
	code, _, errs = ramauthz("import", "--store", fresh, "--key-file", keyFile, exp)
	require.Equal(t, 0, code, errs)
	code, _, errs = ramauthz(append([]string{"authorize", "--store", fresh, "--key-file", keyFile, "--access-key-id", keyID}, ecsReq...)...)
	assert.Equal(t, 0, code, errs)
}
