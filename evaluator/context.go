package evaluator

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ramauthz/ramauthz/internal/strhash"
	"github.com/ramauthz/ramauthz/policy"
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

const (
	slotCurrentTime = iota
	slotSecureTransport
	slotSourceIP
	slotMFAPresent
	numSlots
)

// Reset clears the slots one by one: these fail to compile unless there
// are exactly four.
const (
	_ uint = numSlots - 4
	_ uint = 4 - numSlots
)

// slotKeys lists the key of each fixed slot.
var slotKeys = [numSlots]string{keyCurrentTime, keySecureTransport, keySourceIP, keyMFAPresent}

// slotOf returns the fixed slot of key k, or -1. k may be in any letter
// case (the slot keys have no '/', so their whole name folds). The
// spellings Alibaba's documents use are recognised by the switch; others go
// to slotOfFolded.
func slotOf(k string) int {
	switch k {
	case "acs:SourceIp":
		return slotSourceIP
	case "acs:CurrentTime":
		return slotCurrentTime
	case "acs:SecureTransport":
		return slotSecureTransport
	case "acs:MFAPresent":
		return slotMFAPresent
	}
	return slotOfFolded(k)
}

// slotOfFolded is slotOf for any spelling. The four slot keys have four
// different lengths, so the length picks the one slot k can be, and
// slotNames[slot].match decides.
func slotOfFolded(k string) int {
	i := -1
	switch len(k) {
	case len(keyCurrentTime):
		i = slotCurrentTime
	case len(keySecureTransport):
		i = slotSecureTransport
	case len(keySourceIP):
		i = slotSourceIP
	case len(keyMFAPresent):
		i = slotMFAPresent
	default:
		return -1
	}
	if !slotNames[i].match(k) {
		return -1
	}
	return i
}

// foldName is a key name of 8 to 24 bytes made of lower-case ASCII letters
// and other bytes that do not fold, prepared so that match compares a name
// without regard to ASCII case in three 8-byte steps instead of byte by
// byte. A word of the input ORed with the word's letter mask (0x20 at each
// letter, 0 elsewhere) equals the word of the name exactly when every
// letter matches in either case and every other byte matches exactly:
// x|0x20 == 'a'..'z' holds only for the upper- and lower-case letter.
type foldName struct {
	n     int
	words [3]uint64 // the name's bytes at 0, mid and n-8, little-endian
	masks [3]uint64
}

func newFoldName(name string) foldName {
	f := foldName{n: len(name)}
	for j, off := range f.offsets() {
		f.words[j] = strhash.Load64(name[off:])
		for b := range 8 {
			if c := name[off+b]; c >= 'a' && c <= 'z' {
				f.masks[j] |= 0x20 << (8 * b)
			}
		}
	}
	return f
}

// offsets returns where the three words start: 0, min(8, n-8) and n-8,
// which cover the whole name when n is 8 to 24.
func (f *foldName) offsets() [3]int {
	return [3]int{0, min(8, f.n-8), f.n - 8}
}

// match reports whether k is the name in any ASCII letter case.
func (f *foldName) match(k string) bool {
	if len(k) != f.n {
		return false
	}
	e := len(k) - 8
	m := min(8, e)
	return strhash.Load64(k)|f.masks[0] == f.words[0] &&
		strhash.Load64(k[m:])|f.masks[1] == f.words[1] &&
		strhash.Load64(k[e:])|f.masks[2] == f.words[2]
}

var slotNames = func() (out [numSlots]foldName) {
	for i, k := range slotKeys {
		out[i] = newFoldName(k)
	}
	return out
}()

// The condition-key rule (spec §13 D23: ASCII case ignored before the first
// '/', for every key) lives in package policy, which the parser's duplicate
// check also uses; these are the evaluator's names for it. normKey is the
// form compile and Context use for lookups; isNormKey and appendNormKey
// let Context normalise without allocating.
func normKey(k string) string                 { return policy.CanonicalKey(k) }
func isNormKey(k string) bool                 { return policy.IsCanonicalKey(k) }
func appendNormKey(b []byte, k string) []byte { return policy.AppendCanonicalKey(b, k) }

// values is what a Context holds for one key: the strings as given and each
// string read ahead as the typed values conditions compare (reqValue). For
// a value from a typed setter (valText), strs holds "" and the string form
// is made on demand.
type values struct {
	set  bool
	strs []string
	vals []reqValue
}

func (v *values) setStrings(ss []string) {
	if len(ss) == 1 {
		// The common case, without the generic copy.
		v.one(ss[0]).read(ss[0])
		return
	}
	v.set = true
	v.strs = append(v.strs[:0], ss...)
	v.vals = slices.Grow(v.vals[:0], len(ss))[:len(ss)]
	for i, s := range ss {
		v.vals[i].read(s)
	}
}

// one makes v hold the single string s and returns its value for the
// caller to fill. It writes only the length of strs and vals once they
// have room (instead of append's whole slice header).
func (v *values) one(s string) *reqValue {
	v.set = true
	if cap(v.strs) == 0 {
		v.strs = make([]string, 1)
	}
	v.strs = v.strs[:1]
	v.strs[0] = s
	if cap(v.vals) == 0 {
		v.vals = make([]reqValue, 1)
	}
	v.vals = v.vals[:1]
	return &v.vals[0]
}

func (v *values) clear() {
	v.set = false
	v.strs = v.strs[:0]
	v.vals = v.vals[:0]
}

func (v *values) copyFrom(src *values) {
	v.set = src.set
	v.strs = append(v.strs[:0], src.strs...)
	v.vals = append(v.vals[:0], src.vals...)
}

// ctxEntry is one key outside the fixed slots.
type ctxEntry struct {
	key string // normalised
	// spelled is the spelling the key was last set or found by, so that a
	// caller who always spells it the same way is matched by one string
	// comparison.
	spelled string
	v       values
}

// indexMin is the number of entries above which a Context keeps a map from
// key to entry; below it a linear scan is faster.
const indexMin = 8

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
// Filling reads every value ahead as the IP address, date-time, decimal
// number or bool it is (a value is at most one of these; Set on
// acs:SourceIp, acs:CurrentTime, acs:SecureTransport or acs:MFAPresent tries
// that key's own type first), so Decide and Explain never parse; Decide
// reads the context without allocating. The zero value is an empty context ready to use. Reset
// empties it for reuse and keeps its memory: once a reused Context has held
// as many keys and values as a request needs, filling it again with the
// same keys allocates nothing (a key name with upper-case letters in its
// case-insensitive part costs one allocation the first time it is seen).
// Its memory is bounded by the most keys and values it has held at once:
// a key seen before is reused, and a new key takes over the storage of one
// that is no longer set. Lookups scan up to 8 keys and use an index above.
//
// A Context is not safe for concurrent modification. Any number of
// goroutines may read one Context (Decide, Explain, Get, Clone, and CopyFrom
// with it as the source) while nobody modifies it; the evaluator never
// writes into a Context it is given (spec §13 D27). To add request-local
// keys to a shared base context, copy it into a Context of the request's own
// (CopyFrom reuses the destination's memory) and set the keys there.
type Context struct {
	slots [numSlots]values
	// ents[:n] are the keys outside the slots; ents[n:] are spare entries
	// whose key names and memory are reused when those keys come back.
	ents []ctxEntry
	n    int
	// index maps the key of every entry (live or spare) to its position,
	// once len(ents) exceeds indexMin.
	index map[string]int
}

// Set replaces the values of key. Several values make a multi-valued key
// (a condition holds when any of them satisfies it; a negated condition when
// none does). Set with no values leaves the key present with no values, which
// conditions treat like an absent key. The Context keeps its own copy of
// vals; the strings themselves are shared (Go strings are immutable).
func (c *Context) Set(key string, vals ...string) {
	slot := slotOf(key)
	if slot < 0 {
		c.entry(key).setStrings(vals)
		return
	}
	v := &c.slots[slot]
	if len(vals) != 1 {
		v.setStrings(vals)
		return
	}
	// One value for a fixed slot, the common case, without a further call:
	// the parser of the type the slot's key carries is tried first (an IP
	// address for acs:SourceIp, a date for acs:CurrentTime, a bool for
	// acs:SecureTransport and acs:MFAPresent). The types are exclusive
	// (parseRequestValue), so when that parser accepts s, s is that type
	// and nothing else, and the general read is skipped.
	s := vals[0]
	rv := v.one(s)
	switch slot {
	case slotSourceIP:
		if a, ok := parseIPv4(s); ok {
			rv.setIP(a, 0)
			return
		}
	case slotCurrentTime:
		if t, ok := parseDate(s); ok {
			rv.setTime(t, valTime)
			return
		}
	default:
		if b, ok := parseBool(s); ok {
			rv.setBool(b)
			return
		}
	}
	rv.read(s)
}

// Get returns the values of key and reports whether the key is present.
// The returned slice belongs to the Context and must not be modified; for
// a key set by SetSourceIP or SetCurrentTime it is a new slice holding the
// value's string form.
func (c *Context) Get(key string) ([]string, bool) {
	v := c.find(key)
	if v == nil {
		return nil, false
	}
	for i := range v.vals {
		if v.vals[i].flags&valText != 0 {
			out := make([]string, len(v.vals))
			for j := range out {
				out[j] = v.text(j)
			}
			return out, true
		}
	}
	return v.strs, true
}

// Delete removes key (and any spelling of it that Context treats as the
// same key). Deleting an absent key does nothing.
func (c *Context) Delete(key string) {
	if s := slotOf(key); s >= 0 {
		c.slots[s].clear()
		return
	}
	i := c.positionAny(key)
	if i < 0 || i >= c.n {
		return
	}
	c.ents[i].v.clear()
	c.swap(i, c.n-1)
	c.n--
}

// Reset removes every key, keeping the memory for the next request.
func (c *Context) Reset() {
	// The four slots one by one: a loop over them cost a multiply per slot
	// and was 3-4% of the request path (BenchmarkRequestPath profile).
	s := &c.slots
	s[0].clear()
	s[1].clear()
	s[2].clear()
	s[3].clear()
	for i := 0; i < c.n; i++ {
		c.ents[i].v.clear()
	}
	c.n = 0
}

// Clone returns a deep copy of c: the copy shares no memory that either
// context writes to, so each can change without affecting the other. A nil
// c clones to an empty Context.
func (c *Context) Clone() *Context {
	out := &Context{}
	out.CopyFrom(c)
	return out
}

// CopyFrom makes c hold exactly the keys and values of src, reusing c's
// memory: once c has held as many keys and values as src, CopyFrom
// allocates nothing. src is only read (it may be shared with concurrent
// readers); a nil src empties c. Afterwards c and src share no memory that
// either writes to. Copying a context onto itself does nothing.
func (c *Context) CopyFrom(src *Context) {
	if c == src {
		return
	}
	c.Reset()
	if src == nil {
		return
	}
	for i := range c.slots {
		c.slots[i].copyFrom(&src.slots[i])
	}
	for i := 0; i < src.n; i++ {
		e := &src.ents[i]
		c.add(e.key, e.spelled).copyFrom(&e.v)
	}
}

// SetSourceIP sets acs:SourceIp to the address a.Unmap(): an IPv4-mapped
// address (::ffff:203.0.113.7) is stored as the IPv4 address it maps
// (203.0.113.7; spec §13 D25). Its string form (for Get, string operators
// and Explain) is a.Unmap().String(). It allocates nothing.
// The zero Addr is stored as the string "invalid IP", and an address with a
// zone as its string form; no IP condition accepts either.
func (c *Context) SetSourceIP(a netip.Addr) {
	if !ipValid(a) {
		c.slots[slotSourceIP].setStrings([]string{a.String()})
		return
	}
	c.slots[slotSourceIP].one("").setIP(a.Unmap(), valText)
}

// SetCurrentTime sets acs:CurrentTime to the instant t, whose string form
// is t in RFC 3339 in UTC with fractional seconds when t has them
// ("2019-08-12T09:00:00Z"). It allocates nothing. Instants outside the
// years 0000 to 9999 cannot be compared as dates (the comparison is
// unknown, like any value that is not a date).
func (c *Context) SetCurrentTime(t time.Time) {
	c.slots[slotCurrentTime].one("").setTimeText(t)
}

// SetSecureTransport sets acs:SecureTransport to "true" or "false".
func (c *Context) SetSecureTransport(b bool) {
	c.slots[slotSecureTransport].one(boolString(b)).setBool(b)
}

// SetMFAPresent sets acs:MFAPresent to "true" or "false".
func (c *Context) SetMFAPresent(b bool) {
	c.slots[slotMFAPresent].one(boolString(b)).setBool(b)
}

// lookup finds a normalised key for Decide, using its slot when it has one.
// It returns nil for an absent key, and never writes to c.
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
	if c.index != nil {
		if i, ok := c.index[k]; ok && i < c.n {
			return &c.ents[i].v
		}
		return nil
	}
	for i := 0; i < c.n; i++ {
		if c.ents[i].key == k {
			return &c.ents[i].v
		}
	}
	return nil
}

// find is lookup for a key in any spelling.
func (c *Context) find(key string) *values {
	if c == nil {
		return nil
	}
	if s := slotOf(key); s >= 0 {
		if v := &c.slots[s]; v.set {
			return v
		}
		return nil
	}
	if i := c.positionAny(key); i >= 0 && i < c.n {
		return &c.ents[i].v
	}
	return nil
}

// positionAny returns the position in ents (live or spare) of key in any
// spelling, or -1. Below the index size it first looks for the spelling
// the key was last set by, then compares key with each entry's normalised
// key (sameKey), so a key spelled with upper-case letters is found without
// building its normalised form. It only reads c.
func (c *Context) positionAny(key string) int {
	if c.index != nil {
		var buf [64]byte
		return c.position(appendNormKey(buf[:0], key))
	}
	for i := range c.ents {
		if c.ents[i].spelled == key {
			return i
		}
	}
	for i := range c.ents {
		if sameKey(key, c.ents[i].key) {
			return i
		}
	}
	return -1
}

// sameKey reports whether normKey(key) == nk without building
// normKey(key): ASCII letters before the first '/' compare folded, the
// rest exactly (spec §13 D23).
func sameKey(key, nk string) bool {
	if len(key) != len(nk) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '/' {
			return key[i:] == nk[i:]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != nk[i] {
			return false
		}
	}
	return true
}

// position returns the position in ents (live or spare) of the normalised
// key nk, or -1. positionKey is the same for a key held as a string.
func (c *Context) position(nk []byte) int {
	if c.index != nil {
		if i, ok := c.index[string(nk)]; ok {
			return i
		}
		return -1
	}
	for i := range c.ents {
		if c.ents[i].key == string(nk) {
			return i
		}
	}
	return -1
}

func (c *Context) positionKey(nk string) int {
	if c.index != nil {
		if i, ok := c.index[nk]; ok {
			return i
		}
		return -1
	}
	for i := range c.ents {
		if c.ents[i].key == nk {
			return i
		}
	}
	return -1
}

// entry returns the values of key, which has no slot, for writing, adding
// the key if absent.
func (c *Context) entry(key string) *values {
	if i := c.positionAny(key); i >= 0 {
		c.ents[i].spelled = key
		return c.revive(i)
	}
	return c.addNew(normKey(key), key)
}

// add returns the values of the normalised key nk, last set by the
// spelling spelled, making it live: a live
// entry is returned as it is, a spare one with that key is moved among the
// live ones, and otherwise the key takes the first spare entry (forgetting
// that spare's key) or a new one.
func (c *Context) add(nk, spelled string) *values {
	if i := c.positionKey(nk); i >= 0 {
		c.ents[i].spelled = spelled
		return c.revive(i)
	}
	return c.addNew(nk, spelled)
}

// addNew adds the normalised key nk, which c does not hold, set by the
// spelling spelled, and returns its empty values.
func (c *Context) addNew(nk, spelled string) *values {
	if c.n == len(c.ents) {
		c.ents = append(c.ents, ctxEntry{})
		if len(c.ents) > indexMin {
			if c.index == nil {
				c.index = make(map[string]int, 2*len(c.ents))
				for i := range c.ents[:c.n] {
					c.index[c.ents[i].key] = i
				}
			}
		}
	} else if c.index != nil {
		delete(c.index, c.ents[c.n].key)
	}
	e := &c.ents[c.n]
	e.key, e.spelled = nk, spelled
	e.v.clear()
	if c.index != nil {
		c.index[nk] = c.n
	}
	c.n++
	return &e.v
}

// revive makes entry i live (moving a spare entry to the end of the live
// ones) and returns its values.
func (c *Context) revive(i int) *values {
	if i >= c.n {
		c.swap(i, c.n)
		i = c.n
		c.n++
	}
	return &c.ents[i].v
}

// swap exchanges entries i and j, keeping the index right.
func (c *Context) swap(i, j int) {
	if i == j {
		return
	}
	c.ents[i], c.ents[j] = c.ents[j], c.ents[i]
	if c.index != nil {
		c.index[c.ents[i].key] = i
		c.index[c.ents[j].key] = j
	}
}
