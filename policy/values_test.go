package policy

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/internal/civil"
)

func TestParseNumber(t *testing.T) {
	valid := map[string]string{
		"0": "0", "-0": "0", "+0.000": "0", "42": "42", "007": "7", "-3.250": "-3.25",
		"+1.5": "1.5", "100": "100", "0.001": "0.001", "123456789012345678901234567890": "123456789012345678901234567890",
	}
	for in, canon := range valid {
		n, err := ParseNumber(in)
		require.NoError(t, err, in)
		assert.Equal(t, canon, n.String(), in)
	}
	for _, in := range []string{"", "-", "+", ".5", "5.", "1e3", "ten", "1,000", " 1", "1 ", "0x10", "--1", "1.2.3", "NaN", "Inf"} {
		_, err := ParseNumber(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestNumberCmp(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"20", "100", -1}, {"100", "20", 1}, {"1.50", "1.5", 0}, {"-1", "1", -1}, {"-2", "-10", 1},
		{"-0", "0", 0}, {"0.1", "0.09", 1}, {"0.09", "0.1", -1}, {"10", "9.999", 1}, {"-1.5", "-1.25", -1},
		{"5", "5.0001", -1}, {"123456789012345678901234567890", "123456789012345678901234567891", -1},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, MustParseNumber(c.a).Cmp(MustParseNumber(c.b)), "%s vs %s", c.a, c.b)
		assert.Equal(t, -c.want, MustParseNumber(c.b).Cmp(MustParseNumber(c.a)), "%s vs %s", c.b, c.a)
	}
	assert.Panics(t, func() { MustParseNumber("x") })
}

func TestParseDate(t *testing.T) {
	a, err := ParseDate("2019-08-12T09:00:00Z")
	require.NoError(t, err)
	b, err := ParseDate("2019-08-12T17:00:00+08:00")
	require.NoError(t, err)
	assert.True(t, a.Equal(b), "the same instant in two offsets")
	assert.Equal(t, time.Date(2019, 8, 12, 9, 0, 0, 0, time.UTC), a)
	c, err := ParseDate("2019-08-11T20:30:00.5-12:30")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 8, 12, 9, 0, 0, 500_000_000, time.UTC), c)
	d, err := ParseDate("2024-02-29t23:59:59.123456789z")
	require.NoError(t, err)
	assert.Equal(t, 123456789, d.Nanosecond())
	for _, in := range []string{
		"", "2019-08-12", "2019-08-12T17:00:00", "1565600400", "2019-02-29T00:00:00Z", "2019-13-01T00:00:00Z",
		"2019-00-01T00:00:00Z", "2019-01-32T00:00:00Z", "2019-01-01T24:00:00Z", "2019-01-01T00:60:00Z",
		"2019-01-01T00:00:60Z", "2019-01-01 00:00:00Z", "2019-01-01T00:00:00+0800", "2019-01-01T00:00:00+24:00",
		"2019-01-01T00:00:00.Z", "2019-01-01T00:00:00.1234567890Z", "2019-01-01T00:00:00ZZ", "2019-1-01T00:00:00Z",
		"+019-01-01T00:00:00Z", "2019-01-01T00:00:00+08:60",
	} {
		_, err := ParseDate(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "TRUE": true, "True": true, "false": false, "FaLsE": false} {
		got, err := ParseBool(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "yes", "1", "0", "t", "truee", " true"} {
		_, err := ParseBool(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestParseIPValue(t *testing.T) {
	valid := map[string]string{
		"10.0.0.0/8": "10.0.0.0/8", "10.0.0.1/24": "10.0.0.0/24", "172.16.215.218": "172.16.215.218/32",
		"10.0.0.1/32": "10.0.0.1/32", "2001:db8::/32": "2001:db8::/32", "::1": "::1/128",
		"2001:0db8:85a3:0000:0000:8a2e:0370:7334": "2001:db8:85a3::8a2e:370:7334/128",
	}
	for in, want := range valid {
		p, err := ParseIPValue(in)
		require.NoError(t, err, in)
		assert.Equal(t, netip.MustParsePrefix(want), p, in)
	}
	for _, in := range []string{"", "abc", "10.0.0.0/33", "300.1.1.1", "::1/129", "fe80::1%eth0", "10.0.0.0/", "10.0.0/8", "10.0.0.0/-1"} {
		_, err := ParseIPValue(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestValueParsersDoNotAllocate(t *testing.T) {
	for _, s := range []string{"2019-08-12T17:00:00+08:00", "bad"} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ParseDate(s) }), s)
	}
	for _, s := range []string{"-12.50", "ten"} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ParseNumber(s) }), s)
	}
	for _, s := range []string{"TRUE", "nope"} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ParseBool(s) }), s)
	}
}

func TestOperators(t *testing.T) {
	ops := Operators()
	require.Len(t, ops, 21)
	negated := 0
	for _, op := range ops {
		got, ok := ParseOperator(op.String())
		require.True(t, ok)
		assert.Equal(t, op, got)
		assert.NotZero(t, op.Family())
		if op.Negated() {
			negated++
			assert.False(t, op.Positive().Negated())
			assert.Equal(t, op.Family(), op.Positive().Family())
		} else {
			assert.Equal(t, op, op.Positive())
		}
	}
	assert.Equal(t, 6, negated)
	for _, name := range []string{"stringequals", "StringEqualsIfExists", "Null", "ForAnyValue:StringEquals", "ArnLike", ""} {
		_, ok := ParseOperator(name)
		assert.False(t, ok, name)
	}
	for _, name := range []string{"stringequals", "StringEqualsifexists", "IfExists", "NullIfExists", "ForAnyValue:StringEqualsIfExists", "StringEqualsIfExistsIfExists", "ArnLikeIfExists", ""} {
		_, _, ok := ParseOperatorName(name)
		assert.False(t, ok, name)
	}
	for _, op := range Operators() {
		got, ifExists, ok := ParseOperatorName(op.String())
		assert.True(t, ok && got == op && !ifExists, op.String())
		got, ifExists, ok = ParseOperatorName(op.String() + "IfExists")
		assert.True(t, ok && got == op && ifExists, op.String()+"IfExists")
		assert.Equal(t, op.String()+"IfExists", Condition{Operator: op, IfExists: true}.OperatorName())
		assert.Equal(t, op.String(), Condition{Operator: op}.OperatorName())
	}
	assert.False(t, Operator(0).Valid())
	assert.Equal(t, "Operator(0)", Operator(0).String())
	assert.Equal(t, Family(0), Operator(99).Family())
}

// TestParseIPValueMapped: spec §13 D25, a block inside ::ffff:0:0/96 is the
// IPv4 block it maps; larger IPv6 blocks stay IPv6.
func TestParseIPValueMapped(t *testing.T) {
	for in, want := range map[string]string{
		"::ffff:203.0.113.0/120":    "203.0.113.0/24",
		"::ffff:203.0.113.7":        "203.0.113.7/32",
		"0:0:0:0:0:ffff:cb00:7107":  "203.0.113.7/32",
		"::ffff:cb00:7100/120":      "203.0.113.0/24",
		"::ffff:203.0.113.99/120":   "203.0.113.0/24", // host bits masked first
		"::ffff:0.0.0.0/96":         "0.0.0.0/0",
		"::ffff:10.0.0.0/104":       "10.0.0.0/8",
		"::ffff:0:0/95":             "::fffe:0:0/95", // beyond the mapped range: IPv6
		"::/0":                      "::/0",
		"::ffff:1.2.3.4/64":         "::/64",
		"64:ff9b::203.0.113.7":      "64:ff9b::cb00:7107/128", // NAT64: not translated
		"::203.0.113.7":             "::cb00:7107/128",        // IPv4-compatible: not translated
		"203.0.113.0/24":            "203.0.113.0/24",
		"2001:db8::/32":             "2001:db8::/32",
		"::ffff:203.0.113.255/128":  "203.0.113.255/32",
		"0000::ffff:203.0.113.0/97": "128.0.0.0/1", // 203 = 0b11001011
	} {
		p, err := ParseIPValue(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, p.String(), in)
	}
}

// ParseDate computes the instant itself (civil.UnixDays); check it against
// time.Date on random valid dates of every year RFC 3339 can write, with
// zones and fractions.
func TestParseDateAgreesWithTimeDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 100000; i++ {
		y, mo := rng.IntN(10000), 1+rng.IntN(12)
		d := 1 + rng.IntN(civil.DaysIn(mo, y))
		h, mi, se := rng.IntN(24), rng.IntN(60), rng.IntN(60)
		ns := rng.IntN(1000000000)
		oh, om := rng.IntN(24), rng.IntN(60)
		sign := "+"
		off := oh*3600 + om*60
		if rng.IntN(2) == 0 {
			sign, off = "-", -off
		}
		s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09d%s%02d:%02d", y, mo, d, h, mi, se, ns, sign, oh, om)
		got, err := ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", s, err)
		}
		want := time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC).Add(-time.Duration(off) * time.Second)
		if got != want {
			t.Fatalf("ParseDate(%q) = %v, time.Date gives %v", s, got, want)
		}
	}
}
