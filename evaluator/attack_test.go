package evaluator

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
)

// attackPieces are the bytes the compiled matcher's word-at-a-time
// folding must keep apart: ASCII letters of both cases and their
// neighbours ('@' = 'A'-1, '[' = 'Z'+1, '`', '{'), and multi-byte
// characters whose bytes are an ASCII letter plus 0x80 (Á = C3 81, á =
// C3 A1) or that fold to an ASCII letter under Unicode rules only (ſ
// U+017F to s, K U+212A to k), which ASCII folding must not equate.
var attackPieces = []string{"a", "A", "b", "B", "s", "S", "k", "K", "z", "Z", "@", "[", "`", "{", ":", "/", "0",
	"é", "É", "\u00c1", "\u00e1", "ſ", "\u212a", "\u0101", "\u0100"}

func attackString(rng *rand.Rand, n int, wild bool) string {
	var b strings.Builder
	for range n {
		switch {
		case wild && rng.IntN(7) == 0:
			b.WriteByte('*')
		case wild && rng.IntN(9) == 0:
			b.WriteByte('?')
		default:
			b.WriteString(attackPieces[rng.IntN(len(attackPieces))])
		}
	}
	return b.String()
}

// attackPrefixes share prefixes of every length from 1 to 12 bytes, so
// that trie labels of 1 to 9+ bytes meet inputs that end inside them, at
// them and just after them.
var attackPrefixes = []string{"a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefghijkl",
	"aB", "ABCDEFGH", "ABCDEFGHI", "abcdefgH", "abcdefg\u00c1", "abcdefgh\u00e1"}

// Decisions of the compiled evaluator equal the reference's for random
// action and resource patterns over those pieces, and requests made of
// them.
func TestAttackFoldingAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	for range 4000 {
		var docs []Policy
		for range 1 + rng.IntN(2) {
			d := &policy.Document{Kind: policy.Identity, Version: "1"}
			for range 1 + rng.IntN(6) {
				st := policy.Statement{Effect: policy.Allow, Resource: []string{"*"}}
				if rng.IntN(3) == 0 {
					st.Effect = policy.Deny
				}
				for range 1 + rng.IntN(3) {
					p := attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, rng.IntN(4), true)
					if rng.IntN(4) == 0 {
						p = attackString(rng, 1+rng.IntN(10), true)
					}
					st.Action = append(st.Action, p)
				}
				if rng.IntN(3) == 0 {
					st.Resource = []string{attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, rng.IntN(3), true)}
				}
				d.Statements = append(d.Statements, st)
			}
			docs = append(docs, Policy{ID: "p", Document: d})
		}
		for range 8 {
			a := attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, rng.IntN(4), false)
			if rng.IntN(2) == 0 {
				a = strings.Map(func(r rune) rune {
					if rng.IntN(2) == 0 {
						return r ^ 0x20 // flips ASCII case, and 0xC1-like neighbours
					}
					return r
				}, a)
			}
			if rng.IntN(4) == 0 { // invalid UTF-8 in the request: a lone high byte, a cut character
				at := rng.IntN(len(a) + 1)
				a = a[:at] + []string{"\xff", "\xc3", "\x80", "\xc1", "\xe1\x80"}[rng.IntN(5)] + a[at:]
			}
			res := attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, rng.IntN(3), false)
			checkAgainstReference(t, docs, Request{Action: a, Resource: res})
		}
	}
}

// Many patterns in one policy set: the trie sorts its keys by radix (256
// and more), nodes get more than eight children (binary search), and the
// decisions still equal the reference's.
func TestAttackManyPatternsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 77))
	for round := range 4 {
		d := &policy.Document{Kind: policy.Identity, Version: "1"}
		for i := range 300 + 100*round {
			st := policy.Statement{Effect: policy.Allow, Resource: []string{"*"}}
			if i%5 == 0 {
				st.Effect = policy.Deny
			}
			p := attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, 1+rng.IntN(5), rng.IntN(3) == 0)
			if rng.IntN(3) == 0 {
				p = attackString(rng, 1+rng.IntN(6), rng.IntN(2) == 0)
			}
			st.Action = []string{p}
			d.Statements = append(d.Statements, st)
		}
		ps := []Policy{{ID: "many", Document: d}}
		e, err := Compile(ps...)
		if err != nil {
			t.Fatal(err)
		}
		for range 400 {
			a := attackPrefixes[rng.IntN(len(attackPrefixes))] + attackString(rng, rng.IntN(6), false)
			if rng.IntN(2) == 0 {
				a = attackString(rng, 1+rng.IntN(7), false)
			}
			if rng.IntN(2) == 0 {
				a = strings.ToUpper(a)
			}
			r := Request{Action: a, Resource: "x"}
			if got, want := e.Decide(r), referenceDecide(ps, r); got != want {
				t.Fatalf("Decide(%q) = %v, reference %v\n%s", a, got, want, dump(ps))
			}
		}
	}
}

// A compiled Evaluator does not see later changes to the documents it was
// compiled from: writing into every string list, condition and value of
// the parsed document (as a caller may, it owns it) leaves every decision
// as it was.
func TestAttackEvaluatorIgnoresDocumentChanges(t *testing.T) {
	d, err := policy.Parse([]byte(`{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["ecs:Describe*","oss:GetObject"],"Resource":"acs:oss:*:*:bucket/*",
		 "Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"StringLike":{"acs:UserAgent":"sdk*"}}},
		{"Effect":"Deny","Action":"ecs:DescribeSecret*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(Policy{ID: "p", Document: d})
	if err != nil {
		t.Fatal(err)
	}
	var c Context
	c.Set("acs:SourceIp", "10.1.2.3")
	c.Set("acs:UserAgent", "sdk-go")
	reqs := []Request{
		{Action: "ecs:DescribeInstances", Resource: "acs:oss:*:*:bucket/a", Context: &c},
		{Action: "ecs:DescribeSecrets", Resource: "acs:oss:*:*:bucket/a", Context: &c},
		{Action: "oss:getobject", Resource: "acs:oss:*:*:bucket/a", Context: &c},
		{Action: "x:y", Resource: "acs:oss:*:*:bucket/a", Context: &c},
	}
	var before []Decision
	for _, r := range reqs {
		before = append(before, e.Decide(r))
	}
	for i := range d.Statements {
		st := &d.Statements[i]
		st.Effect = policy.Allow
		for k := range st.Action {
			st.Action[k] = "*"
		}
		for k := range st.Resource {
			st.Resource[k] = "*"
		}
		for k := range st.Condition {
			st.Condition[k].Key = "x"
			for j := range st.Condition[k].Values {
				st.Condition[k].Values[j] = policy.Value{Raw: "0.0.0.0/0"}
			}
		}
	}
	d.Statements = d.Statements[:1]
	for i, r := range reqs {
		if got := e.Decide(r); got != before[i] {
			t.Fatalf("%+v: %v after the document changed, %v before", r, got, before[i])
		}
	}
	if before[0] != Allow || before[1] != ExplicitDeny || before[2] != Allow || before[3] != ImplicitDeny {
		t.Fatalf("decisions %v", before)
	}
}

// asciiEqualFold is the slow reference of slotOf's word-at-a-time fold:
// equal lengths, and equal bytes after folding ASCII upper-case letters.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// slotOf agrees with the byte-by-byte reference for every slot key with
// every byte (0x00-0xFF, so letter+0x80 and letter^0x20 neighbours such as
// '@', '[', '`', '{') at every position, and for every case spelling.
func TestAttackSlotOfAgainstReference(t *testing.T) {
	want := func(k string) int {
		for i, name := range slotKeys {
			if asciiEqualFold(k, name) {
				return i
			}
		}
		return -1
	}
	for _, name := range slotKeys {
		for pos := range len(name) {
			for c := range 256 {
				k := name[:pos] + string([]byte{byte(c)}) + name[pos+1:]
				if got := slotOf(k); got != want(k) {
					t.Fatalf("slotOf(%q) = %d, reference %d", k, got, want(k))
				}
			}
		}
		up, low := strings.ToUpper(name), strings.ToLower(name)
		for _, k := range []string{up, low, name + "x", name[:len(name)-1], "x" + name[1:] + "/", name + "/"} {
			if got := slotOf(k); got != want(k) {
				t.Fatalf("slotOf(%q) = %d, reference %d", k, got, want(k))
			}
		}
	}
}
