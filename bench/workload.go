// Package bench compares ramauthz with the authorization libraries people
// would otherwise pick (ladon, casbin, cedar-go and OPA) on the same
// workloads, in the same process, after checking that every engine reaches the
// same decisions.
//
// The package lives in its own Go module so that no peer library ever enters
// the dependency graph of ramauthz itself. The workloads are generated in Go
// as policy.Document values (the common source form); every adapter
// translates them into its own engine's native policy language the way that
// engine's users would write them.
//
// Nothing here is safe to change concurrently: workloads and loaded engines
// are built once and then only read, which is safe for concurrent use.
package bench

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// Decision is the outcome of one authorization request, as every engine in
// this package reports it. The zero value is ImplicitDeny.
type Decision uint8

// The decisions. Failed is not a decision of the RAM model: it stands for an
// engine that returned an error instead of a decision (a regexp time-out, an
// evaluation error), so that such results can never be mistaken for a deny.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
	Failed
)

// String returns "ImplicitDeny", "Allow", "ExplicitDeny" or "Failed".
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	case Failed:
		return "Failed"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Request is one workload request in engine-neutral form. Context holds
// single-valued string context keys (such as "acs:SourceIp"), as the caller
// of a RAM-style authorizer would receive them.
type Request struct {
	// Name identifies the request inside its workload ("hit", "deny", ...).
	Name     string
	Action   string
	Resource string
	Context  map[string]string
	// Want is the decision the RAM specification requires, stated by hand
	// from the workload's construction (never computed by an engine).
	Want Decision
}

// Workload is a policy set plus the requests asked against it.
type Workload struct {
	// Name is the workload's name in benchmark names and RESULTS.md.
	Name string
	// PolicyID names the single policy document of the workload.
	PolicyID string
	// Doc is the policy document every adapter translates.
	Doc *policy.Document
	// JSON is the same document as RAM policy JSON: the source ramauthz
	// loads (evaluator.Load: parse and compile in one call).
	JSON []byte
	// Requests are asked round-robin by the decision benchmarks.
	Requests []Request
}

// Account is the account ID used by every generated ARN.
const Account = "1234567890123456"

// ARMSReadOnlyJSON is the exact text of AliyunARMSReadOnlyAccess (v13), the
// system policy quoted in §9.1 of the specification.
const ARMSReadOnlyJSON = `{
  "Version": "1",
  "Statement": [
    {
      "Action": [
        "arms:DoInsightsAction",
        "arms:Describe*",
        "arms:List*",
        "arms:Get*",
        "arms:Search*",
        "arms:Check*",
        "arms:Query*",
        "xtrace:Read*",
        "xtrace:Get*",
        "xtrace:Describe*"
      ],
      "Resource": "*",
      "Effect": "Allow"
    },
    {
      "Action": [
        "cms:Get*",
        "cms:List*",
        "cms:Query*",
        "cms:BatchQuery*",
        "cms:Describe*",
        "cms:Cursor",
        "cms:BatchGet",
        "cms:BatchExport",
        "cms:Check*",
        "log:GetAgentInstanceConfig"
      ],
      "Resource": "*",
      "Effect": "Allow"
    },
    {
      "Action": "log:GetMLServiceResults",
      "Resource": "*",
      "Effect": "Allow"
    },
    {
      "Action": [
        "log:GetLogStoreLogs",
        "log:QueryPrometheusMetrics",
        "log:QueryMetrics"
      ],
      "Resource": "acs:log:*:*:project/*/logstore/aliyun-prom-*",
      "Effect": "Allow"
    },
    {
      "Action": [
        "log:GetLogStoreLogs",
        "log:GetIndex"
      ],
      "Resource": "acs:log:*:*:project/proj-xtrace-*/logstore/*",
      "Effect": "Allow"
    }
  ]
}`

// ARMSReadOnlyDoc returns AliyunARMSReadOnlyAccess as a document, built
// field by field from the JSON above (so the workload does not depend on the
// parser; a test checks that policy.Parse reads the JSON the same way).
func ARMSReadOnlyDoc() *policy.Document {
	return &policy.Document{
		Kind:    policy.Identity,
		Version: "1",
		Statements: []policy.Statement{
			{Effect: policy.Allow, Resource: []string{"*"}, Action: []string{
				"arms:DoInsightsAction", "arms:Describe*", "arms:List*", "arms:Get*",
				"arms:Search*", "arms:Check*", "arms:Query*",
				"xtrace:Read*", "xtrace:Get*", "xtrace:Describe*",
			}},
			{Effect: policy.Allow, Resource: []string{"*"}, Action: []string{
				"cms:Get*", "cms:List*", "cms:Query*", "cms:BatchQuery*", "cms:Describe*",
				"cms:Cursor", "cms:BatchGet", "cms:BatchExport", "cms:Check*",
				"log:GetAgentInstanceConfig",
			}},
			{Effect: policy.Allow, Resource: []string{"*"}, Action: []string{"log:GetMLServiceResults"}},
			{Effect: policy.Allow,
				Action:   []string{"log:GetLogStoreLogs", "log:QueryPrometheusMetrics", "log:QueryMetrics"},
				Resource: []string{"acs:log:*:*:project/*/logstore/aliyun-prom-*"}},
			{Effect: policy.Allow,
				Action:   []string{"log:GetLogStoreLogs", "log:GetIndex"},
				Resource: []string{"acs:log:*:*:project/proj-xtrace-*/logstore/*"}},
		},
	}
}

// ARMSReadOnly is the arms-readonly workload: the real system policy, with
// requests that it allows and requests that it does not.
func ARMSReadOnly() *Workload {
	prom := "acs:arms:cn-hangzhou:" + Account + ":prometheus/c-1"
	return &Workload{
		Name:     "arms-readonly",
		PolicyID: "AliyunARMSReadOnlyAccess",
		Doc:      ARMSReadOnlyDoc(),
		JSON:     []byte(ARMSReadOnlyJSON),
		Requests: []Request{
			{Name: "allow-arms-get", Action: "arms:GetAlertRules", Resource: prom, Want: Allow},
			{Name: "allow-cms-exact", Action: "cms:BatchGet", Resource: "acs:cms:cn-hangzhou:" + Account + ":alert/x", Want: Allow},
			{Name: "allow-log-scoped", Action: "log:GetLogStoreLogs",
				Resource: "acs:log:cn-hangzhou:" + Account + ":project/p1/logstore/aliyun-prom-c1", Want: Allow},
			{Name: "deny-write", Action: "arms:DeleteAlertRules", Resource: prom, Want: ImplicitDeny},
			{Name: "deny-xtrace-search", Action: "xtrace:SearchTrace", Resource: "acs:xtrace:cn-hangzhou:" + Account + ":app/a", Want: ImplicitDeny},
			{Name: "deny-log-other-store", Action: "log:GetLogStoreLogs",
				Resource: "acs:log:cn-hangzhou:" + Account + ":project/p1/logstore/app-logs", Want: ImplicitDeny},
		},
	}
}

// CompileSize is the number of statements the compile benchmark loads.
const CompileSize = 10000

// StatementSizes are the sizes of the statements-N workloads.
var StatementSizes = []int{10, 100, 1000, 10000}

// StatementsDoc returns n Allow statements, statement K allowing
// svcK:VerbK* on acs:svcK:*:<account>:res/K/*, followed by one Deny of
// svc7:Delete* on every resource. n must be at least 8.
func StatementsDoc(n int) *policy.Document {
	sts := make([]policy.Statement, 0, n+1)
	for k := range n {
		ks := strconv.Itoa(k)
		sts = append(sts, policy.Statement{
			Effect:   policy.Allow,
			Action:   []string{"svc" + ks + ":Verb" + ks + "*"},
			Resource: []string{"acs:svc" + ks + ":*:" + Account + ":res/" + ks + "/*"},
		})
	}
	sts = append(sts, policy.Statement{
		Effect:   policy.Deny,
		Action:   []string{"svc7:Delete*"},
		Resource: []string{"*"},
	})
	return &policy.Document{Kind: policy.Identity, Version: "1", Statements: sts}
}

// Statements is the statements-N workload: a hit in the middle of the list, a
// miss that no statement matches, and a request the Deny refuses.
func Statements(n int) *Workload {
	h := strconv.Itoa(n / 2)
	return &Workload{
		Name:     "statements-" + strconv.Itoa(n),
		PolicyID: "Generated" + strconv.Itoa(n),
		Doc:      StatementsDoc(n),
		JSON:     StatementsJSON(n),
		Requests: []Request{
			{Name: "hit", Action: "svc" + h + ":Verb" + h + "Run",
				Resource: "acs:svc" + h + ":cn-hangzhou:" + Account + ":res/" + h + "/x", Want: Allow},
			{Name: "miss", Action: "svc" + h + ":ListThings",
				Resource: "acs:svc" + h + ":cn-hangzhou:" + Account + ":res/" + h + "/x", Want: ImplicitDeny},
			{Name: "deny", Action: "svc7:DeleteX",
				Resource: "acs:svc7:cn-hangzhou:" + Account + ":res/7/x", Want: ExplicitDeny},
		},
	}
}

// ConditionsExpiry is the instant before which the conditions workload's
// Allow holds.
const ConditionsExpiry = "2030-01-01T00:00:00Z"

// ConditionsJSON is ConditionsDoc as policy JSON.
const ConditionsJSON = `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "arms:*",
      "Resource": "*",
      "Condition": {
        "IpAddress": {"acs:SourceIp": "10.0.0.0/8"},
        "DateLessThan": {"acs:CurrentTime": "` + ConditionsExpiry + `"}
      }
    },
    {
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*",
      "Condition": {"Bool": {"acs:SecureTransport": "false"}}
    }
  ]
}`

// ConditionsDoc allows arms:* from 10.0.0.0/8 before ConditionsExpiry and
// denies everything when acs:SecureTransport is "false".
func ConditionsDoc() *policy.Document {
	cidr, err := policy.ParseIPValue("10.0.0.0/8")
	if err != nil {
		panic(err) // a constant; cannot fail
	}
	expiry, err := time.Parse(time.RFC3339, ConditionsExpiry)
	if err != nil {
		panic(err) // a constant; cannot fail
	}
	return &policy.Document{
		Kind:    policy.Identity,
		Version: "1",
		Statements: []policy.Statement{
			{Effect: policy.Allow, Action: []string{"arms:*"}, Resource: []string{"*"},
				Condition: []policy.Condition{
					{Operator: policy.DateLessThan, Key: "acs:CurrentTime",
						Values: []policy.Value{{Raw: ConditionsExpiry, Time: expiry.UTC()}}},
					{Operator: policy.IpAddress, Key: "acs:SourceIp",
						Values: []policy.Value{{Raw: "10.0.0.0/8", Prefix: cidr}}},
				}},
			{Effect: policy.Deny, Action: []string{"*"}, Resource: []string{"*"},
				Condition: []policy.Condition{
					{Operator: policy.Bool, Key: "acs:SecureTransport",
						Values: []policy.Value{{Raw: "false", Bool: false}}},
				}},
		},
	}
}

// Conditions is the conditions workload: IP range, date and secure
// transport, with every request value well-formed (malformed values are a
// separate question; see FailClosedRequests).
func Conditions() *Workload {
	res := "acs:arms:cn-hangzhou:" + Account + ":prometheus/c-1"
	ctx := func(ip, t, secure string) map[string]string {
		return map[string]string{"acs:SourceIp": ip, "acs:CurrentTime": t, "acs:SecureTransport": secure}
	}
	return &Workload{
		Name:     "conditions",
		PolicyID: "ConditionalARMS",
		Doc:      ConditionsDoc(),
		JSON:     []byte(ConditionsJSON),
		Requests: []Request{
			{Name: "allow", Action: "arms:GetAlertRules", Resource: res,
				Context: ctx("10.1.2.3", "2026-06-01T08:00:00Z", "true"), Want: Allow},
			{Name: "deny-insecure", Action: "arms:GetAlertRules", Resource: res,
				Context: ctx("10.1.2.3", "2026-06-01T08:00:00Z", "false"), Want: ExplicitDeny},
			{Name: "miss-ip", Action: "arms:GetAlertRules", Resource: res,
				Context: ctx("192.168.1.20", "2026-06-01T08:00:00Z", "true"), Want: ImplicitDeny},
			{Name: "miss-expired", Action: "arms:GetAlertRules", Resource: res,
				Context: ctx("10.1.2.3", "2031-02-03T04:05:06Z", "true"), Want: ImplicitDeny},
		},
	}
}

// FailClosedRequests are conditions-workload requests whose context values
// cannot be parsed. The specification (§4.9) makes condition evaluation
// three-valued so that such a value can neither grant access nor switch off a
// Deny. They are checked for agreement but not timed: most peers have no way
// to say "unknown".
func FailClosedRequests() []Request {
	res := "acs:arms:cn-hangzhou:" + Account + ":prometheus/c-1"
	return []Request{
		{Name: "bad-secure-transport", Action: "arms:GetAlertRules", Resource: res,
			Context: map[string]string{"acs:SourceIp": "10.1.2.3", "acs:CurrentTime": "2026-06-01T08:00:00Z",
				"acs:SecureTransport": "maybe"}, Want: ExplicitDeny},
		{Name: "bad-source-ip", Action: "arms:GetAlertRules", Resource: res,
			Context: map[string]string{"acs:SourceIp": "abc", "acs:CurrentTime": "2026-06-01T08:00:00Z",
				"acs:SecureTransport": "true"}, Want: ImplicitDeny},
	}
}

// FailClosedPeers records what each peer decides on FailClosedRequests, as
// RESULTS.md reports it; TestFailClosed keeps the record true. ramauthz
// decides them as each request's Want says.
var FailClosedPeers = map[string]map[string]Decision{
	// ladon: StringEqualCondition{"false"} does not hold for "maybe", so the
	// Deny does not apply and the Allow does; CIDRCondition is false for "abc".
	"ladon":       {"bad-secure-transport": Allow, "bad-source-ip": ImplicitDeny},
	"ladon-sized": {"bad-secure-transport": Allow, "bad-source-ip": ImplicitDeny},
	// casbin: the Deny's string comparison is false, so the Allow wins;
	// ipMatch panics on "abc", casbin turns the panic into an error.
	"casbin": {"bad-secure-transport": Allow, "bad-source-ip": Failed},
	// cedar: "maybe" stays a string, == false is false; isInRange on a string
	// is an evaluation error, and Cedar skips policies that error.
	"cedar": {"bad-secure-transport": Allow, "bad-source-ip": ImplicitDeny},
	// opa: lower("maybe") == "false" is false; net.cidr_contains errors and
	// the rule is undefined.
	"opa": {"bad-secure-transport": Allow, "bad-source-ip": ImplicitDeny},
}

// AdversarialPattern is the resource pattern of the adversarial workload. A
// matcher that backtracks over every earlier star takes time exponential in
// the number of stars against a long run of 'a' with no 'b'.
const AdversarialPattern = "*a*a*a*a*a*a*a*a*b"

// AdversarialSizes are the subject lengths of the adversarial workload.
var AdversarialSizes = []int{60, 10000}

// Adversarial is the adversarial workload for a resource of n 'a's: one
// Allow whose resource pattern never matches, so the answer is ImplicitDeny.
// Resources must be ARNs, so pattern and resource both start with a literal
// "acs:", which every matcher consumes in a few steps.
func Adversarial(n int) *Workload {
	return &Workload{
		Name:     "adversarial-" + strconv.Itoa(n),
		PolicyID: "Adversarial",
		JSON: []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:Get*","Resource":"acs:` +
			AdversarialPattern + `"}]}`),
		Doc: &policy.Document{Kind: policy.Identity, Version: "1", Statements: []policy.Statement{
			{Effect: policy.Allow, Action: []string{"svc:Get*"}, Resource: []string{"acs:" + AdversarialPattern}},
		}},
		Requests: []Request{
			{Name: "no-b", Action: "svc:GetThing", Resource: "acs:" + strings.Repeat("a", n), Want: ImplicitDeny},
		},
	}
}

// DecisionWorkloads returns the workloads timed per decision, in report
// order.
func DecisionWorkloads() []*Workload {
	ws := []*Workload{ARMSReadOnly(), Conditions()}
	for _, n := range StatementSizes {
		ws = append(ws, Statements(n))
	}
	return ws
}

// StatementsJSON renders StatementsDoc(n) as policy JSON, the source form
// the compile benchmark loads.
func StatementsJSON(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Version":"1","Statement":[`)
	for i, st := range StatementsDoc(n).Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Effect":%q,"Action":%q,"Resource":%q}`, st.Effect.String(), st.Action[0], st.Resource[0])
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchLimits are the parse limits the ramauthz adapter loads workloads
// with: the defaults fit real RAM policies (6,144 characters, 1,000
// statements), not the generated statements-10000 document.
var BenchLimits = policy.Limits{
	MaxInputBytes: 16 << 20,
	MaxSize:       16 << 20,
	MaxStatements: 100000,
}

// mustPrefix is a helper for adapters: the prefix a condition value holds,
// parsed from Raw when the document was built without it.
func mustPrefix(v policy.Value) (netip.Prefix, error) {
	if v.Prefix.IsValid() {
		return v.Prefix, nil
	}
	return policy.ParseIPValue(v.Raw)
}
