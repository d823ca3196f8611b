package policy

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/civil"
)

// Errors returned by the value parsers. They are preallocated, so the parsers
// never allocate, which lets the evaluator use them on request values.
var (
	errNumber = errors.New("not a decimal number")
	errDate   = errors.New("not an ISO 8601 date-time with a time zone (such as 2019-08-12T17:00:00+08:00)")
	errBool   = errors.New(`not "true" or "false"`)
	errIP     = errors.New("not an IP address or CIDR block")
)

// Number is an exact decimal number, as used by the Numeric operators.
// Numbers compare by value ("20" < "100", "1.50" == "1.5") with no rounding and
// no size limit.
//
// The zero value is the number 0.
type Number struct {
	neg  bool
	intg string // integer digits without leading zeros ("" for zero)
	frac string // fraction digits without trailing zeros
}

// ParseNumber parses a decimal number: an optional sign, digits, and an
// optional fraction ("42", "-3.25", "+0.5", ".5" is rejected, "1e3" is
// rejected). It does not allocate.
func ParseNumber(s string) (Number, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return Number{}, errNumber
	}
	intg := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == fs {
			return Number{}, errNumber
		}
		frac = s[fs:i]
	}
	if i != len(s) {
		return Number{}, errNumber
	}
	intg = strings.TrimLeft(intg, "0")
	frac = strings.TrimRight(frac, "0")
	if intg == "" && frac == "" {
		neg = false
	}
	return Number{neg: neg, intg: intg, frac: frac}, nil
}

// MustParseNumber is like ParseNumber but panics on error. It is meant for
// tests and examples.
func MustParseNumber(s string) Number {
	n, err := ParseNumber(s)
	if err != nil {
		panic("policy: MustParseNumber(" + quote(s) + "): " + err.Error())
	}
	return n
}

// Cmp compares n and m and returns -1, 0 or +1.
func (n Number) Cmp(m Number) int {
	if n.neg != m.neg {
		if n.neg {
			return -1
		}
		return 1
	}
	c := cmpAbs(n, m)
	if n.neg {
		return -c
	}
	return c
}

func cmpAbs(n, m Number) int {
	if len(n.intg) != len(m.intg) {
		if len(n.intg) < len(m.intg) {
			return -1
		}
		return 1
	}
	if n.intg != m.intg {
		if n.intg < m.intg {
			return -1
		}
		return 1
	}
	// Same integer part: compare fractions digit by digit; a missing digit
	// is 0 and trailing zeros were removed, so plain string order works.
	switch {
	case n.frac < m.frac:
		return -1
	case n.frac > m.frac:
		return 1
	}
	return 0
}

// String returns the number in canonical form ("-1.5", "0", "100").
func (n Number) String() string {
	var b strings.Builder
	if n.neg {
		b.WriteByte('-')
	}
	if n.intg == "" {
		b.WriteByte('0')
	} else {
		b.WriteString(n.intg)
	}
	if n.frac != "" {
		b.WriteByte('.')
		b.WriteString(n.frac)
	}
	return b.String()
}

// ParseDate parses an ISO 8601 / RFC 3339 date-time that names its time zone,
// "2019-08-12T17:00:00+08:00" or "2019-08-12T09:00:00Z", with optional
// fractional seconds (up to 9 digits). It returns the instant in UTC. Values
// without a zone, date-only values and epoch numbers are rejected. It does
// not allocate.
func ParseDate(s string) (time.Time, error) {
	// YYYY-MM-DDTHH:MM:SS[.F+](Z|+hh:mm|-hh:mm)
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, errDate
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, errDate
	}
	if month < 1 || month > 12 || day < 1 || day > civil.DaysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errDate
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		n := i - 1
		if n == 0 || n > 9 {
			return time.Time{}, errDate
		}
		f, _ := digits(rest[1:i])
		for k := n; k < 9; k++ {
			f *= 10
		}
		nsec = f
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, errDate
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, errDate
	}
	unix := civil.UnixDays(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return time.Unix(unix, int64(nsec)).UTC(), nil
}

func digits(s string) (int, bool) {
	if len(s) == 0 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseBool parses "true" or "false", in any letter case. It does not
// allocate.
func ParseBool(s string) (bool, error) {
	if len(s) == 4 && (s[0]|0x20) == 't' && (s[1]|0x20) == 'r' && (s[2]|0x20) == 'u' && (s[3]|0x20) == 'e' {
		return true, nil
	}
	if len(s) == 5 && (s[0]|0x20) == 'f' && (s[1]|0x20) == 'a' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 's' && (s[4]|0x20) == 'e' {
		return false, nil
	}
	return false, errBool
}

// ParseIPValue parses a condition value of the IP family: a CIDR block
// ("10.0.0.0/8", "2001:db8::/32") or a bare address ("172.16.215.218"),
// which becomes a /32 or /128 prefix. Host bits are masked off
// ("10.0.0.1/24" is 10.0.0.0/24). Zones ("fe80::1%eth0") are rejected.
//
// A block inside the IPv4-mapped range ::ffff:0:0/96 is returned as the
// IPv4 block it maps (spec §13 D25): "::ffff:203.0.113.0/120" is
// 203.0.113.0/24 and "::ffff:10.1.2.3" is 10.1.2.3/32. Larger IPv6 blocks
// (prefix length below 96, such as "::/0") are returned as written and stay
// IPv6 blocks: since request addresses in the mapped range are compared as
// IPv4 addresses, and an IPv4 address is never inside an IPv6 block, they
// match IPv6 requests outside the mapped range only. Other embeddings (NAT64 64:ff9b::/96, 6to4, Teredo, IPv4-compatible
// ::a.b.c.d) are not translated.
func ParseIPValue(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.IndexByte(s, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, errIP
		}
		p = p.Masked()
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errIP
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p, nil
}
