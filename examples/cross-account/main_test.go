package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	var got []string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	assert.Equal(t, []string{
		"dave as himself:",
		"edit B's alert rules Allow",
		"edit A's alert rules ImplicitDeny (account boundary)",
		"dave assumes A's role: acs:ram::1234567890123456:role/arms-operator/dave-session",
		"edit A's alert rules Allow",
		"read A's traces Allow",
		"stop A's ECS instance ImplicitDeny",
		"erin assumes A's role: refused: true",
		"dave's read-only session (session policy):",
		"read A's traces Allow",
		"edit A's alert rules ImplicitDeny",
		"B detaches dave's policy; new session refused: true",
		"existing session edits alerts Allow",
		"A revokes the role's sessions:",
		"existing session edits alerts ImplicitDeny (session revoked)",
		"A deletes the role:",
		"read-only session reads traces ImplicitDeny (session gone)",
	}, got)
}
