package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// row is one line of the table: the decision and the deciding statement
// the spec's copy of AliyunARMSReadOnlyAccess v13 gives for the request.
type row struct {
	action, resourceSuffix, decision, by string
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	require.Equal(t, "AliyunARMSReadOnlyAccess v13: 5 statements", lines[0])
	require.Equal(t, "", lines[1])
	assert.Equal(t, []string{"ACTION", "RESOURCE", "DECISION", "DECIDED", "BY"}, strings.Fields(lines[2]))

	want := []row{
		{"arms:ListDashboards", ":dashboard/*", "Allow", "Statement[0]"},
		{"arms:GetTrace", ":armsapp/checkout", "Allow", "Statement[0]"},
		{"arms:SearchTraces", ":armsapp/checkout", "Allow", "Statement[0]"},
		{"arms:GetAppApiPageInfo", ":armsapp/checkout", "Allow", "Statement[0]"},
		{"arms:QueryMetricByPage", ":armsapp/checkout", "Allow", "Statement[0]"},
		{"arms:DoInsightsAction", ":armsapp/checkout", "Allow", "Statement[0]"},
		{"arms:CreateAlertRules", ":alert/*", "ImplicitDeny", "no statement applies"},
		{"arms:DeleteApp", ":armsapp/checkout", "ImplicitDeny", "no statement applies"},
		{"xtrace:GetToken", ":*", "Allow", "Statement[0]"},
		{"xtrace:SearchTrace", ":*", "ImplicitDeny", "no statement applies"},
		{"cms:DescribeMetricList", ":*", "Allow", "Statement[1]"},
		{"cms:PutMetricRuleTargets", ":*", "ImplicitDeny", "no statement applies"},
		{"log:GetLogStoreLogs", ":project/k8s-prom/logstore/aliyun-prom-c1", "Allow", "Statement[3]"},
		{"log:GetLogStoreLogs", ":project/proj-xtrace-a1/logstore/logstore-tracing", "Allow", "Statement[4]"},
		{"log:GetLogStoreLogs", ":project/shop/logstore/nginx-access", "ImplicitDeny", "no statement applies"},
		{"log:PostLogStoreLogs", ":project/k8s-prom/logstore/aliyun-prom-c1", "ImplicitDeny", "no statement applies"},
	}
	rows := lines[3:]
	require.Len(t, rows, len(want))
	for i, w := range want {
		t.Run(w.action+w.resourceSuffix, func(t *testing.T) {
			f := strings.Fields(rows[i])
			require.GreaterOrEqual(t, len(f), 4, rows[i])
			assert.Equal(t, w.action, f[0])
			assert.True(t, strings.HasSuffix(f[1], w.resourceSuffix), f[1])
			assert.Equal(t, w.decision, f[2])
			assert.Equal(t, w.by, strings.Join(f[3:], " "))
		})
	}
}
