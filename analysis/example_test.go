package analysis_test

import (
	"context"
	"fmt"

	"github.com/ramauthz/ramauthz/analysis"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy/system"
)

func compileSystem(name string) *analysis.Set {
	p, _ := system.Get(name)
	s, err := analysis.Compile(evaluator.Policy{ID: name, Document: p.Document})
	if err != nil {
		panic(err)
	}
	return s
}

// Does switching a role from ARMS read-only to full access grant anything
// new? One witness per granting statement, each confirmed by Decide.
func ExampleNoNewAccess() {
	ro := compileSystem("AliyunARMSReadOnlyAccess")
	full := compileSystem("AliyunARMSFullAccess")
	res := analysis.NoNewAccess(context.Background(), full, ro, analysis.Universe{}, analysis.Limits{})
	fmt.Println(res.Verdict)
	for _, r := range res.Reasons {
		fmt.Printf("%s: %s on %q %v\n", r.Statement.Path(), r.Witness.Action, r.Witness.Resource, r.Context)
	}
	// Output:
	// Fails
	// Statement[0]: arms:z on "z" []
	// Statement[1]: cms:z on "z" []
	// Statement[3]: ram:CreateServiceLinkedRole on "z" [{ram:ServiceName [arms.aliyuncs.com]}]
	// Statement[4]: log:GetLogStoreLogs on "acs:log:z:z:project/z/storeview/aliyun_prom_z" []
	// Statement[5]: log:UpdateAgentInstanceConfig on "z" []
}

// Can the read-only policy ever create, delete or update anything in ARMS?
func ExampleAccessNotGranted() {
	ro := compileSystem("AliyunARMSReadOnlyAccess")
	res := analysis.AccessNotGranted(context.Background(), ro,
		[]string{"arms:Create*", "arms:Delete*", "arms:Update*"}, []string{"*"},
		analysis.Universe{}, analysis.Limits{})
	fmt.Println(res.Verdict)
	// Output: Holds
}

// Does a policy allow every ARMS read from the office network, whatever
// else the request carries?
func ExampleAlwaysAllows() {
	ro := compileSystem("AliyunARMSReadOnlyAccess")
	res := analysis.AlwaysAllows(context.Background(), ro,
		[]string{"arms:Get*"}, []string{"*"}, map[string][]string{"acs:SourceIp": {"10.0.0.1"}},
		analysis.Universe{}, analysis.Limits{})
	fmt.Println(res.Verdict)
	res = analysis.AlwaysAllows(context.Background(), ro,
		[]string{"arms:*"}, []string{"*"}, nil, analysis.Universe{}, analysis.Limits{})
	fmt.Println(res.Verdict, res.Reasons[0].Witness.Action, res.Reasons[0].Left)
	// Output:
	// Holds
	// Fails arms:z ImplicitDeny
}
