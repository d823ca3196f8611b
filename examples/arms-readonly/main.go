// Command arms-readonly decides a day's worth of ARMS, xtrace, CMS and log
// requests against the Alibaba Cloud system policy AliyunARMSReadOnlyAccess
// (v13, shipped with ramauthz) and prints a table: action, resource,
// decision, and the statement that decided it.
//
//	go run ./examples/arms-readonly
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy/system"
)

const account = "1234567890123456"

// requests is what an on-call engineer with read-only access tries to do.
var requests = []evaluator.Request{
	{Action: "arms:ListDashboards", Resource: "acs:arms:cn-hangzhou:" + account + ":dashboard/*"},
	{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "arms:SearchTraces", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "arms:GetAppApiPageInfo", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "arms:QueryMetricByPage", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "arms:DoInsightsAction", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn-hangzhou:" + account + ":alert/*"},
	{Action: "arms:DeleteApp", Resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{Action: "xtrace:GetToken", Resource: "acs:xtrace:cn-hangzhou:" + account + ":*"},
	{Action: "xtrace:SearchTrace", Resource: "acs:xtrace:cn-hangzhou:" + account + ":*"},
	{Action: "cms:DescribeMetricList", Resource: "acs:cms:cn-hangzhou:" + account + ":*"},
	{Action: "cms:PutMetricRuleTargets", Resource: "acs:cms:cn-hangzhou:" + account + ":*"},
	{Action: "log:GetLogStoreLogs", Resource: "acs:log:cn-hangzhou:" + account + ":project/k8s-prom/logstore/aliyun-prom-c1"},
	{Action: "log:GetLogStoreLogs", Resource: "acs:log:cn-hangzhou:" + account + ":project/proj-xtrace-a1/logstore/logstore-tracing"},
	{Action: "log:GetLogStoreLogs", Resource: "acs:log:cn-hangzhou:" + account + ":project/shop/logstore/nginx-access"},
	{Action: "log:PostLogStoreLogs", Resource: "acs:log:cn-hangzhou:" + account + ":project/k8s-prom/logstore/aliyun-prom-c1"},
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "arms-readonly:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	sp, ok := system.Get("AliyunARMSReadOnlyAccess")
	if !ok {
		return fmt.Errorf("system policy AliyunARMSReadOnlyAccess is not shipped")
	}
	ev, err := evaluator.Compile(evaluator.Policy{ID: sp.Name, Document: sp.Document})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s: %d statements\n\n", sp.Name, sp.Version, len(sp.Document.Statements))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tRESOURCE\tDECISION\tDECIDED BY")
	for _, r := range requests {
		d := ev.Decide(r)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Action, r.Resource, d, decidedBy(ev.Explain(r)))
	}
	return tw.Flush()
}

// decidedBy names the statements that made the decision: the Deny
// statements for an ExplicitDeny, the Allow statements for an Allow, and
// nothing for an ImplicitDeny (no statement applied).
func decidedBy(x evaluator.Explanation) string {
	var names []string
	for _, m := range x.Matched {
		if x.Decision == evaluator.ExplicitDeny && m.Effect.String() != "Deny" {
			continue
		}
		names = append(names, m.Path)
	}
	if len(names) == 0 {
		return "no statement applies"
	}
	return strings.Join(names, ", ")
}
