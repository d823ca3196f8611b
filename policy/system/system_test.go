package system_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

func TestShippedPoliciesParseStrictly(t *testing.T) {
	require.Equal(t, []string{"AliyunARMSFullAccess", "AliyunARMSReadOnlyAccess", "AliyunSTSAssumeRoleAccess"}, system.Names())
	for _, name := range system.Names() {
		t.Run(name, func(t *testing.T) {
			p, ok := system.Get(name)
			require.True(t, ok)
			assert.Equal(t, name, p.Name)
			assert.Equal(t, system.TypeSystem, p.Type)
			assert.NotEmpty(t, p.Version)
			assert.NotEmpty(t, p.Description)
			doc, err := policy.Parse(p.JSON)
			require.NoError(t, err)
			assert.Equal(t, doc, p.Document)
		})
	}
}

func TestReadOnlyIsV13(t *testing.T) {
	p, ok := system.Get("AliyunARMSReadOnlyAccess")
	require.True(t, ok)
	assert.Equal(t, "v13", p.Version)
	d := p.Document
	require.Len(t, d.Statements, 5)
	assert.Equal(t, []string{"arms:DoInsightsAction", "arms:Describe*", "arms:List*", "arms:Get*", "arms:Search*",
		"arms:Check*", "arms:Query*", "xtrace:Read*", "xtrace:Get*", "xtrace:Describe*"}, d.Statements[0].Action)
	assert.Equal(t, []string{"log:GetMLServiceResults"}, d.Statements[2].Action)
	assert.Equal(t, []string{"acs:log:*:*:project/*/logstore/aliyun-prom-*"}, d.Statements[3].Resource)
	assert.Equal(t, []string{"acs:log:*:*:project/proj-xtrace-*/logstore/*"}, d.Statements[4].Resource)
	for _, s := range d.Statements {
		assert.Equal(t, policy.Allow, s.Effect)
		assert.Nil(t, s.Condition)
	}
	// The shipped bytes are the published document: a generic JSON reader
	// sees the same structure as our parser.
	var generic map[string]any
	require.NoError(t, json.Unmarshal(p.JSON, &generic))
	assert.Len(t, generic["Statement"], 5)
}

func TestFullAccessShape(t *testing.T) {
	p, ok := system.Get("AliyunARMSFullAccess")
	require.True(t, ok)
	assert.Equal(t, "v16", p.Version)
	d := p.Document
	require.Len(t, d.Statements, 6)
	assert.Equal(t, []string{"arms:*"}, d.Statements[0].Action)
	assert.Equal(t, []string{"cms:*"}, d.Statements[1].Action)
	require.Len(t, d.Statements[3].Condition, 1)
	c := d.Statements[3].Condition[0]
	assert.Equal(t, policy.StringEquals, c.Operator)
	assert.Equal(t, "ram:ServiceName", c.Key)
	assert.Len(t, c.Values, 3)
	assert.Equal(t, []string{"log:GetMLServiceResults", "log:GetAgentInstanceConfig", "log:UpdateAgentInstanceConfig"}, d.Statements[5].Action)
	assert.Equal(t, []string{"*"}, d.Statements[5].Resource)
}

func TestGetReturnsIndependentCopies(t *testing.T) {
	a, _ := system.Get("AliyunSTSAssumeRoleAccess")
	a.Document.Statements[0].Action[0] = "ecs:*"
	a.JSON[0] = 'X'
	b, _ := system.Get("AliyunSTSAssumeRoleAccess")
	assert.Equal(t, []string{"sts:AssumeRole"}, b.Document.Statements[0].Action)
	assert.True(t, bytes.HasPrefix(b.JSON, []byte("{")))
}

func TestGetUnknown(t *testing.T) {
	_, ok := system.Get("aliyunarmsreadonlyaccess")
	assert.False(t, ok, "names are exact")
	_, ok = system.Get("NoSuchPolicy")
	assert.False(t, ok)
	assert.Len(t, system.All(), 3)
}

func ExampleGet() {
	p, ok := system.Get("AliyunARMSReadOnlyAccess")
	if !ok {
		return
	}
	fmt.Println(p.Name, p.Version, len(p.Document.Statements), "statements")
	fmt.Println(p.Document.Statements[0].Action[:3])
	// Output:
	// AliyunARMSReadOnlyAccess v13 5 statements
	// [arms:DoInsightsAction arms:Describe* arms:List*]
}

// TestGetDoesNotParse: Get hands out copies of documents parsed once, so
// a copy costs a handful of allocations, not a parse; and every copy,
// including All's, is independent of the others.
func TestGetDoesNotParse(t *testing.T) {
	p, _ := system.Get("AliyunARMSReadOnlyAccess")
	clone := testing.AllocsPerRun(20, func() { _ = p.Document.Clone() })
	get := testing.AllocsPerRun(20, func() { _, _ = system.Get("AliyunARMSReadOnlyAccess") })
	assert.Equal(t, clone+2, get, "Get = a Document.Clone, the Policy and the JSON copy; no parse")

	all := system.All()
	all[1].Document.Statements[0].Action[0] = "ecs:*"
	again, _ := system.Get(all[1].Name)
	assert.Equal(t, "arms:DoInsightsAction", again.Document.Statements[0].Action[0])
}

func BenchmarkGet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = system.Get("AliyunARMSReadOnlyAccess")
	}
}
