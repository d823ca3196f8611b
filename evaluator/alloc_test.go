package evaluator

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecideNoAllocs proves the hot path allocates nothing, for every
// outcome, with and without conditions, including malformed request values.
func TestDecideNoAllocs(t *testing.T) {
	plain := compileJSON(t, armsReadOnly, deny(`"arms:Delete*"`, `"*"`))
	conds := compileJSON(t, conditionsPolicy)
	good := ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:CurrentTime": {"2020-01-01T00:00:00+08:00"}, "acs:SecureTransport": {"true"}})
	bad := ctx(kv{"acs:SourceIp": {"not-an-ip"}, "acs:CurrentTime": {"soon"}, "acs:SecureTransport": {"maybe"}})
	insecure := ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:CurrentTime": {"2020-01-01T00:00:00Z"}, "acs:SecureTransport": {"false"}})
	numeric := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
		"NumericLessThan":{"n":"100"},"StringLike":{"tag":"team-*"},"StringEqualsIgnoreCase":{"env":"Prod"}}}]}`)
	numCtx := ctx(kv{"n": {"x", "20"}, "tag": {"team-a"}, "env": {"PROD"}})
	trust := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1234567890123456:root","Service":"ecs.aliyuncs.com"}}]}`)
	tests := []struct {
		name string
		e    *Evaluator
		r    Request
		want Decision
	}{
		{"allow", plain, Request{Action: "arms:GetTrace", Resource: res}, Allow},
		{"deny", plain, Request{Action: "arms:DeleteApp", Resource: res}, ExplicitDeny},
		{"no match", plain, Request{Action: "arms:CreateAlertRules", Resource: res}, ImplicitDeny},
		{"conditions allow", conds, Request{Action: "arms:GetTrace", Resource: res, Context: good}, Allow},
		{"conditions deny", conds, Request{Action: "arms:GetTrace", Resource: res, Context: insecure}, ExplicitDeny},
		{"conditions malformed", conds, Request{Action: "arms:GetTrace", Resource: res, Context: bad}, ExplicitDeny},
		{"conditions no match", conds, Request{Action: "cms:Get", Resource: res, Context: good}, ImplicitDeny},
		{"numeric and strings", numeric, Request{Action: "a:b", Resource: res, Context: numCtx}, Allow},
		{"principal", trust, Request{Action: "sts:AssumeRole", Principal: Principal{Type: PrincipalUser, AccountID: "1234567890123456"}}, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.e.Decide(tc.r))
			allocs := testing.AllocsPerRun(200, func() {
				sinkDecision = tc.e.Decide(tc.r)
			})
			assert.Zero(t, allocs)
		})
	}
}

// TestConcurrentDecide shares one Evaluator and one read-only Context
// between goroutines; run with -race.
func TestConcurrentDecide(t *testing.T) {
	e := compileJSON(t, conditionsPolicy, armsReadOnly)
	c := ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:CurrentTime": {"2020-01-01T00:00:00Z"}, "acs:SecureTransport": {"true"}})
	r := Request{Action: "arms:GetTrace", Resource: res, Context: c}
	done := make(chan Decision)
	for g := 0; g < 8; g++ {
		go func() {
			d := Allow
			for i := 0; i < 200; i++ {
				if got := e.Decide(r); got != Allow {
					d = got
				}
				if e.Explain(r).Decision != Allow {
					d = ImplicitDeny
				}
			}
			done <- d
		}()
	}
	for g := 0; g < 8; g++ {
		assert.Equal(t, Allow, <-done)
	}
}

// TestRequestPathNoAllocs pins the per-request path a service runs with a
// reused Context (issue 12): Reset, filling from strings or typed values,
// generic service, tag and multi-valued keys (some spelled with upper-case
// letters where names fold), and Decide, with zero allocations once the
// context has grown.
func TestRequestPathNoAllocs(t *testing.T) {
	e := compileJSON(t, conditionsPolicy, `{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{
		"StringLike":{"oss:Prefix":"logs/*","acs:SourceIp":"10.1.*"},"NumericGreaterThan":{"ecs:InstanceCount":"10"}}}]}`)
	var c Context
	ip := netip.MustParseAddr("10.1.2.3")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tags := []string{"a", "b", "c"}
	paths := map[string]func() Decision{
		"strings": func() Decision {
			c.Reset()
			c.Set("acs:SourceIp", "10.1.2.3")
			c.Set("acs:CurrentTime", "2026-05-01T12:00:00Z")
			c.Set("acs:SecureTransport", "true")
			return e.Decide(Request{Action: "arms:GetTrace", Resource: res, Context: &c})
		},
		"typed": func() Decision {
			c.Reset()
			c.SetSourceIP(ip)
			c.SetCurrentTime(now)
			c.SetSecureTransport(true)
			return e.Decide(Request{Action: "arms:GetTrace", Resource: res, Context: &c})
		},
		"generic keys and a string operator on a typed value": func() Decision {
			c.Reset()
			c.SetSourceIP(ip)
			c.Set("oss:Prefix", "logs/")
			c.Set("acs:ResourceTag/Env", "prod")
			c.Set("ACS:TagKeys", tags...)
			c.Set("ecs:InstanceCount", "20")
			return e.Decide(Request{Action: "oss:GetObject", Resource: res, Context: &c})
		},
	}
	want := map[string]Decision{"strings": Allow, "typed": Allow, "generic keys and a string operator on a typed value": ExplicitDeny}
	for name, run := range paths {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, want[name], run())
			assert.Zero(t, testing.AllocsPerRun(200, func() { sinkDecision = run() }))
		})
	}
}
