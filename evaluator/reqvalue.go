package evaluator

import (
	"net/netip"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/civil"
	"github.com/ramauthz/ramauthz/internal/strhash"
	"github.com/ramauthz/ramauthz/policy"
)

// reqValue is one request value read ahead, when the context is filled, as
// every type a condition may compare it as, so that Decide never parses.
//
// time is the zero Time unless flags has valTime or valText, and num the
// zero Number unless flags has valNum, so that a reused value is cleared by
// writing only what its last use set (clearTyped). Values are filled in
// place, field by field, through the set methods below: building a whole
// reqValue and assigning it goes through a stack copy whose 16-byte loads
// straddle the 8-byte stores just made, a store-forwarding stall that
// cost more than the parse itself (BenchmarkFillParts).
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
// The types are exclusive: a date has a '-' after its four year digits, a
// number at most one '.' and no ':', an IPv4 address three '.', an IPv6
// address a ':', a bool letters outside the hex digits. So read looks at
// the first bytes once and runs at most one parser, or two for a value that
// starts with digits and a '.' (an IPv4 address, else a decimal number);
// TestParseRequestValueAgreesWithParsers checks the result against running
// every parser.
func parseRequestValue(s string) reqValue {
	var v reqValue
	v.read(s)
	return v
}

// clearTyped makes v the value of a string that is none of the types.
func (v *reqValue) clearTyped() {
	if v.flags&(valTime|valText) != 0 {
		v.time = time.Time{}
	}
	if v.flags&valNum != 0 {
		v.num = policy.Number{}
	}
	v.ip = netip.Addr{}
	v.flags = 0
}

// setIP makes v the address a with flags f (0, or valText for a value
// from SetSourceIP).
func (v *reqValue) setIP(a netip.Addr, f valFlags) {
	if v.flags&(valTime|valText) != 0 {
		v.time = time.Time{}
	}
	if v.flags&valNum != 0 {
		v.num = policy.Number{}
	}
	v.ip = a
	v.flags = f
}

// setTime makes v the instant t with flags f (valTime, and valText for a
// value from SetCurrentTime).
func (v *reqValue) setTime(t time.Time, f valFlags) {
	if v.flags&valNum != 0 {
		v.num = policy.Number{}
	}
	v.ip = netip.Addr{}
	v.time = t
	v.flags = f
}

// setTimeText makes v the value SetCurrentTime stores for t: the instant
// in UTC, comparable as a date when its RFC 3339 form is one
// policy.ParseDate accepts (years 0000 to 9999, which the Unix seconds
// decide without working out the calendar date).
func (v *reqValue) setTimeText(t time.Time) {
	t = t.UTC()
	f := valText
	if s := t.Unix(); s >= minDateUnix && s <= maxDateUnix {
		f |= valTime
	}
	v.setTime(t, f)
}

// setBool makes v the bool b, as read from "true" or "false".
func (v *reqValue) setBool(b bool) {
	f := valBool
	if b {
		f |= valTrue
	}
	if v.flags&(valTime|valText) != 0 {
		v.time = time.Time{}
	}
	if v.flags&valNum != 0 {
		v.num = policy.Number{}
	}
	v.ip = netip.Addr{}
	v.flags = f
}

// read sets v to s read ahead (parseRequestValue), in place.
func (v *reqValue) read(s string) {
	v.clearTyped()
	if s == "" {
		return
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9':
		v.readDigitLed(s)
	case c == '+' || c == '-':
		v.readNumber(s)
	case c == ':':
		v.ip = requestIP(s)
	case c|0x20 == 't' || c|0x20 == 'f':
		if b, ok := parseBool(s); ok {
			v.flags = valBool
			if b {
				v.flags |= valTrue
			}
		} else if c|0x20 == 'f' {
			v.ip = requestIP(s) // "fe80::1"
		}
	case c|0x20 >= 'a' && c|0x20 <= 'e':
		v.ip = requestIP(s)
	}
}

// readDigitLed reads a value that starts with a decimal digit: a number, an
// IPv4 or IPv6 address, or a date.
func (v *reqValue) readDigitLed(s string) {
	i := 1
	for i < len(s) && s[i]-'0' <= 9 {
		i++
	}
	if i == len(s) {
		v.readNumber(s)
		return
	}
	switch c := s[i]; {
	case c == '.':
		if a, ok := parseIPv4(s); ok {
			v.ip = a
			return
		}
		v.readNumber(s)
	case c == '-':
		if i == 4 {
			if t, ok := parseDate(s); ok {
				v.time, v.flags = t, valTime
			}
		}
	case c == ':' || c|0x20 >= 'a' && c|0x20 <= 'f':
		v.ip = requestIP(s)
	}
}

func (v *reqValue) readNumber(s string) {
	if n, err := policy.ParseNumber(s); err == nil {
		v.num, v.flags = n, valNum
	}
}

// parseBool is policy.ParseBool without the error value: "true" or "false"
// in any letter case.
func parseBool(s string) (b, ok bool) {
	switch len(s) {
	case 4:
		return true, s[0]|0x20 == 't' && s[1]|0x20 == 'r' && s[2]|0x20 == 'u' && s[3]|0x20 == 'e'
	case 5:
		return false, s[0]|0x20 == 'f' && s[1]|0x20 == 'a' && s[2]|0x20 == 'l' && s[3]|0x20 == 's' && s[4]|0x20 == 'e'
	}
	return false, false
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
//
// The fields are kept in one register (acc), not in a [4]byte: four byte
// stores read back as one 4-byte word by netip.AddrFrom4 stall that load
// until the stores have gone (store forwarding fails), which the profile
// of BenchmarkFillStrings showed as 15% of filling a Context from strings.
func parseIPv4(s string) (netip.Addr, bool) {
	var acc uint32
	i := 0
	for f := range 4 {
		if f > 0 {
			if i >= len(s) || s[i] != '.' {
				return netip.Addr{}, false
			}
			i++
		}
		if i >= len(s) || s[i]-'0' > 9 {
			return netip.Addr{}, false
		}
		n := uint(s[i] - '0')
		i++
		// A field has up to three digits; one that starts with 0 has one.
		for k := 0; k < 2 && n != 0 && i < len(s) && s[i]-'0' <= 9; k++ {
			n = n*10 + uint(s[i]-'0')
			i++
		}
		if n > 255 {
			return netip.Addr{}, false
		}
		acc = acc<<8 | uint32(n)
	}
	if i != len(s) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte{byte(acc >> 24), byte(acc >> 16), byte(acc >> 8), byte(acc)}), true
}

// parseDate reads s as policy.ParseDate does (an RFC 3339 date-time with
// a zone, "2019-08-12T17:00:00+08:00" or "2019-08-12T09:00:00Z", with up to
// nine digits of fractional seconds) and reports whether it is one. It is
// the same rule written for speed, since every date-like request value is
// read while a Context is filled: "YYYY-MM-" and "hh:mm:ss" are each
// checked and read as one 8-byte word (digits8), the day and the 'T' byte
// by byte. TestParseDateAgrees and FuzzParseDate check it against
// policy.ParseDate.
func parseDate(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	// Bytes 0-7, "YYYY-MM-": digits at 0-3, 5 and 6, '-' at 4 and 7.
	ym, ok := digits8(strhash.Load64(s), 0x00ffff00ffffffff, '-'<<56|'-'<<32)
	// Bytes 11-18, "hh:mm:ss": digits at 0, 1, 3, 4, 6 and 7, ':' at 2 and 5.
	hms, ok2 := digits8(strhash.Load64(s[11:]), 0xffff00ffff00ffff, ':'<<40|':'<<16)
	day := dig2(s[8], s[9])
	if !ok || !ok2 || s[10]|0x20 != 't' {
		return time.Time{}, false
	}
	year := int(ym&0xff)*100 + int(ym>>16&0xff)
	month := uint(ym >> 40 & 0xff)
	hour, minute, sec := uint(hms&0xff), uint(hms>>24&0xff), uint(hms>>48&0xff)
	if month-1 > 11 || day-1 > 30 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if day > 28 && day > uint(civil.DaysIn(int(month), year)) {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i]-'0' <= 9 {
			nsec = nsec*10 + int(rest[i]-'0')
			i++
		}
		if i == 1 || i > 10 {
			return time.Time{}, false
		}
		for k := i; k < 10; k++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch len(rest) {
	case 1:
		if rest[0]|0x20 != 'z' {
			return time.Time{}, false
		}
	case 6:
		oh, om := dig2(rest[1], rest[2]), dig2(rest[4], rest[5])
		if rest[0] != '+' && rest[0] != '-' || rest[3] != ':' || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = int(oh*3600 + om*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	unix := civil.UnixDays(year, int(month), int(day))*86400 + int64(int(hour*3600+minute*60+sec)-offset)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// digits8 checks the eight bytes of w (little-endian, byte i at bits 8i)
// against a pattern: the bytes where digitMask is 0xff must be decimal
// digits, and w's other bytes must equal those of seps. When they do, it
// returns, at each digit byte i whose byte i+1 is also a digit, the
// two-digit number those bytes make (0-99); the other bytes of the result
// mean nothing.
func digits8(w, digitMask, seps uint64) (uint64, bool) {
	const (
		zeros = 0x3030303030303030 // '0' in every byte
		highs = 0xf0f0f0f0f0f0f0f0
		sixes = 0x0606060606060606
	)
	// x has 0-9 at a digit byte: a byte is a digit exactly when its xor
	// with '0' has a zero high nibble and stays below 16 when 6 is added
	// (no carry crosses bytes, since every high nibble is zero by then).
	x := (w ^ zeros) & digitMask
	if w&^digitMask != seps || x&highs != 0 || (x+sixes)&highs != 0 {
		return 0, false
	}
	return x*10 + x>>8, true
}

// dig2 reads the decimal digits a and b as a number from 0 to 99; it
// returns a number above 99 when either is not a digit.
func dig2(a, b byte) uint {
	x, y := uint(a-'0'), uint(b-'0')
	if x > 9 || y > 9 {
		return 100
	}
	return x*10 + y
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

// ipValid reports whether SetSourceIP stores a as an address (ip, unmapped,
// as requestIP would read a.String()). A zoned address is not an address
// for conditions; its string form is kept instead, since text cannot
// rebuild it from an invalid ip.
func ipValid(a netip.Addr) bool {
	return a.IsValid() && a.Zone() == ""
}

// timeValue is the value SetCurrentTime stores for t (setTimeText).
func timeValue(t time.Time) reqValue {
	var v reqValue
	v.setTimeText(t)
	return v
}

// The instants policy.ParseDate can produce, in Unix seconds:
// 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const (
	minDateUnix = -62167219200
	maxDateUnix = 253402300799
)

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
	var v reqValue
	v.setBool(b)
	return v
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
