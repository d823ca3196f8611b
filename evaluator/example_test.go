package evaluator_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// The whole flow: parse a document, compile it, decide, explain.
func Example() {
	doc, err := policy.Parse([]byte(`{
		"Version": "1",
		"Statement": [
			{"Effect": "Allow", "Action": "arms:Get*", "Resource": "*"},
			{"Sid": "OfficeOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
			 "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := evaluator.Compile(evaluator.Policy{ID: "arms-office", Document: doc})
	if err != nil {
		fmt.Println(err)
		return
	}
	var c evaluator.Context
	c.SetSourceIP(netip.MustParseAddr("10.1.2.3"))
	r := evaluator.Request{
		Action:   "arms:GetTrace",
		Resource: "acs:arms:cn-hangzhou:1234567890123456:dashboard/abc",
		Context:  &c,
	}
	fmt.Println(e.Decide(r))

	c.Set("acs:SourceIp", "abc") // malformed: the Deny still applies
	fmt.Print(e.Explain(r))
	// Output:
	// Allow
	// ExplicitDeny
	//   applied: Allow policy "arms-office" Statement[0]
	//   applied: Deny policy "arms-office" Statement[1] (Sid "OfficeOnly")
}

func ExampleCompile() {
	doc := &policy.Document{Version: "1", Statements: []policy.Statement{{
		Effect: policy.Allow, Action: []string{"oss:Get*"}, Resource: []string{"acs:oss:*:*:bucket/*"},
	}}}
	e, err := evaluator.Compile(evaluator.Policy{ID: "oss-read", Document: doc})
	fmt.Println(e.Decide(evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:bucket/a/b.txt"}), err)

	doc.Statements[0].Action = nil // built in code, and broken
	_, err = evaluator.Compile(evaluator.Policy{ID: "oss-read", Document: doc})
	var ce *evaluator.CompileError
	fmt.Println(errors.As(err, &ce), ce.Path, errors.Is(err, policy.ErrMissing))
	// Output:
	// Allow <nil>
	// true Statement[0].Action true
}

func ExampleLoad() {
	js := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"acs:oss:*:*:bucket/*"}]}`)
	e, err := evaluator.Load("oss-read", js)
	fmt.Println(e.Decide(evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:bucket/a/b.txt"}), err)

	_, err = evaluator.Load("oss-read", []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}`))
	var pe *policy.ParseError
	fmt.Println(errors.As(err, &pe), pe.Path, errors.Is(err, policy.ErrMissing))
	// Output:
	// Allow <nil>
	// true Statement[0].Action true
}

func ExampleEvaluator_Decide() {
	allow, _ := policy.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`))
	deny, _ := policy.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}]}`))
	e, _ := evaluator.Compile(
		evaluator.Policy{ID: "ecs-admin", Document: allow},
		evaluator.Policy{ID: "no-delete", Document: deny},
	)
	for _, action := range []string{"ecs:StartInstance", "ECS:DeleteInstance", "rds:CreateDB"} {
		fmt.Println(action, e.Decide(evaluator.Request{Action: action, Resource: "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1"}))
	}
	// Output:
	// ecs:StartInstance Allow
	// ECS:DeleteInstance ExplicitDeny
	// rds:CreateDB ImplicitDeny
}

func ExampleEvaluator_Explain() {
	doc, _ := policy.Parse([]byte(`{"Version":"1","Statement":[{"Sid":"HTTPS","Effect":"Allow","Action":"oss:*","Resource":"*",
		"Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}`))
	e, _ := evaluator.Compile(evaluator.Policy{ID: "oss-https", Document: doc})
	x := e.Explain(evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:b/k"})
	fmt.Println(x.Decision, x.NearMisses[0].Operator, x.NearMisses[0].Key, x.NearMisses[0].Reason)
	// Output:
	// ImplicitDeny Bool acs:SecureTransport key absent
}

func ExampleContext() {
	var c evaluator.Context
	c.Set("acs:SourceIp", "10.1.2.3")
	c.Set("acs:TagKeys", "env", "team") // a multi-valued key
	ip, _ := c.Get("ACS:SOURCEIP")      // key names ignore ASCII case before the first '/'
	tags, _ := c.Get("acs:TagKeys")
	fmt.Println(ip, tags)
	c.Reset()
	_, ok := c.Get("acs:SourceIp")
	fmt.Println(ok)
	// Output:
	// [10.1.2.3] [env team]
	// false
}

// A time window written with the IfExists operators (spec §13 D22): the
// conditions hold inside the window and when the request carries no time at
// all; outside the window, Explain names the operator as written.
func ExampleEvaluator_Explain_ifExists() {
	doc, _ := policy.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*",
		"Condition":{"DateGreaterThanIfExists":{"acs:CurrentTime":"2026-03-31T09:00:00+08:00"},
		             "DateLessThanIfExists":{"acs:CurrentTime":"2026-03-31T18:00:00+08:00"}}}]}`))
	e, _ := evaluator.Compile(evaluator.Policy{ID: "office-hours", Document: doc})
	r := evaluator.Request{Action: "ecs:StartInstance", Resource: "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1"}
	fmt.Println(e.Decide(r)) // no acs:CurrentTime: the IfExists conditions hold

	var c evaluator.Context
	c.SetCurrentTime(time.Date(2026, 3, 31, 2, 0, 0, 0, time.UTC)) // 10:00 in Beijing
	r.Context = &c
	fmt.Println(e.Decide(r))

	c.SetCurrentTime(time.Date(2026, 3, 31, 11, 0, 0, 0, time.UTC)) // 19:00 in Beijing
	x := e.Explain(r)
	fmt.Println(x.Decision, x.NearMisses[0].OperatorName())
	// Output:
	// Allow
	// Allow
	// ImplicitDeny DateLessThanIfExists
}

func ExampleParseDecision() {
	d, err := evaluator.ParseDecision("ExplicitDeny")
	fmt.Println(d, err)
	_, err = evaluator.ParseDecision("deny")
	fmt.Println(errors.Is(err, policy.ErrInvalid))
	// Output:
	// ExplicitDeny <nil>
	// true
}

// A shared base context (filled once, read by every request) and a
// request-local view derived from it: CopyFrom reuses the local context's
// memory, so the copy allocates nothing once the context has grown, and the
// base is never written.
func ExampleContext_CopyFrom() {
	doc, err := policy.Parse([]byte(`{"Version": "1", "Statement": [
		{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*",
		 "Condition": {"StringEquals": {"oss:Prefix": "public/"}, "IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := evaluator.Compile(evaluator.Policy{ID: "public-reads", Document: doc})
	if err != nil {
		fmt.Println(err)
		return
	}
	var base evaluator.Context
	base.SetSourceIP(netip.MustParseAddr("10.1.2.3"))

	var local evaluator.Context // one per goroutine, reused across requests
	for _, prefix := range []string{"public/", "private/"} {
		local.CopyFrom(&base)
		local.Set("oss:Prefix", prefix)
		r := evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:bucket/" + prefix + "a", Context: &local}
		fmt.Println(prefix, e.Decide(r))
	}
	_, ok := base.Get("oss:Prefix")
	fmt.Println("base has oss:Prefix:", ok)
	// Output:
	// public/ Allow
	// private/ ImplicitDeny
	// base has oss:Prefix: false
}
