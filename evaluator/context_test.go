package evaluator

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContext(t *testing.T) {
	t.Run("zero value is empty", func(t *testing.T) {
		var c Context
		_, ok := c.Get("acs:SourceIp")
		assert.False(t, ok)
		_, ok = c.Get("k")
		assert.False(t, ok)
	})
	t.Run("set and get", func(t *testing.T) {
		var c Context
		c.Set("acs:SourceIp", "abc")
		c.Set("k", "a", "b")
		got, ok := c.Get("acs:sourceip")
		require.True(t, ok)
		assert.Equal(t, []string{"abc"}, got, "malformed values are stored")
		got, ok = c.Get("k")
		require.True(t, ok)
		assert.Equal(t, []string{"a", "b"}, got)
		_, ok = c.Get("K")
		assert.True(t, ok, "every key name ignores ASCII case before '/' (spec §13 D23)")
	})
	t.Run("names fold before the first slash, for every key", func(t *testing.T) {
		var c Context
		c.Set("ACS:ResourceTag/Env", "prod")
		_, ok := c.Get("acs:resourcetag/Env")
		assert.True(t, ok)
		_, ok = c.Get("acs:resourcetag/env")
		assert.False(t, ok, "the tag name after '/' is exact")
		c.Set("acsx", "1")
		_, ok = c.Get("ACSX")
		assert.True(t, ok)
		c.Set("oss:Prefix", "secret/2024/")
		got, ok := c.Get("OSS:PREFIX")
		assert.True(t, ok)
		assert.Equal(t, []string{"secret/2024/"}, got)
		c.Set("oss:prefix", "public/")
		got, _ = c.Get("oss:Prefix")
		assert.Equal(t, []string{"public/"}, got, "a case twin replaces the earlier key")
		c.Set("ecs:Tag/Team", "a")
		c.Set("ECS:tag/team", "b")
		got, _ = c.Get("ecs:tag/Team")
		assert.Equal(t, []string{"a"}, got, "Team and team after '/' are two keys")
		_, ok = c.Get("ſts:ExternalId") // U+017F is not ASCII: no folding
		assert.False(t, ok)
	})
	t.Run("set replaces and copies", func(t *testing.T) {
		var c Context
		vals := []string{"a", "b"}
		c.Set("acs:TagKeys", vals...)
		vals[0] = "changed"
		c.Set("acs:MFAPresent", "true", "false")
		c.Set("acs:MFAPresent", "true")
		got, _ := c.Get("acs:TagKeys")
		assert.Equal(t, []string{"a", "b"}, got)
		got, _ = c.Get("acs:MFAPresent")
		assert.Equal(t, []string{"true"}, got)
	})
	t.Run("reset", func(t *testing.T) {
		var c Context
		c.Set("acs:SourceIp", "10.0.0.1")
		c.Set("k", "v")
		c.Reset()
		_, ok := c.Get("acs:SourceIp")
		assert.False(t, ok)
		_, ok = c.Get("k")
		assert.False(t, ok)
		c.Set("k", "w")
		got, _ := c.Get("k")
		assert.Equal(t, []string{"w"}, got)
	})
	t.Run("typed setters", func(t *testing.T) {
		var c Context
		c.SetSourceIP(netip.MustParseAddr("2001:db8::1"))
		c.SetCurrentTime(time.Date(2019, 8, 12, 17, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		c.SetSecureTransport(true)
		c.SetMFAPresent(false)
		for key, want := range map[string]string{
			"acs:SourceIp":        "2001:db8::1",
			"acs:CurrentTime":     "2019-08-12T09:00:00Z",
			"acs:SecureTransport": "true",
			"acs:MFAPresent":      "false",
		} {
			got, ok := c.Get(key)
			require.True(t, ok, key)
			assert.Equal(t, []string{want}, got, key)
		}
		c.SetCurrentTime(time.Date(2019, 8, 12, 9, 0, 0, 500, time.UTC))
		got, _ := c.Get("acs:CurrentTime")
		assert.Equal(t, []string{"2019-08-12T09:00:00.0000005Z"}, got)
		_, err := policy.ParseDate(got[0])
		assert.NoError(t, err, "the canonical form parses back")
	})
	t.Run("typed setters drive conditions", func(t *testing.T) {
		e := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
			"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},
			"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},
			"Bool":{"acs:SecureTransport":"true","acs:MFAPresent":"true"}}}]}`)
		var c Context
		c.SetSourceIP(netip.MustParseAddr("10.2.3.4"))
		c.SetCurrentTime(time.Date(2029, 12, 31, 23, 59, 59, 0, time.UTC))
		c.SetSecureTransport(true)
		c.SetMFAPresent(true)
		r := Request{Action: "x:y", Resource: "z", Context: &c}
		assert.Equal(t, Allow, e.Decide(r))
		c.SetMFAPresent(false)
		assert.Equal(t, ImplicitDeny, e.Decide(r))
		c.SetMFAPresent(true)
		c.SetSourceIP(netip.Addr{})
		assert.Equal(t, ImplicitDeny, e.Decide(r), "the zero Addr is never inside a block")
	})
}

func TestRequestIP(t *testing.T) {
	tests := map[string]bool{
		"10.1.2.3":        true,
		"2001:db8::1":     true,
		"::ffff:10.1.2.3": true,
		"abc":             false,
		"":                false,
		"1.2.3":           false,
		"fe80::1%eth0":    false,
		"10.1.2.3/32":     false,
		" 10.1.2.3":       false,
	}
	for in, want := range tests {
		assert.Equal(t, want, requestIP(in).IsValid(), in)
	}
}

func TestDecisionStrings(t *testing.T) {
	for _, d := range []Decision{ImplicitDeny, Allow, ExplicitDeny} {
		got, err := ParseDecision(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, got)
	}
	assert.Equal(t, "Decision(7)", Decision(7).String())
	assert.Equal(t, ImplicitDeny, Decision(0), "the zero value denies")
	_, err := ParseDecision("allow")
	assert.ErrorIs(t, err, policy.ErrInvalid)
	var pe *policy.ParseError
	assert.ErrorAs(t, err, &pe)
}

// TestRequestIPAgreesWithNetip checks requestIP, which reads IPv4 itself
// and screens IPv6 before calling netip.ParseAddr, against ParseAddr (then
// Unmap) on
// random strings over the characters of addresses, and checks that it
// allocates for none of the values that are not addresses.
func TestRequestIPAgreesWithNetip(t *testing.T) {
	ref := func(s string) netip.Addr {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Addr{}
		}
		return a.Unmap() // spec §13 D25
	}
	seeds := []string{"10.1.2.3", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3",
		"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3",
		"::ffff:10.1.2.3", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", ":1.2.3.4", "1:2:3:4:5::1.2.3.4",
		"12345::", ":::", ":1::", "1:", ":1", "fe80::1%eth0", "20", "abc", "deadbeef", "2020-01-01T00:00:00Z", "true", "a:b"}
	for _, s := range seeds {
		assert.Equal(t, ref(s), requestIP(s), s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789abcdefABCDEF:.:.::%"
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+rng.IntN(20))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := requestIP(s), ref(s); got != want {
			t.Fatalf("requestIP(%q) = %v, netip says %v", s, got, want)
		}
	}
	for _, s := range []string{"20", "abc", "deadbeef", "1.2.3", "a:b", "true", "2020-01-01T00:00:00Z", "acs:ram::1:user/x", "1:2:3:4:5:6:7:8:9"} {
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = requestIP(s) }), s)
	}
}

// TestParseRequestValueAgreesWithParsers checks that the read-ahead, which
// runs each parser only on values that can start its type, reads every
// value exactly as running all four parsers would.
func TestParseRequestValueAgreesWithParsers(t *testing.T) {
	full := func(s string) reqValue {
		v := reqValue{ip: requestIP(s)}
		if tm, err := policy.ParseDate(s); err == nil {
			v.time, v.flags = tm, v.flags|valTime
		}
		if n, err := policy.ParseNumber(s); err == nil {
			v.num, v.flags = n, v.flags|valNum
		}
		if b, err := policy.ParseBool(s); err == nil {
			v.flags |= valBool
			if b {
				v.flags |= valTrue
			}
		}
		return v
	}
	seeds := []string{"", "0", "-1", "+2.5", "20", "1.5e3", "TRUE", "False", "t", "fals", "10.1.2.3", "::1", "abc",
		"2019-08-12T17:00:00+08:00", "2019-08-12t09:00:00z", "2019-08-12", "ffff::", "Fe80::1", "deadbeef", "9999-12-31T23:59:59.999999999Z"}
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789-+.:TZtruefalsTRUEFALSabcdef "
	for i := 0; i < 100000; i++ {
		b := make([]byte, rng.IntN(26))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		if got, want := parseRequestValue(s), full(s); got != want {
			t.Fatalf("parseRequestValue(%q) = %+v, want %+v", s, got, want)
		}
	}
}

// The typed bool setters store exactly what Set would read from the string.
func TestBoolValueMatchesParse(t *testing.T) {
	for _, b := range []bool{true, false} {
		assert.Equal(t, parseRequestValue(boolString(b)), boolValue(b))
	}
}
