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
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	require.Equal(t, "AliyunARMSFullAccess v16: 6 statements", lines[0])
	assert.Equal(t, []string{"ACTION", "RESOURCE", "CONTEXT", "DECISION", "DECIDED", "BY"}, strings.Fields(lines[2]))
	assert.Equal(t, "Statement[5] reconstructs the part of v16 that could not be retrieved; verify it in the RAM console.", lines[len(lines)-1])

	// The decisions the spec's copy of v16 gives (§9.2), and what decides.
	want := []struct{ action, context, decision, by string }{
		{"arms:CreateAlertRules", "-", "Allow", "Statement[0]"},
		{"arms:DeleteApp", "-", "Allow", "Statement[0]"},
		{"cms:PutMetricRuleTargets", "-", "Allow", "Statement[1]"},
		{"xtrace:GetToken", "-", "Allow", "Statement[2]"},
		{"xtrace:SearchTrace", "-", "ImplicitDeny", "no statement applies"},
		{"ram:CreateServiceLinkedRole", "ram:ServiceName=arms.aliyuncs.com", "Allow", "Statement[3]"},
		{"ram:CreateServiceLinkedRole", "ram:ServiceName=ecs.aliyuncs.com", "ImplicitDeny",
			`no statement applies (Statement[3] near miss: StringEquals ram:ServiceName: no value of "ecs.aliyuncs.com" matches ["arms.aliyuncs.com", "audit.log.aliyuncs.com", "security.arms.aliyuncs.com"])`},
		{"ram:CreateServiceLinkedRole", "-", "ImplicitDeny", "no statement applies (Statement[3] near miss: StringEquals ram:ServiceName: key absent)"},
		{"log:PostLogStoreLogs", "-", "Allow", "Statement[4]"},
		{"log:RemoteWrite", "-", "Allow", "Statement[4]"},
		{"log:PostLogStoreLogs", "-", "ImplicitDeny", "no statement applies"},
		{"log:UpdateAgentInstanceConfig", "-", "Allow", "Statement[5]"},
		{"ram:CreateUser", "-", "ImplicitDeny", "no statement applies"},
		{"ecs:DescribeInstances", "-", "ImplicitDeny", "no statement applies"},
	}
	rows := lines[3 : len(lines)-2]
	require.Len(t, rows, len(want))
	for i, w := range want {
		t.Run(w.action, func(t *testing.T) {
			f := strings.Fields(rows[i])
			require.GreaterOrEqual(t, len(f), 5, rows[i])
			assert.Equal(t, w.action, f[0])
			assert.Equal(t, w.context, f[2])
			assert.Equal(t, w.decision, f[3])
			assert.Equal(t, w.by, strings.Join(f[4:], " "))
		})
	}
}
