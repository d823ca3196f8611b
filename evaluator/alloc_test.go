package evaluator

import (
	"testing"

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
