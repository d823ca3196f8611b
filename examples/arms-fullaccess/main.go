// Command arms-fullaccess decides ARMS, xtrace, CMS, RAM and log requests
// against the Alibaba Cloud system policy AliyunARMSFullAccess (v16, shipped
// with ramauthz) and prints a table: action, resource, request context,
// decision, and the statement that decided it or the condition that stopped
// it.
//
// The shipped v16 reproduces statements 0 to 4 of the published policy;
// statement 5 is reconstructed (see package policy/system).
//
//	go run ./examples/arms-fullaccess
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy/system"
)

const account = "1234567890123456"

// request is one row: the request and its context as KEY=VALUE pairs.
type request struct {
	action, resource string
	context          map[string]string
}

var requests = []request{
	{action: "arms:CreateAlertRules", resource: "acs:arms:cn-hangzhou:" + account + ":alert/*"},
	{action: "arms:DeleteApp", resource: "acs:arms:cn-hangzhou:" + account + ":armsapp/checkout"},
	{action: "cms:PutMetricRuleTargets", resource: "acs:cms:cn-hangzhou:" + account + ":*"},
	{action: "xtrace:GetToken", resource: "acs:xtrace:cn-hangzhou:" + account + ":*"},
	{action: "xtrace:SearchTrace", resource: "acs:xtrace:cn-hangzhou:" + account + ":*"},
	{action: "ram:CreateServiceLinkedRole", resource: "acs:ram::" + account + ":role/*",
		context: map[string]string{"ram:ServiceName": "arms.aliyuncs.com"}},
	{action: "ram:CreateServiceLinkedRole", resource: "acs:ram::" + account + ":role/*",
		context: map[string]string{"ram:ServiceName": "ecs.aliyuncs.com"}},
	{action: "ram:CreateServiceLinkedRole", resource: "acs:ram::" + account + ":role/*"},
	{action: "log:PostLogStoreLogs", resource: "acs:log:cn-hangzhou:" + account + ":project/k8s-prom/logstore/aliyun-prom-c1"},
	{action: "log:RemoteWrite", resource: "acs:log:cn-hangzhou:" + account + ":project/k8s-prom/storeview/aliyun_prom_global"},
	{action: "log:PostLogStoreLogs", resource: "acs:log:cn-hangzhou:" + account + ":project/shop/logstore/nginx-access"},
	{action: "log:UpdateAgentInstanceConfig", resource: "acs:log:cn-hangzhou:" + account + ":*"},
	{action: "ram:CreateUser", resource: "acs:ram::" + account + ":user/*"},
	{action: "ecs:DescribeInstances", resource: "acs:ecs:cn-hangzhou:" + account + ":instance/*"},
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "arms-fullaccess:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	sp, ok := system.Get("AliyunARMSFullAccess")
	if !ok {
		return fmt.Errorf("system policy AliyunARMSFullAccess is not shipped")
	}
	ev, err := evaluator.Compile(evaluator.Policy{ID: sp.Name, Document: sp.Document})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s: %d statements\n\n", sp.Name, sp.Version, len(sp.Document.Statements))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tRESOURCE\tCONTEXT\tDECISION\tDECIDED BY")
	var ctx evaluator.Context // reused: Reset keeps its memory
	for _, q := range requests {
		ctx.Reset()
		var shown []string
		for k, v := range q.context {
			ctx.Set(k, v)
			shown = append(shown, k+"="+v)
		}
		sort.Strings(shown)
		r := evaluator.Request{Action: q.action, Resource: q.resource, Context: &ctx}
		d := ev.Decide(r)
		c := strings.Join(shown, " ")
		if c == "" {
			c = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", q.action, q.resource, c, d, decidedBy(ev.Explain(r)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, "\nStatement[5] reconstructs the part of v16 that could not be retrieved; verify it in the RAM console.")
	return err
}

// decidedBy names the statements that made the decision. For an
// ImplicitDeny it names the near miss, if any: the statement that would have
// applied but for its condition, and why.
func decidedBy(x evaluator.Explanation) string {
	var names []string
	for _, m := range x.Matched {
		if x.Decision == evaluator.ExplicitDeny && m.Effect.String() != "Deny" {
			continue
		}
		names = append(names, m.Path)
	}
	if len(names) > 0 {
		return strings.Join(names, ", ")
	}
	if len(x.NearMisses) > 0 {
		n := x.NearMisses[0]
		return fmt.Sprintf("no statement applies (%s near miss: %s %s: %s)", n.Path, n.Operator, n.Key, n.Reason)
	}
	return "no statement applies"
}
