package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRun runs the example on memstore, and on PostgreSQL when
// RAMAUTHZ_TEST_PG names one (as .ci/postgres.sh does; under CI=true a
// missing database is a failure).
func TestRun(t *testing.T) {
	dsn := os.Getenv("RAMAUTHZ_TEST_PG")
	if dsn == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but RAMAUTHZ_TEST_PG is not set: run through .ci/postgres.sh")
	}
	var out bytes.Buffer
	require.NoError(t, run(&out, dsn))
	text := out.String()
	section := []string{
		"api-2 at api-1's token: alice reads q1.csv: Allow",
		"api-1 detached oss-read; WaitReplicated: applied by [api-1 api-2], pending []",
		"api-2 (no sync of its own): alice reads q1.csv: ImplicitDeny, at a revision >= the revocation: true",
	}
	want := append([]string{"== memstore (in process)"}, section...)
	if dsn == "" {
		want = append(want, "", "== PostgreSQL: skipped, no DSN. Give one with -dsn or RAMAUTHZ_PG_DSN, for example")
	} else {
		want = append(append(want, "", "== PostgreSQL (one store, two connections)"), section...)
	}
	got := strings.Split(strings.TrimRight(text, "\n"), "\n")
	require.GreaterOrEqual(t, len(got), len(want), text)
	require.Equal(t, want, got[:len(want)], text)
}
