package evaluator

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMappedIPv4D25 is the repro for spec §13 D25: a Deny on
// IpAddress acs:SourceIp 203.0.113.0/24 must fire for ::ffff:203.0.113.7
// and 0:0:0:0:0:ffff:cb00:7107 (it did not), whichever way the address
// enters the Context; a policy block written in the mapped range is the
// IPv4 block; other embeddings are not translated.
func TestMappedIPv4D25(t *testing.T) {
	denyBlock := denyIf("IpAddress", "acs:SourceIp", `"203.0.113.0/24"`)
	denyMappedBlock := denyIf("IpAddress", "acs:SourceIp", `"::ffff:203.0.113.0/120"`)
	guard := denyIf("NotIpAddress", "acs:SourceIp", `["::ffff:203.0.113.0/120","2001:db8::/32"]`)
	denyV6All := denyIf("IpAddress", "acs:SourceIp", `"::/0"`)
	tests := []struct {
		name string
		docs []string
		ip   string
		want Decision
	}{
		{"v4 block, mapped dotted", denyBlock, "::ffff:203.0.113.7", ExplicitDeny},
		{"v4 block, mapped hex, long form", denyBlock, "0:0:0:0:0:ffff:cb00:7107", ExplicitDeny},
		{"v4 block, mapped upper-case hex", denyBlock, "::FFFF:CB00:7107", ExplicitDeny},
		{"v4 block, plain v4", denyBlock, "203.0.113.7", ExplicitDeny},
		{"v4 block, mapped outside", denyBlock, "::ffff:203.0.114.7", Allow},
		{"mapped block, plain v4", denyMappedBlock, "203.0.113.7", ExplicitDeny},
		{"mapped block, plain v4 outside", denyMappedBlock, "203.0.112.255", Allow},
		{"mapped block, mapped request", denyMappedBlock, "::ffff:cb00:71ff", ExplicitDeny},
		{"NotIpAddress mapped block, v4 inside", guard, "203.0.113.9", Allow},
		{"NotIpAddress mapped block, v4 outside", guard, "198.51.100.1", ExplicitDeny},
		{"NotIpAddress mapped block, v6 inside", guard, "2001:db8::1", Allow},
		{"NAT64 is not translated", denyBlock, "64:ff9b::cb00:7107", Allow},
		{"6to4 is not translated", denyBlock, "2002:cb00:7107::1", Allow},
		{"IPv4-compatible is not translated", denyBlock, "::203.0.113.7", Allow},
		{"::/0 holds IPv6 only, not v4", denyV6All, "203.0.113.7", Allow},
		{"::/0 holds IPv6 only, not mapped v4", denyV6All, "::ffff:203.0.113.7", Allow},
		{"::/0 holds v6", denyV6All, "2001:db8::1", ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := compileJSON(t, tc.docs...)
			var viaSet Context
			viaSet.Set("acs:SourceIp", tc.ip)
			var viaAddr Context
			viaAddr.SetSourceIP(netip.MustParseAddr(tc.ip))
			for _, c := range []*Context{&viaSet, &viaAddr} {
				r := Request{Action: "arms:GetTrace", Resource: res, Context: c}
				assert.Equal(t, tc.want, e.Decide(r), "Decide")
				assert.Equal(t, tc.want, e.Explain(r).Decision, "Explain")
				assert.Equal(t, tc.want, referenceDecide(refPolicies(t, tc.docs), r), "reference")
			}
		})
	}
}

func TestSetSourceIPUnmaps(t *testing.T) {
	var c Context
	c.SetSourceIP(netip.MustParseAddr("::ffff:203.0.113.7"))
	got, ok := c.Get("acs:SourceIp")
	require.True(t, ok)
	assert.Equal(t, []string{"203.0.113.7"}, got)
	c.Set("acs:SourceIp", "::ffff:203.0.113.7")
	got, _ = c.Get("acs:SourceIp")
	assert.Equal(t, []string{"::ffff:203.0.113.7"}, got, "Set keeps the caller's string; IP conditions compare it unmapped")
}

func TestMappedIPv4DecideNoAllocs(t *testing.T) {
	e := compileJSON(t, denyIf("NotIpAddress", "acs:SourceIp", `["::ffff:10.0.0.0/104","2001:db8::/32"]`)...)
	var c Context
	c.Set("acs:SourceIp", "0:0:0:0:0:ffff:a01:203")
	r := Request{Action: "arms:GetTrace", Resource: res, Context: &c}
	require.Equal(t, Allow, e.Decide(r))
	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = e.Decide(r) }))
}
