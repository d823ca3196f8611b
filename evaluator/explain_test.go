package evaluator

import (
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	office := `{"Version":"1","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":"arms:Get*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Allow","Action":"arms:List*","Resource":"*"}]}`
	guard := `{"Version":"1","Statement":[
		{"Sid":"NoHTTP","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}},
		{"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}]}`
	e := compileJSON(t, office, guard)

	t.Run("allowed", func(t *testing.T) {
		r := Request{Action: "arms:GetTrace", Resource: res, Context: ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:SecureTransport": {"true"}})}
		x := e.Explain(r)
		assert.Equal(t, Allow, x.Decision)
		assert.Equal(t, []Match{{PolicyID: "p0", Statement: 0, Sid: "Read", Effect: policy.Allow, Path: "Statement[0]"}}, x.Matched)
		require.Len(t, x.NearMisses, 2)
		assert.Equal(t, NearMiss{
			Match:    Match{PolicyID: "p1", Statement: 0, Sid: "NoHTTP", Effect: policy.Deny, Path: "Statement[0]"},
			Operator: policy.Bool, Key: "acs:SecureTransport", Reason: `no value of "true" matches "false"`,
		}, x.NearMisses[0])
		assert.Equal(t, policy.NotIpAddress, x.NearMisses[1].Operator)
		assert.Equal(t, `value "10.1.2.3" matches one of ["10.0.0.0/8", "192.168.0.0/16"]`, x.NearMisses[1].Reason)
	})
	t.Run("malformed value", func(t *testing.T) {
		r := Request{Action: "arms:GetTrace", Resource: res, Context: ctx(kv{"acs:SourceIp": {"abc"}})}
		x := e.Explain(r)
		assert.Equal(t, ExplicitDeny, x.Decision)
		assert.Equal(t, ExplicitDeny, e.Decide(r))
		require.Len(t, x.Matched, 1)
		assert.Equal(t, "Office", x.Matched[0].Sid)
		require.Len(t, x.NearMisses, 2)
		assert.Equal(t, "Read", x.NearMisses[0].Sid)
		assert.Equal(t, `value "abc" is not an IP address`, x.NearMisses[0].Reason)
		assert.Equal(t, "key absent", x.NearMisses[1].Reason)
		assert.Equal(t, "acs:SecureTransport", x.NearMisses[1].Key)
	})
	t.Run("string form", func(t *testing.T) {
		r := Request{Action: "arms:GetTrace", Resource: res, Context: ctx(kv{"acs:SourceIp": {"abc"}})}
		want := "ExplicitDeny\n" +
			`  applied: Deny policy "p1" Statement[1] (Sid "Office")` + "\n" +
			`  near miss: Allow policy "p0" Statement[0] (Sid "Read"): IpAddress "acs:SourceIp": value "abc" is not an IP address` + "\n" +
			`  near miss: Deny policy "p1" Statement[0] (Sid "NoHTTP"): Bool "acs:SecureTransport": key absent` + "\n"
		assert.Equal(t, want, e.Explain(r).String())
	})
	t.Run("nothing matched", func(t *testing.T) {
		e := compileJSON(t, office)
		x := e.Explain(Request{Action: "cms:Get", Resource: res})
		assert.Equal(t, ImplicitDeny, x.Decision)
		assert.Empty(t, x.Matched)
		assert.Equal(t, "ImplicitDeny\n  no statement matched the action and resource\n", x.String())
	})
	t.Run("every matching statement is listed", func(t *testing.T) {
		e := compileJSON(t, allow(`["arms:*","arms:Get*"]`, `"*"`), allow(`"*"`, `"*"`), deny(`"cms:*"`, `"*"`))
		x := e.Explain(Request{Action: "arms:GetTrace", Resource: res})
		assert.Equal(t, Allow, x.Decision)
		assert.Len(t, x.Matched, 2)
		assert.Empty(t, x.NearMisses)
	})
}

// Explanations cite the policy's ID whether the Evaluator holds one policy
// (its ID kept in the Evaluator value) or several (a table of IDs).
func TestExplainCitesPolicyID(t *testing.T) {
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Get*","Resource":"*"}]}`
	d, err := policy.Parse([]byte(doc))
	require.NoError(t, err)
	r := Request{Action: "ecs:GetThing", Resource: res}
	one, err := Compile(Policy{ID: "solo", Document: d})
	require.NoError(t, err)
	x := one.Explain(r)
	require.Len(t, x.Matched, 1)
	assert.Equal(t, "solo", x.Matched[0].PolicyID)

	three, err := Compile(Policy{ID: "a", Document: d}, Policy{ID: "b", Document: d}, Policy{ID: "c", Document: d})
	require.NoError(t, err)
	var ids []string
	for _, m := range three.Explain(r).Matched {
		ids = append(ids, m.PolicyID)
	}
	assert.ElementsMatch(t, []string{"a", "b", "c"}, ids)
}
