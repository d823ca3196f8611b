package evaluator

import (
	_ "embed"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/internal/match"
	"github.com/ramauthz/ramauthz/policy"
)

// armsReadOnly is AliyunARMSReadOnlyAccess v13, verbatim from the
// specification (§9.1).
//
//go:embed testdata/arms-readonly-v13.json
var armsReadOnly string

// conditionsPolicy allows arms:* from 10.0.0.0/8 before 2030 and denies
// everything over plain HTTP.
const conditionsPolicy = `{"Version":"1","Statement":[
	{"Effect":"Allow","Action":"arms:*","Resource":"*","Condition":{
		"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},
		"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00+08:00"}}},
	{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}`

var (
	sinkDecision  Decision
	sinkBool      bool
	sinkEvaluator *Evaluator
)

// statementsDoc builds N Allow statements, statement K allowing svcK:VerbK*
// on acs:svcK:*:1234567890123456:res/K/*, plus one Deny on svc7:Delete*.
func statementsDoc(n int) *policy.Document {
	d := &policy.Document{Version: "1", Statements: make([]policy.Statement, 0, n+1)}
	for k := 0; k < n; k++ {
		ks := strconv.Itoa(k)
		d.Statements = append(d.Statements, policy.Statement{
			Effect:   policy.Allow,
			Action:   []string{"svc" + ks + ":Verb" + ks + "*"},
			Resource: []string{"acs:svc" + ks + ":*:1234567890123456:res/" + ks + "/*"},
		})
	}
	d.Statements = append(d.Statements, policy.Statement{
		Effect: policy.Deny, Action: []string{"svc7:Delete*"}, Resource: []string{"*"},
	})
	return d
}

func statementsRequests(n int) (hit, miss, deny Request) {
	k := strconv.Itoa(n - 1)
	hit = Request{Action: "svc" + k + ":Verb" + k + "List", Resource: "acs:svc" + k + ":cn-hangzhou:1234567890123456:res/" + k + "/item"}
	miss = Request{Action: "svc" + k + ":Verb" + k + "List", Resource: "acs:svc" + k + ":cn-hangzhou:1234567890123456:res/other/item"}
	deny = Request{Action: "svc7:DeleteAll", Resource: "acs:svc7:cn-hangzhou:1234567890123456:res/7/item"}
	return hit, miss, deny
}

func BenchmarkDecide(b *testing.B) {
	run := func(b *testing.B, e *Evaluator, r Request, want Decision) {
		if got := e.Decide(r); got != want {
			b.Fatalf("Decide = %v, want %v", got, want)
		}
		b.ReportAllocs()
		for b.Loop() {
			sinkDecision = e.Decide(r)
		}
	}
	b.Run("arms-readonly", func(b *testing.B) {
		e := compileJSON(b, armsReadOnly)
		b.Run("allow", func(b *testing.B) {
			run(b, e, Request{Action: "arms:GetTrace", Resource: res}, Allow)
		})
		b.Run("deny", func(b *testing.B) {
			run(b, e, Request{Action: "arms:CreateAlertRules", Resource: res}, ImplicitDeny)
		})
	})
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run("statements-"+strconv.Itoa(n), func(b *testing.B) {
			e, err := Compile(Policy{ID: "bench", Document: statementsDoc(n)})
			if err != nil {
				b.Fatal(err)
			}
			hit, miss, deny := statementsRequests(n)
			b.Run("hit", func(b *testing.B) { run(b, e, hit, Allow) })
			b.Run("miss", func(b *testing.B) { run(b, e, miss, ImplicitDeny) })
			b.Run("deny", func(b *testing.B) { run(b, e, deny, ExplicitDeny) })
		})
	}
	b.Run("conditions", func(b *testing.B) {
		e := compileJSON(b, conditionsPolicy)
		c := ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:CurrentTime": {"2026-05-01T12:00:00Z"}, "acs:SecureTransport": {"true"}})
		run(b, e, Request{Action: "arms:GetTrace", Resource: res, Context: c}, Allow)
	})
}

func BenchmarkMatch(b *testing.B) {
	b.Run("adversarial", func(b *testing.B) {
		p := match.MustCompile("*a*a*a*a*a*a*a*a*b", false)
		s := strings.Repeat("a", 10000)
		b.ReportAllocs()
		for b.Loop() {
			sinkBool = p.Match(s)
		}
		if sinkBool {
			b.Fatal("unexpected match")
		}
	})
	// Not one of the benchmarks: the matcher's real worst case, a
	// long chunk between two stars that almost matches at every position
	// (cost: input length times chunk length).
	b.Run("long-middle-chunk", func(b *testing.B) {
		p := match.MustCompile("*"+strings.Repeat("a", 60)+"b*", false)
		s := strings.Repeat("a", 10000)
		b.ReportAllocs()
		for b.Loop() {
			sinkBool = p.Match(s)
		}
		if sinkBool {
			b.Fatal("unexpected match")
		}
	})
}

func BenchmarkCompile(b *testing.B) {
	b.Run("arms-readonly", func(b *testing.B) {
		d, err := policy.Parse([]byte(armsReadOnly))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			e, err := Compile(Policy{ID: "bench", Document: d})
			if err != nil {
				b.Fatal(err)
			}
			sinkEvaluator = e
		}
	})
	b.Run("statements-10000", func(b *testing.B) {
		d := statementsDoc(10000)
		b.ReportAllocs()
		for b.Loop() {
			e, err := Compile(Policy{ID: "bench", Document: d})
			if err != nil {
				b.Fatal(err)
			}
			sinkEvaluator = e
		}
	})
}

// TestStatementsSets checks the benchmark policy sets decide as the
// benchmarks assume, against the reference evaluator.
func TestStatementsSets(t *testing.T) {
	for _, n := range []int{10, 100, 1000} {
		d := statementsDoc(n)
		e, err := Compile(Policy{ID: "s", Document: d})
		if err != nil {
			t.Fatal(err)
		}
		hit, miss, deny := statementsRequests(n)
		ps := []Policy{{ID: "s", Document: d}}
		for _, r := range []Request{hit, miss, deny,
			{Action: "SVC3:verb3x", Resource: "acs:svc3:r:1234567890123456:res/3/x"},
			{Action: "svc3:Verb", Resource: "acs:svc3:r:1234567890123456:res/3/x"},
			{Action: "svc31:Verb3", Resource: "acs:svc3:r:1234567890123456:res/3/x"}} {
			if got, want := e.Decide(r), referenceDecide(ps, r); got != want {
				t.Errorf("n=%d %+v: Decide = %v, reference %v", n, r, got, want)
			}
		}
	}
}
