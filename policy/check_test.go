package policy

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// refCheckAction is the earlier two-part check of an action, kept as the
// reference for the one-pass checkAction.
func refCheckAction(p *parser, s string) {
	if s == "*" {
		return
	}
	chars := func(s string) bool {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			case c == '-', c == '_', c == '.', c == '*', c == '?':
			default:
				return false
			}
		}
		return true
	}
	svc, name, ok := strings.Cut(s, ":")
	if !ok || svc == "" || name == "" || !chars(svc) || !chars(name) {
		p.fail(-1, ErrInvalid, "an action must be \"*\" or \"<service>:<action>\" using letters, digits, '-', '_', '.', '*' and '?'; got "+quote(s))
		return
	}
	p.wildcardLimit(strings.Count(s, "*")+strings.Count(s, "?"), -1)
}

// refCheckResource is the earlier check of a resource.
func refCheckResource(p *parser, s string) {
	switch {
	case s == "*":
	case hasControl(s):
		p.fail(-1, ErrInvalid, "a resource must not contain control characters")
	case !strings.HasPrefix(s, "acs:"):
		p.fail(-1, ErrInvalid, "a resource must be \"*\" or an ARN starting with \"acs:\"; got "+quote(s))
	default:
		p.wildcardLimit(strings.Count(s, "*")+strings.Count(s, "?"), -1)
	}
}

// The one-pass checks fail exactly where the references do, with the same
// error.
func TestChecksAgreeWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const alphabet = "acs:*?-_.aZ9/ \x01\x7f\xc3\xa9"
	for i := 0; i < 50000; i++ {
		b := make([]byte, rng.IntN(10))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if rng.IntN(4) == 0 {
			s = "acs:" + s
		}
		cfg := &config{limits: Limits{MaxWildcards: 2}.withDefaults(Identity)}
		for _, pair := range []struct{ got, want func(p *parser, s string) }{
			{func(p *parser, s string) { p.checkAction(s, -1) }, refCheckAction},
			{func(p *parser, s string) { p.checkResource(s, -1) }, refCheckResource},
		} {
			got, want := &parser{cfg: cfg}, &parser{cfg: cfg}
			pair.got(got, s)
			pair.want(want, s)
			require.Equal(t, want.err, got.err, "%q", s)
		}
	}
}

// TestResourceAcceptedOnlyWhatResourceProblemAccepts checks the quick yes
// against the full check: every resource it accepts, resourceProblem
// accepts too, and it does say yes for the usual short ARN and "*" (else
// the shortcut would be dead code).
func TestResourceAcceptedOnlyWhatResourceProblemAccepts(t *testing.T) {
	inputs := []string{"*", "acs:", "acs:oss:*:*:b/*", "acs:ecs:*:1234567890123456:instance/i-1",
		"", "a", "ac", "acs", "acS:x", "ACS:x", "**", "acs:*?*?", "acs:" + strings.Repeat("*", 60),
		"acs:" + strings.Repeat("?", 61), "x:acs:", " acs:x", "acs:\u00e9*"}
	rng := rand.New(rand.NewPCG(7, 12))
	alphabet := "acs:*?x/"
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, maxWild := range []int{0, 1, 2, 3, 8, 64} {
		for _, s := range inputs {
			if resourceAccepted(s, maxWild) {
				require.NoError(t, resourceProblem(s, maxWild, true).err, "%q with at most %d wildcards", s, maxWild)
			}
		}
	}
	require.True(t, resourceAccepted("*", 0))
	require.True(t, resourceAccepted("acs:oss:*:*:b/*", 64))
	require.False(t, resourceAccepted("acs:oss:*:*:b/*", 3), "longer than the wildcard limit: resourceProblem counts")
	require.False(t, resourceAccepted("oss:*", 64))
}

// TestActionRunAgreesWithByteLoop checks actionRun, which steps four bytes
// at a time, against a byte-at-a-time count over actionClass, for strings
// of 0 to 20 bytes with a stop byte (or none) at every position.
func TestActionRunAgreesWithByteLoop(t *testing.T) {
	ref := func(s string) (n, colons, wild int) {
		for ; n < len(s); n++ {
			switch actionClass[s[n]] {
			case actionBad:
				return n, colons, wild
			case actionColon:
				colons++
			case actionWild:
				wild++
			}
		}
		return n, colons, wild
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "aZ9-_.:*?"
	for _, stop := range []byte{'"', '\\', 0, ' ', '/', 0x7f, 0xc3} {
		for size := 0; size <= 20; size++ {
			for at := -1; at < size; at++ {
				b := make([]byte, size)
				for i := range b {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
				if at >= 0 {
					b[at] = stop
				}
				n, colons, wild := actionRun(string(b))
				rn, rcolons, rwild := ref(string(b))
				require.Equal(t, []int{rn, rcolons, rwild}, []int{n, colons, wild}, "%q", b)
			}
		}
	}
}

// TestActionsAgreeWithActionProblem checks the reader's fused action loop
// (fastReader.actions, which scans and checks actions inline) against a
// slow reference built from the walk's checks: strReference reads each
// element, actionProblem checks it. Values are a single string or a list
// of up to four, each element of 0 to 20 bytes drawn from action bytes
// and bytes that stop a scan, with white space of every kind and length
// between the tokens, under wildcard and value limits that the elements
// meet, reach and pass.
func TestActionsAgreeWithActionProblem(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "aZ9-_.:*?"
	stops := []string{`"`, `\`, "\x00", " ", "/", "\x7f", "é", "\n", "\x01"}
	space := func() string {
		var b strings.Builder
		switch rng.IntN(4) {
		case 1:
			b.WriteString("\n" + strings.Repeat(" ", rng.IntN(20)))
		case 2:
			for range rng.IntN(6) {
				b.WriteByte(" \n\t\r"[rng.IntN(4)])
			}
		case 3:
			b.WriteString(" ")
		}
		return b.String()
	}
	for range 200000 {
		lim := Limits{MaxValues: 1 + rng.IntN(4), MaxWildcards: rng.IntN(4), MaxDepth: 16}
		list := rng.IntN(4) != 0
		count := 1
		if list {
			count = rng.IntN(6)
		}
		var b strings.Builder
		b.WriteString(space())
		if list {
			b.WriteString("[")
		}
		for k := range count {
			if k > 0 {
				b.WriteString(space() + ",")
			}
			b.WriteString(space() + `"`)
			for range rng.IntN(21) {
				if rng.IntN(12) == 0 {
					b.WriteString(stops[rng.IntN(len(stops))])
				} else {
					b.WriteByte(alphabet[rng.IntN(len(alphabet))])
				}
			}
			if rng.IntN(16) != 0 {
				b.WriteString(`"`)
			}
		}
		if list && rng.IntN(16) != 0 {
			b.WriteString(space() + "]")
		}
		b.WriteString(space() + "}")
		data := b.String()

		// The reference: token by token, with the walk's check.
		var want []string
		end := 0 // where the reference stops
		wantOK := func() bool {
			i := 0
			skipWS := func() {
				for i < len(data) && strings.IndexByte(" \n\t\r", data[i]) >= 0 {
					i++
				}
			}
			skipWS()
			isList := i < len(data) && data[i] == '['
			if isList {
				i++
			}
			for {
				skipWS()
				if i >= len(data) || data[i] != '"' {
					return false
				}
				a, _, ok := strReference(data, i)
				if !ok || actionProblem(a, lim.MaxWildcards).err != nil {
					return false
				}
				want = append(want, a)
				i += len(a) + 2
				if !isList {
					end = i
					return true
				}
				skipWS()
				switch {
				case i < len(data) && data[i] == ',' && len(want) < lim.MaxValues:
					i++
				case i < len(data) && data[i] == ']':
					end = i + 1
					return true
				default:
					return false
				}
			}
		}()

		sc := new(scratch)
		r := fastReader{cursor: cursor{s: withSentinel([]byte(data)), n: len(data), maxDepth: lim.MaxDepth}, lim: lim, sc: sc}
		n, ok := r.actions()
		require.Equal(t, wantOK, ok, "%q (limits %+v)", data, lim)
		if !ok {
			continue
		}
		var got []string
		for _, sp := range sc.strs {
			got = append(got, r.s[sp.start:sp.end])
		}
		require.Equal(t, want, got, "%q", data)
		require.Equal(t, len(want), n, "%q", data)
		require.Equal(t, end, r.i, "%q: the reader stops after the value", data)
		// An action holds no white space: all of it in data[:end] was
		// stepped over.
		ws := 0
		for _, c := range []byte(data[:end]) {
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				ws++
			}
		}
		require.Equal(t, ws, r.ws, "%q: white space counted", data)
		require.Equal(t, 0, r.depth, "%q", data)
	}
}
