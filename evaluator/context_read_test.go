package evaluator

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
)

// The read-ahead of request values (reqvalue.go) has its own fast parsers
// for the forms a Context is filled with most often: dates, IPv4 addresses
// and bools. These tests hold them to the slow, obviously correct parsers
// they stand in for (policy.ParseDate, netip.ParseAddr, policy.ParseBool,
// and running every parser on every value).

// fullRead is the reference read-ahead: every parser on every value.
func fullRead(s string) reqValue {
	var v reqValue
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		v.ip = a.Unmap()
	}
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

func checkParseDate(t *testing.T, s string) {
	t.Helper()
	got, ok := parseDate(s)
	want, err := policy.ParseDate(s)
	if ok != (err == nil) || got != want {
		t.Fatalf("parseDate(%q) = %v, %v; policy.ParseDate = %v, %v", s, got, ok, want, err)
	}
}

func TestParseDateAgrees(t *testing.T) {
	seeds := []string{
		"2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00Z", "2019-08-12t09:00:00z", "2026-05-01T12:00:00Z",
		"0000-01-01T00:00:00Z", "0000-02-29T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00.5-00:30",
		"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
		"2019-04-31T00:00:00Z", "2019-13-01T00:00:00Z", "2019-00-01T00:00:00Z", "2019-01-00T00:00:00Z",
		"2019-01-01T24:00:00Z", "2019-01-01T00:60:00Z", "2019-01-01T00:00:60Z", "2019-01-01T00:00:00+24:00",
		"2019-01-01T00:00:00+23:59", "2019-01-01T00:00:00+23:60", "2019-01-01T00:00:00.Z", "2019-01-01T00:00:00.1234567890Z",
		"2019-01-01T00:00:00.123456789+01:00", "2019-01-01T00:00:00", "2019-01-01", "2019-01-01 00:00:00Z",
		"2019-01-01T00:00:00+0100", "2019-01-01T00:00:00+01:00x", "2019-01-01T00:00:00ZZ", "2019-01-01T00:00:00*01:00",
		"20x9-01-01T00:00:00Z", "2019-01-01T00:00:0 Z", "+019-01-01T00:00:00Z", "2019-1-01T00:00:00Z",
	}
	for _, s := range seeds {
		checkParseDate(t, s)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "0123456789-:T.Z+tz "
	for range 200000 {
		b := []byte("2019-08-12T17:00:00+08:00")
		b = b[:19+rng.IntN(7)]
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(4) == 0 {
			b = append(b, '.')
			for range rng.IntN(11) {
				b = append(b, byte('0'+rng.IntN(10)))
			}
			b = append(b, "Z"[:rng.IntN(2)]...)
		}
		checkParseDate(t, string(b))
	}
	// Every day of four years around a leap day, at several zones.
	for d := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2003; d = d.Add(24 * time.Hour) {
		for _, zone := range []string{"Z", "+08:00", "-11:30"} {
			checkParseDate(t, d.Format("2006-01-02T15:04:05")+zone)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00.123Z", "0000-02-29T00:00:00Z", "2019-02-29T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParseDate(t, s)
	})
}

// FuzzParseRequestValue checks the read-ahead, which runs at most two
// parsers chosen by the value's first bytes, against running every parser.
func FuzzParseRequestValue(f *testing.F) {
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "fe80::1", "2019-08-12T17:00:00+08:00", "-1.5", "20", "TRUE", "false", "abc", "1.2", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := parseRequestValue(s), fullRead(s); got != want {
			t.Fatalf("parseRequestValue(%q) = %+v, want %+v", s, got, want)
		}
	})
}

func TestParseIPv4Agrees(t *testing.T) {
	seeds := []string{"0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3.4", "01.2.3.4", "1.02.3.4", "1.2.3.04", "0.0.0.00",
		"1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "1000.1.1.1", "1.2.3.255", "1.2.3.256", "10.1.2.3", "", "1"}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 100000 {
		b := make([]byte, 1+rng.IntN(16))
		for j := range b {
			b[j] = "0123456789...25"[rng.IntN(15)]
		}
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		got, ok := parseIPv4(s)
		want, err := netip.ParseAddr(s)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("parseIPv4(%q) = %v, %v; netip.ParseAddr = %v, %v", s, got, ok, want, err)
		}
	}
}

func TestParseBoolAgrees(t *testing.T) {
	for _, s := range []string{"true", "false", "TRUE", "False", "tRuE", "fals", "falsee", "t", "", "truf", "1", "yes", "\x14rue", "tru\x05"} {
		got, ok := parseBool(s)
		want, err := policy.ParseBool(s)
		assert.Equal(t, err == nil, ok, s)
		assert.Equal(t, want, got && ok, s)
	}
}

// TestReadNoAllocs: reading a value ahead allocates for no kind of value.
func TestReadNoAllocs(t *testing.T) {
	var v reqValue
	for _, s := range []string{"10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3", "fe80::1%eth0", "2026-05-01T12:00:00Z", "2026-05-01",
		"true", "False", "-20.5", "1.2.3", "abc", "acs:ram::1:user/x", "logs/2026/"} {
		assert.Zero(t, testing.AllocsPerRun(20, func() { v.read(s) }), s)
	}
}

// TestSlotOfAgrees checks slotOf, which compares key names eight bytes at
// a time, against policy.CanonicalKey: every byte value at every position
// of each slot key, and random letter cases.
func TestSlotOfAgrees(t *testing.T) {
	ref := func(k string) int {
		for i, key := range slotKeys {
			if policy.CanonicalKey(k) == key {
				return i
			}
		}
		return -1
	}
	check := func(k string) {
		if got, want := slotOf(k), ref(k); got != want {
			t.Fatalf("slotOf(%q) = %d, want %d", k, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, key := range append(slotKeys[:], "acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport", "acs:MFAPresent") {
		check(key)
		check(key[1:])
		check(key + "x")
		for i := range len(key) {
			for c := range 256 {
				b := []byte(key)
				b[i] = byte(c)
				check(string(b))
			}
		}
		for range 1000 {
			b := []byte(key)
			for i := range b {
				if rng.IntN(2) == 0 && b[i] >= 'a' && b[i] <= 'z' {
					b[i] -= 'a' - 'A'
				}
			}
			check(string(b))
		}
	}
	for _, k := range []string{"", "acs:", "acs:sourceip/x", "oss:Prefix", "acs:PrincipalARN"} {
		check(k)
	}
}

// TestTimeValueRange: SetCurrentTime's value is a date exactly for the
// instants whose year is 0000 to 9999, as the calendar says.
func TestTimeValueRange(t *testing.T) {
	d0 := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	d1 := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, int64(minDateUnix), d0.Unix())
	assert.Equal(t, int64(maxDateUnix), d1.Unix()-1)
	east := time.FixedZone("+14", 14*3600)
	for _, tm := range []time.Time{d0, d0.Add(-time.Nanosecond), d1, d1.Add(-time.Nanosecond), time.Time{},
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2026, 5, 1, 12, 0, 0, 0, east),
		time.Date(10000, 1, 1, 13, 0, 0, 0, east), time.Date(0, 1, 1, 1, 0, 0, 0, east), time.Unix(1<<40, 0)} {
		y := tm.UTC().Year()
		v := timeValue(tm)
		assert.Equal(t, y >= 0 && y <= 9999, v.flags&valTime != 0, tm.String())
		assert.Equal(t, tm.UTC(), v.time)
	}
}

// TestSetSlotStringAgrees: Set on a fixed slot, which tries the slot's own
// type first, stores what the general read-ahead reads, for every slot and
// values of every type.
func TestSetSlotStringAgrees(t *testing.T) {
	vals := []string{"10.1.2.3", "01.2.3.4", "::ffff:10.1.2.3", "2001:db8::1", "2026-05-01T12:00:00Z", "2026-02-30T12:00:00Z",
		"true", "FALSE", "yes", "20", "-1.5", "", "abc", "fe80::1", "1.2.3"}
	rng := rand.New(rand.NewPCG(15, 16))
	const alphabet = "0123456789-+.:TZtruefalsTRUEFALSabcdef "
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		vals = append(vals, string(b))
	}
	var c Context
	for slot, key := range slotKeys {
		for _, s := range vals {
			c.Set(key, s)
			v := &c.slots[slot]
			if !v.set || len(v.vals) != 1 || v.strs[0] != s || v.vals[0] != parseRequestValue(s) {
				t.Fatalf("Set(%q, %q) stored %+v, want %+v", key, s, v.vals, parseRequestValue(s))
			}
		}
	}
}

// TestSameKeyAgrees checks sameKey, which compares a key in any spelling
// with a normalised key without building the normalised form, against
// policy.CanonicalKey.
func TestSameKeyAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const alphabet = "aAbB:/zZ@[`{é"
	for range 200000 {
		b := make([]byte, rng.IntN(8))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		k := string(b)
		nk := policy.CanonicalKey(k)
		// A candidate that is the normalised key, or one byte off it.
		cand := []byte(nk)
		if len(cand) > 0 && rng.IntN(2) == 0 {
			cand[rng.IntN(len(cand))] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := sameKey(k, string(cand)), nk == string(cand); got != want {
			t.Fatalf("sameKey(%q, %q) = %v, want %v", k, cand, got, want)
		}
	}
}

// TestContextSpellings: a key set in one spelling is found, replaced and
// deleted in every other spelling, before and after the Context has grown
// an index, and a reused Context keeps finding it when the spelling changes
// between requests.
func TestContextSpellings(t *testing.T) {
	for _, extra := range []int{0, 20} {
		var c Context
		for i := range extra {
			c.Set("svc:k"+string(rune('a'+i)), "x")
		}
		for round := range 3 {
			c.Set("oss:Prefix", "a")
			c.Set("OSS:PREFIX", "b")
			c.Set("acs:ResourceTag/Env", "t")
			got, ok := c.Get("oss:prefix")
			assert.True(t, ok)
			assert.Equal(t, []string{"b"}, got, "round %d", round)
			_, ok = c.Get("acs:resourcetag/env")
			assert.False(t, ok, "the part after '/' is exact")
			got, _ = c.Get("ACS:RESOURCETAG/Env")
			assert.Equal(t, []string{"t"}, got)
			c.Delete("Oss:Prefix")
			_, ok = c.Get("oss:Prefix")
			assert.False(t, ok)
			c.Reset()
		}
	}
}

// TestContextFillNoAllocs: each typed setter, Set on a fixed slot in any
// spelling, and generic keys set alternately in two spellings allocate
// nothing once a reused Context has grown (issue 12).
func TestContextFillNoAllocs(t *testing.T) {
	var c Context
	ip := netip.MustParseAddr("2001:db8::1")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tags := []string{"a", "b", "c"}
	spelling := 0
	fills := map[string]func(){
		"SetSourceIP":        func() { c.SetSourceIP(ip) },
		"SetCurrentTime":     func() { c.SetCurrentTime(now) },
		"SetSecureTransport": func() { c.SetSecureTransport(true) },
		"SetMFAPresent":      func() { c.SetMFAPresent(false) },
		"slot keys in other spellings": func() {
			c.Set("ACS:SOURCEIP", "10.1.2.3")
			c.Set("acs:currenttime", "2026-05-01T12:00:00+08:00")
			c.Set("Acs:SecureTransport", "TRUE")
		},
		"generic keys, two spellings": func() {
			c.Reset()
			keys := [2][3]string{{"oss:Prefix", "acs:ResourceTag/Env", "ecs:InstanceCount"}, {"OSS:prefix", "ACS:RESOURCETAG/Env", "ecs:instancecount"}}[spelling%2]
			spelling++
			c.Set(keys[0], "logs/")
			c.Set(keys[1], "prod")
			c.Set(keys[2], "20")
			c.Set("acs:TagKeys", tags...)
		},
	}
	for name, fill := range fills {
		t.Run(name, func(t *testing.T) {
			fill()
			fill()
			assert.Zero(t, testing.AllocsPerRun(100, fill))
		})
	}
}

// TestCloneKeepsSpellings: a clone equals its source field for field,
// including the spelling each key was last set by (callers compare a
// shared context with a clone taken beforehand to prove nothing wrote to
// it, as directory's TestSharedContextConcurrent does).
func TestCloneKeepsSpellings(t *testing.T) {
	var c Context
	c.Set("acs:PrincipalARN", "acs:ram::1:user/a")
	c.Set("oss:prefix", "y")
	c.Set("OSS:Prefix", "z")
	c.Set("acs:SourceIp", "10.1.2.3")
	assert.Equal(t, &c, c.Clone())
	var d Context
	d.Set("OSS:PREFIX", "old")
	d.CopyFrom(&c)
	assert.Equal(t, &c, &d)
}
