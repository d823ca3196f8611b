package evaluator

import (
	"github.com/ramauthz/ramauthz/policy"
	"net/netip"
	"time"
)

// The condition keys kept in fixed slots of a Context, in their normalised
// (lower-case) form.
const (
	keyCurrentTime     = "acs:currenttime"
	keySecureTransport = "acs:securetransport"
	keySourceIP        = "acs:sourceip"
	keyMFAPresent      = "acs:mfapresent"
	// keyPrincipalARN is not kept in a slot: when a request's context does
	// not set it, conditions read Request.Principal.ARN instead.
	keyPrincipalARN = "acs:principalarn"
)

const numSlots = 4

// slotOf returns the fixed slot of a normalised key, or -1.
func slotOf(k string) int {
	switch k {
	case keyCurrentTime:
		return 0
	case keySecureTransport:
		return 1
	case keySourceIP:
		return 2
	case keyMFAPresent:
		return 3
	}
	return -1
}

// normKey returns the form of a condition key used for lookups, by compile
// and by Context alike: policy.CanonicalKey, which folds ASCII case before
// the first '/' for every key (spec §13 D23), so acs:SourceIp and
// acs:sourceip, oss:Prefix and oss:prefix are one key, while the tag name
// in acs:ResourceTag/<tag> keeps its case.
func normKey(k string) string { return policy.CanonicalKey(k) }

// values is what a Context holds for one key: the strings as given, and
// each string read ahead as the typed values conditions compare, so Decide
// does not parse them again.
type values struct {
	set    bool
	strs   []string
	parsed []reqValue
}

// reqValue is one request string read as an IP address and as a date-time
// (the zero Addr, or ok false, when it is not one).
type reqValue struct {
	ip     netip.Addr
	time   time.Time
	timeOK bool
}

// parseRequestValue reads s as every typed value it may be. It does not
// allocate.
func parseRequestValue(s string) reqValue {
	v := reqValue{ip: requestIP(s)}
	if t, err := policy.ParseDate(s); err == nil {
		v.time, v.timeOK = t, true
	}
	return v
}

func (v *values) fill(vals []string) {
	v.set = true
	v.strs = append(v.strs[:0], vals...)
	v.parsed = v.parsed[:0]
	for _, s := range vals {
		v.parsed = append(v.parsed, parseRequestValue(s))
	}
}

// requestIP reads a request value as an IP address. Values with characters
// that cannot occur in an address (including zones, "%eth0") are rejected
// without calling netip.ParseAddr, whose errors allocate; the call happens
// while the context is filled, never during Decide.
func requestIP(s string) netip.Addr {
	if len(s) < 2 || len(s) > 45 {
		return netip.Addr{}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':') {
			return netip.Addr{}
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	// Spec §13 D25: an IPv4-mapped address (::ffff:a.b.c.d, in any
	// spelling) is compared as the IPv4 address it maps.
	return a.Unmap()
}

// Context holds the condition keys of one request: each key maps to one or
// more string values, as the caller supplies them (values that do not parse
// as the type a condition expects are kept; the comparison then is unknown,
// see Evaluator.Decide).
//
// Key names are matched without regard to ASCII case before the first '/'
// (spec §13 D23, policy.CanonicalKey): acs:sourceip and acs:SourceIp are the
// same key, as are oss:prefix and oss:Prefix; for keys with a '/', such as
// acs:ResourceTag/Env, the part from the '/' on is exact. Setting a key that
// is the same as an earlier one under this rule replaces it.
//
// Fill a Context once per request (filling may allocate); Decide and Explain
// read it without allocating. The zero value is an empty context ready to
// use. Reset empties it for reuse, keeping its memory. A Context must not be
// modified while a Decide call is reading it; concurrent reads are safe.
type Context struct {
	slots [numSlots]values
	other map[string]*values
}

// Set replaces the values of key. Several values make a multi-valued key
// (a condition holds when any of them satisfies it; a negated condition when
// none does). Set with no values leaves the key present with no values, which
// conditions treat like an absent key.
func (c *Context) Set(key string, vals ...string) {
	k := normKey(key)
	if s := slotOf(k); s >= 0 {
		c.slots[s].fill(vals)
		return
	}
	if c.other == nil {
		c.other = make(map[string]*values)
	}
	v := new(values)
	v.fill(vals)
	c.other[k] = v
}

// Get returns the values of key and reports whether the key is present.
// The returned slice belongs to the Context and must not be modified.
func (c *Context) Get(key string) ([]string, bool) {
	k := normKey(key)
	v := c.lookup(k, slotOf(k))
	if v == nil {
		return nil, false
	}
	return v.strs, true
}

// lookup finds a normalised key, using its slot when it has one. It returns
// nil for an absent key. It returns a pointer, not a copy: Decide calls it
// for every condition, and copying the struct showed up in profiles.
func (c *Context) lookup(k string, slot int) *values {
	if c == nil {
		return nil
	}
	if slot >= 0 {
		if v := &c.slots[slot]; v.set {
			return v
		}
		return nil
	}
	return c.other[k]
}

// Reset removes every key, keeping the memory for the next request.
func (c *Context) Reset() {
	for i := range c.slots {
		c.slots[i].set = false
		c.slots[i].strs = c.slots[i].strs[:0]
		c.slots[i].parsed = c.slots[i].parsed[:0]
	}
	clear(c.other)
}

// SetSourceIP sets acs:SourceIp to a.Unmap().String(): an IPv4-mapped
// address (::ffff:203.0.113.7) is stored as the IPv4 address it maps
// (203.0.113.7; spec §13 D25). The zero Addr is stored as the string
// "invalid IP", which no IP condition accepts.
func (c *Context) SetSourceIP(a netip.Addr) {
	c.slots[2].fill([]string{a.Unmap().String()})
}

// SetCurrentTime sets acs:CurrentTime to t in RFC 3339 form in UTC, with
// fractional seconds when t has them ("2019-08-12T09:00:00Z").
func (c *Context) SetCurrentTime(t time.Time) {
	c.slots[0].fill([]string{t.UTC().Format(time.RFC3339Nano)})
}

// SetSecureTransport sets acs:SecureTransport to "true" or "false".
func (c *Context) SetSecureTransport(b bool) {
	c.slots[1].fill([]string{boolString(b)})
}

// SetMFAPresent sets acs:MFAPresent to "true" or "false".
func (c *Context) SetMFAPresent(b bool) {
	c.slots[3].fill([]string{boolString(b)})
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
