package evaluator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/policy"
)

// acs:PrincipalARN falls back to Request.Principal.ARN, so identity policies
// can restrict by caller (spec §3.2: for a role session it is the role ARN).
func TestPrincipalARNFallback(t *testing.T) {
	d, err := policy.Parse([]byte(`{"Version":"1","Statement":[
	  {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"acs:PrincipalARN":"acs:ram:*:*:role/ops*"}}},
	  {"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`))
	require.NoError(t, err)
	e, err := Compile(Policy{ID: "p", Document: d})
	require.NoError(t, err)
	ops := Principal{Type: PrincipalRole, AccountID: "1234567890123456", ARN: "acs:ram::1234567890123456:role/ops-admin"}
	dev := Principal{Type: PrincipalRole, AccountID: "1234567890123456", ARN: "acs:ram::1234567890123456:role/dev"}
	req := Request{Action: "oss:GetObject", Resource: "acs:oss:*:1234567890123456:b/o"}

	req.Principal = ops
	assert.Equal(t, Allow, e.Decide(req))
	assert.Equal(t, Allow, e.Explain(req).Decision)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = e.Decide(req) }))

	req.Principal = dev
	assert.Equal(t, ExplicitDeny, e.Decide(req))
	x := e.Explain(req)
	assert.Equal(t, ExplicitDeny, x.Decision)

	// Without a principal the key is absent: the negated operator holds.
	req.Principal = Principal{}
	assert.Equal(t, ExplicitDeny, e.Decide(req))

	// A context value takes precedence over the principal.
	var c Context
	c.Set("acs:PrincipalArn", ops.ARN)
	req.Principal, req.Context = dev, &c
	assert.Equal(t, Allow, e.Decide(req))

	// Near misses name the principal's ARN as the value that failed.
	d2, err := policy.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"StringEquals":{"acs:PrincipalARN":"acs:ram::1234567890123456:role/ops"}}}]}`))
	require.NoError(t, err)
	e2, err := Compile(Policy{ID: "p2", Document: d2})
	require.NoError(t, err)
	x = e2.Explain(Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:b", Principal: dev})
	require.Len(t, x.NearMisses, 1)
	assert.Contains(t, x.NearMisses[0].Reason, "role/dev")
}
