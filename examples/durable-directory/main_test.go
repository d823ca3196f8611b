package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	folder := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(&out, folder))
	var got []string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	table := []string{
		"start ECS read RDS read OSS",
		"analyst-carol ImplicitDeny ImplicitDeny Allow",
		"analyst-dan ImplicitDeny ImplicitDeny Allow",
		"dba-bob ImplicitDeny ImplicitDeny ImplicitDeny",
		"ops-alice Allow ImplicitDeny ImplicitDeny",
		"carol's AccessKey ImplicitDeny ImplicitDeny Allow",
		"dan's deleted key refused refused refused",
		"revoked role session refused refused refused",
	}
	want := append([]string{"Before the restart (revision 22):"}, table...)
	want = append(want, "", "After the restart (revision 22):")
	want = append(want, table...)
	want = append(want, "", "group analysts: analyst-carol, analyst-dan", "same decisions after the restart: true")
	assert.Equal(t, want, got)

	// The store lives in the folder, readable by its owner only.
	entries, err := os.ReadDir(folder)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(folder, e.Name()))
		require.NoError(t, err)
		if !info.IsDir() {
			assert.Zero(t, info.Mode().Perm()&0o077, "%s is %v", e.Name(), info.Mode())
		}
	}
}
