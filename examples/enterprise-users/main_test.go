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
		"Each job gets exactly what it needs:",
		"start ECS read RDS read traces edit alerts",
		"ops-alice Allow ImplicitDeny ImplicitDeny ImplicitDeny",
		"dba-bob ImplicitDeny Allow ImplicitDeny ImplicitDeny",
		"sre-carol ImplicitDeny ImplicitDeny Allow ImplicitDeny",
		"sre-dan ImplicitDeny ImplicitDeny Allow Allow",
		"",
		"sre-carol's AccessKey reads traces: Allow",
		"",
		"After dan leaves on-call and bob's RDS policy is detached:",
		"start ECS read RDS read traces edit alerts",
		"dba-bob ImplicitDeny ImplicitDeny ImplicitDeny ImplicitDeny",
		"sre-dan ImplicitDeny ImplicitDeny Allow ImplicitDeny",
		"",
		"strict delete of sre-carol: refused (true)",
		"after cascading delete, her AccessKey reads traces: ImplicitDeny (not found: true)",
		"and her user ARN: ImplicitDeny (not found: true)",
	}, got)
}
