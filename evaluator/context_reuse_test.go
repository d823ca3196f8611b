package evaluator

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// TestReusedValuesAgree fills one reused Context with a random sequence of
// sets (strings of every type, typed setters, several values, Reset) and
// checks after each that the key's stored values, every field of them,
// equal what a fresh Context stores for the same set. A reused value is
// cleared by writing only the fields its last use set (clearTyped), so a
// field left over from an earlier value of another type would show here.
func TestReusedValuesAgree(t *testing.T) {
	strs := []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1", "2026-05-01T12:00:00Z", "2026-05-01T12:00:00.5+08:00",
		"true", "FALSE", "20", "-1.5", "0", "", "abc", "fe80::1", "1.2.3", "2026-02-30T12:00:00Z"}
	ips := []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("::ffff:10.0.0.1"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("fe80::1%eth0"), {}}
	times := []time.Time{time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 12, 0, 0, 5, time.FixedZone("x", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), {}}
	keys := append(slotKeys[:], "oss:Prefix", "acs:ResourceTag/env")
	rng := rand.New(rand.NewPCG(21, 22))
	var reused Context
	for i := range 20000 {
		key := keys[rng.IntN(len(keys))]
		var set func(c *Context)
		switch op := rng.IntN(8); {
		case op == 0:
			reused.Reset()
			continue
		case op == 1 && key == keySourceIP:
			a := ips[rng.IntN(len(ips))]
			set = func(c *Context) { c.SetSourceIP(a) }
		case op == 1 && key == keyCurrentTime:
			tm := times[rng.IntN(len(times))]
			set = func(c *Context) { c.SetCurrentTime(tm) }
		case op == 1 && key == keySecureTransport:
			b := rng.IntN(2) == 0
			set = func(c *Context) { c.SetSecureTransport(b) }
		case op == 2:
			vs := []string{strs[rng.IntN(len(strs))], strs[rng.IntN(len(strs))]}
			set = func(c *Context) { c.Set(key, vs...) }
		default:
			s := strs[rng.IntN(len(strs))]
			set = func(c *Context) { c.Set(key, s) }
		}
		var fresh Context
		set(&fresh)
		set(&reused)
		got, want := reused.find(key), fresh.find(key)
		if len(got.vals) != len(want.vals) || len(got.strs) != len(want.strs) {
			t.Fatalf("step %d, %s: reused holds %d values, fresh %d", i, key, len(got.vals), len(want.vals))
		}
		for j := range want.vals {
			if got.vals[j] != want.vals[j] || got.strs[j] != want.strs[j] {
				t.Fatalf("step %d, %s: reused value %d is %q %+v, fresh %q %+v", i, key, j, got.strs[j], got.vals[j], want.strs[j], want.vals[j])
			}
		}
	}
}
