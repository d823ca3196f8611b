package evaluator

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestAny checks the index's restAny flag, which lets Decide skip
// MatchRest: it is set exactly for the patterns that are a literal prefix
// and one final '*', and for those MatchRest holds for every rest.
func TestRestAny(t *testing.T) {
	want := map[string]bool{
		"*": true, "arms:*": true, "ARMS:Get*": true, "arms:Get": false, "arms:*Get": false, "arms:Get**": false,
		"arms:?*": false, "arms:G?t*": false, "a*b*": false, "?": false, "arms:Get*Trace": false, "ecs:Describe*": true,
	}
	var actions []string
	for p := range want {
		actions = append(actions, p)
	}
	d := &policy.Document{Version: "1", Statements: []policy.Statement{
		{Effect: policy.Allow, Action: actions, Resource: []string{"*"}},
		{Effect: policy.Deny, Action: actions, Resource: []string{"*"}},
	}}
	e, err := Compile(Policy{ID: "p", Document: d})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 14))
	for _, ix := range []*index{&e.allow, &e.deny} {
		require.Len(t, ix.ents, len(actions))
		for _, en := range ix.ents {
			acts := e.stmts[en.stmt].actions
			require.True(t, en.pat >= acts.lo && en.pat < acts.hi, "the entry's pattern is one of its statement's actions")
			src := e.pats.String(en.pat)
			assert.Equal(t, want[src], en.restAny, src)
			if !en.restAny {
				continue
			}
			for range 200 {
				b := make([]byte, rng.IntN(12))
				for j := range b {
					b[j] = "aZ:*?/\xff"[rng.IntN(7)]
				}
				assert.True(t, e.pats.MatchRest(en.pat, string(b)), "%s rest %q", src, b)
			}
		}
	}
}

// TestTypedValueText covers stackString, the one use of package unsafe on
// the decision path: a string operator on a value from a typed setter
// compares the value's string form, made in a buffer on matchText's stack.
// Every string operator must decide as it does on the same value set as
// its string form, for the longest forms (a full IPv6 address is 39 bytes,
// above the 32 bytes Go converts on the stack), and without allocating.
func TestTypedValueText(t *testing.T) {
	long := netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678")
	addrs := []netip.Addr{long, netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("::ffff:10.1.2.3"), netip.MustParseAddr("::1")}
	east := time.FixedZone("", 8*3600)
	times := []time.Time{time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 12, 0, 0, 123456789, east)}
	ops := []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"}
	check := func(key, text string, typed func(*Context)) {
		for _, op := range ops {
			for _, pv := range []string{text, strings.ToUpper(text), text[:len(text)-1] + "*", "*" + text[2:], "x" + text} {
				e := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"`+
					op+`":{"`+key+`":`+strconv.Quote(pv)+`}}}]}`)
				var tc, sc Context
				typed(&tc)
				sc.Set(key, text)
				r := Request{Action: "a:b", Resource: "r", Context: &tc}
				got := e.Decide(r)
				r.Context = &sc
				require.Equal(t, e.Decide(r), got, "%s %q on %q", op, pv, text)
				r.Context = &tc
				assert.Zero(t, testing.AllocsPerRun(20, func() { sinkDecision = e.Decide(r) }), "%s %q", op, text)
			}
		}
	}
	for _, a := range addrs {
		check("acs:SourceIp", a.Unmap().String(), func(c *Context) { c.SetSourceIP(a) })
	}
	for _, tm := range times {
		check("acs:CurrentTime", tm.UTC().Format(time.RFC3339Nano), func(c *Context) { c.SetCurrentTime(tm) })
	}
}
