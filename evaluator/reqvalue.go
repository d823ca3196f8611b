package evaluator

import (
	"net/netip"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// reqValue is one request value read ahead, when the context is filled, as
// every type a condition may compare it as, so that Decide never parses.
type reqValue struct {
	ip    netip.Addr // the zero Addr when the value is not an address
	time  time.Time  // valid when flags has valTime
	num   policy.Number
	flags valFlags
}

type valFlags uint8

const (
	valTime valFlags = 1 << iota // time holds the value read as a date-time
	valNum                       // num holds the value read as a number
	valBool                      // the value reads as a bool (valTrue gives which)
	valTrue                      // the value reads as true
	// valText: the value was set through a typed setter and its string form
	// is not stored; text formats it from ip or time on demand.
	valText
)

// parseRequestValue reads s as every typed value it may be. It does not
// allocate.
//
// Each parser runs only on values whose first bytes can begin its type (a
// date starts with four digits and a '-', a number with a digit or a sign,
// a bool with t or f, an address with a hex digit or ':'), so most values
// are read by at most two parsers.
func parseRequestValue(s string) reqValue {
	var v reqValue
	v.read(s)
	return v
}

// read sets v to s read ahead (parseRequestValue), in place.
func (v *reqValue) read(s string) {
	*v = reqValue{}
	if s == "" {
		return
	}
	c := s[0]
	digit := c >= '0' && c <= '9'
	if digit || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
		v.ip = requestIP(s)
	}
	if digit && len(s) >= len("2006-01-02T15:04:05Z") && s[4] == '-' {
		if t, err := policy.ParseDate(s); err == nil {
			v.time, v.flags = t, v.flags|valTime
		}
	}
	if digit || c == '-' || c == '+' {
		if n, err := policy.ParseNumber(s); err == nil {
			v.num, v.flags = n, v.flags|valNum
		}
	}
	if len(s) <= 5 && (c|0x20 == 't' || c|0x20 == 'f') {
		if b, err := policy.ParseBool(s); err == nil {
			v.flags |= valBool
			if b {
				v.flags |= valTrue
			}
		}
	}
}

// requestIP reads a request value as an IP address; the zero Addr when it
// is not one (zoned addresses, "fe80::1%eth0", are not). An IPv4-mapped
// address (::ffff:a.b.c.d, in any spelling) is read as the IPv4 address it
// maps (spec §13 D25). netip.ParseAddr
// allocates an error for every value it refuses, and most request values
// are not addresses, so requestIP reads IPv4 itself and calls ParseAddr
// only for values that have the shape of an IPv6 address (ipv6Shaped);
// filling a context then never allocates for a value that is not an
// address.
func requestIP(s string) netip.Addr {
	if len(s) < 2 || len(s) > 45 {
		return netip.Addr{}
	}
	colon := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9' || c == '.' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
		default:
			return netip.Addr{}
		}
	}
	if !colon {
		a, _ := parseIPv4(s)
		return a
	}
	if !ipv6Shaped(s) {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// parseIPv4 reads dotted-decimal IPv4 as netip.ParseAddr does: four
// decimal fields of 0 to 255, without leading zeros.
func parseIPv4(s string) (netip.Addr, bool) {
	var ip [4]byte
	field, digits, val := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || field > 3 {
				return netip.Addr{}, false
			}
			ip[field] = byte(val)
			field, digits, val = field+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits > 0 && val == 0 {
			return netip.Addr{}, false
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return netip.Addr{}, false
		}
	}
	if field != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}

// ipv6Shaped reports whether s (made only of hex digits, '.' and ':', with
// at least one ':') is made of colon-separated groups of one to four hex
// digits, with at most one "::", eight groups without it or at
// most seven with it, and optionally a dotted IPv4 tail in place of the
// last two groups. Every address netip.ParseAddr accepts without a zone
// has this shape (TestRequestIPAgreesWithNetip checks it).
func ipv6Shaped(s string) bool {
	if len(s) < 2 || len(s) > 45 || strings.IndexByte(s, ':') < 0 || strings.Contains(s, ":::") {
		return false
	}
	groups := 0
	if i := strings.LastIndexByte(s, ':'); strings.IndexByte(s[i+1:], '.') >= 0 {
		if _, ok := parseIPv4(s[i+1:]); !ok {
			return false
		}
		groups = 2
		s = s[:i+1]
		if !strings.HasSuffix(s, "::") {
			s = s[:i] // drop the colon before the IPv4 tail
		}
		if s == "" {
			return false
		}
	}
	doubles := strings.Count(s, "::")
	if doubles > 1 ||
		s[0] == ':' && !strings.HasPrefix(s, "::") ||
		s[len(s)-1] == ':' && !strings.HasSuffix(s, "::") {
		return false
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			run = 0
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			if run == 0 {
				groups++
			}
			if run++; run > 4 {
				return false
			}
		default:
			return false
		}
	}
	if doubles == 1 {
		return groups <= 7
	}
	return groups == 8
}

// ipValue is the value SetSourceIP stores for a: the address, unmapped,
// read as requestIP would read a.String(). A zoned address is not an address for
// conditions; its string form is kept (ok false) since text cannot rebuild
// it from an invalid ip.
func ipValue(a netip.Addr) (v reqValue, ok bool) {
	if !a.IsValid() || a.Zone() != "" {
		return reqValue{}, false
	}
	return reqValue{ip: a.Unmap(), flags: valText}, true
}

// timeValue is the value SetCurrentTime stores for t: the instant in UTC,
// comparable as a date when its RFC 3339 form is one policy.ParseDate
// accepts (years 0000 to 9999).
func timeValue(t time.Time) reqValue {
	t = t.UTC()
	v := reqValue{time: t, flags: valText}
	if y := t.Year(); y >= 0 && y <= 9999 {
		v.flags |= valTime
	}
	return v
}

// appendText appends the string form of a value set through a typed setter:
// the address (netip.Addr.AppendTo) or the instant in RFC 3339 with
// fractional seconds when it has them.
func (v *reqValue) appendText(b []byte) []byte {
	if v.ip.IsValid() {
		return v.ip.AppendTo(b)
	}
	return v.time.AppendFormat(b, time.RFC3339Nano)
}

// text returns the string form of value i of v.
func (v *values) text(i int) string {
	if v.vals[i].flags&valText == 0 {
		return v.strs[i]
	}
	var buf [64]byte
	return string(v.vals[i].appendText(buf[:0]))
}

// boolValue is "true" or "false" read ahead, as parseRequestValue reads
// boolString(b).
func boolValue(b bool) reqValue {
	if b {
		return reqValue{flags: valBool | valTrue}
	}
	return reqValue{flags: valBool}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
