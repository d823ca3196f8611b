package directory

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestImportNeverReactivatesKey: an export taken while an AccessKey was
// Active, imported (forced, and without Force when the export is not
// outdated) after the key was deactivated, leaves the key Inactive:
// deactivation is a revocation, and a restore never undoes one. Before the
// fix the forced import made the key Active again and it was allowed.
// Checked for account and directory documents, on a directory from New
// and on one kept in a store (where a second directory opened on the
// store must agree).
func TestImportNeverReactivatesKey(t *testing.T) {
	for _, kind := range []string{"memory", "store"} {
		for _, scope := range []string{"account", "directory"} {
			t.Run(kind+"/"+scope, func(t *testing.T) {
				clk := newClock(t0)
				var d *Directory
				var ms *memstore.Store
				if kind == "memory" {
					d = MustNew(Options{Clock: clk.Now, KeyEncryptionKey: testKEK})
				} else {
					ms = memstore.New()
					defer ms.Close()
					d = openOn(t, ms, clk.Now)
				}
				f := &fixture{d: d, clk: clk}
				_, err := d.CreateAccount(uidA)
				require.NoError(t, err)
				alice := f.user(t, uidA, "alice", doc(stmt("Allow", "*", "*")))
				nk, _, err := d.CreateAccessKey(alice)
				require.NoError(t, err)
				other, _, err := d.CreateAccessKey(alice)
				require.NoError(t, err)
				r := evaluator.Request{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1"}
				res, err := d.AuthorizeAccessKey(nk.ID, r)
				require.NoError(t, err)
				require.Equal(t, evaluator.Allow, res.Decision)

				export := func() []byte {
					if scope == "account" {
						b, err := d.ExportAccount(uidA)
						require.NoError(t, err)
						return b
					}
					b, err := d.Export()
					require.NoError(t, err)
					return b
				}
				checkInactive := func(d *Directory, what string) {
					t.Helper()
					res, err := d.AuthorizeAccessKey(nk.ID, r)
					require.ErrorIs(t, err, ErrKeyInactive, what)
					require.Equal(t, evaluator.ImplicitDeny, res.Decision, what)
					u, err := d.GetUser(alice)
					require.NoError(t, err)
					for _, k := range u.AccessKeys {
						if k.ID == nk.ID {
							require.Equal(t, KeyInactive, k.Status, what)
						}
					}
					res, err = d.AuthorizeAccessKey(other.ID, r)
					require.NoError(t, err, what+": the key still Active stays Active")
					require.Equal(t, evaluator.Allow, res.Decision, what)
				}

				old := export()
				_, err = d.UpdateAccessKey(nk.ID, KeyInactive)
				require.NoError(t, err)
				_, err = d.ImportWith(old, ImportOptions{Force: true})
				require.NoError(t, err)
				checkInactive(d, "forced import of an older export")

				// A current export saying Active (written by hand, as a
				// document from elsewhere would) is no better.
				cur := export()
				_, err = d.Import([]byte(replaceOnce(t, string(cur), `"Status":"Inactive"`, `"Status":"Active"`)))
				require.NoError(t, err)
				checkInactive(d, "import of a current document saying Active")

				if ms != nil {
					r2 := openOn(t, ms, clk.Now)
					_, err := r2.Sync(context.Background())
					require.NoError(t, err)
					checkInactive(r2, "another directory on the store")
				}
				// Reactivating is the API's job, and works.
				_, err = d.UpdateAccessKey(nk.ID, KeyActive)
				require.NoError(t, err)
				res, err = d.AuthorizeAccessKey(nk.ID, r)
				require.NoError(t, err)
				require.Equal(t, evaluator.Allow, res.Decision)
			})
		}
	}
}

// replaceOnce replaces the one match of the JSON member old ("name":value,
// any spacing around the colon) in s with new; it fails unless there is
// exactly one.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	name, value, _ := strings.Cut(old, ":")
	re := regexp.MustCompile(regexp.QuoteMeta(name) + `\s*:\s*` + regexp.QuoteMeta(value))
	require.Len(t, re.FindAllStringIndex(s, -1), 1, "want one %s in the document", old)
	return re.ReplaceAllLiteralString(s, new)
}
