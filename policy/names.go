package policy

// names.go matches the member names of a statement, and the value of its
// Effect, for the single-pass reader (fast.go).

import "math/bits"

// statementElement returns the elem bit of a statement's member name, or 0
// for a name that is none, by length first: one comparison per name.
func statementElement(name string) int {
	switch len(name) {
	case 3:
		if name == "Sid" {
			return elemSid
		}
	case 6:
		switch name {
		case "Effect":
			return elemEffect
		case "Action":
			return elemAction
		}
	case 8:
		if name == "Resource" {
			return elemResource
		}
	case 9:
		switch name {
		case "NotAction":
			return elemNotAction
		case "Principal":
			return elemPrincipal
		case "Condition":
			return elemCondition
		}
	case 11:
		if name == "NotResource" {
			return elemNotResource
		}
	}
	return 0
}

// The first eight bytes after the opening quote of the statement's member
// names, and the rest, as load64 reads them (little-endian words; see
// TestNameWords).
const (
	wordEffect   = 0x3a22746365666645 // Effect":
	wordAction   = 0x3a226e6f69746341 // Action":
	wordResource = 0x656372756f736552 // Resource, then ":
	wordConditio = 0x6f697469646e6f43 // Conditio, then n":
	wordPrincipa = 0x617069636e697250 // Principa, then l":
	wordNotActio = 0x6f69746341746f4e // NotActio, then n":
	wordNotResou = 0x756f736552746f4e // NotResou, then rce":
	wordSid      = 0x3a22646953       // Sid": (five bytes)
	wordAllow    = 0x22776f6c6c4122   // "Allow" (seven bytes)
	wordDeny     = 0x22796e654422     // "Deny" (six bytes)
	wordStar     = 0x222a22           // "*" (three bytes)
)

// statementKey reads a statement's member name and its colon and returns
// its elem bit (0 for a name that is none, or for bad input). A name
// written the usual way, in quotes with the colon right after, is compared
// whole, a word at a time, without scanning its bytes; anything else is
// read as a string and looked up.
func (r *fastReader) statementKey() int {
	s, i := r.s, r.i
	if s[i] <= ' ' {
		// White space before the name. An indented document's line
		// break and up to seven spaces go in one step (skip's word,
		// inline: spaces are zero bytes once XOR-ed out); anything else
		// goes to skip.
		if s[i] == '\n' {
			x := load64(s, i+1) ^ (ones * ' ') // in bounds: i is below the sentinel's offset
			if k := bits.TrailingZeros64(x|1<<63) >> 3; s[i+1+k] == '"' {
				r.ws += 1 + k
				i += 1 + k
			}
		}
		if s[i] <= ' ' {
			r.i = i
			r.skip()
			i = r.i
		}
	}
	if s[i] == '"' && i+17 <= len(s) {
		i++
		bit, n := 0, 0
		switch w := load64(s, i); w {
		case wordEffect:
			bit, n = elemEffect, 8
		case wordAction:
			bit, n = elemAction, 8
		case wordResource:
			bit, n = elemResource, tail(s, i+8, `":`)
		case wordConditio:
			bit, n = elemCondition, tail(s, i+8, `n":`)
		case wordPrincipa:
			bit, n = elemPrincipal, tail(s, i+8, `l":`)
		case wordNotActio:
			bit, n = elemNotAction, tail(s, i+8, `n":`)
		case wordNotResou:
			bit, n = elemNotResource, tail(s, i+8, `rce":`)
		default:
			if w&(1<<40-1) == wordSid {
				bit, n = elemSid, 5
			}
		}
		if n > 0 {
			// Indented documents put one space after the colon: stepped
			// over here, without a call to skip.
			i += n
			if s[i] == ' ' && s[i+1] > ' ' {
				i++
				r.ws++
			}
			r.i = i
			return bit
		}
		i--
	}
	r.i = i
	name, ok := r.name()
	if !ok {
		return 0
	}
	return statementElement(name)
}

// tail returns 8+len(t) when s continues with t at i, or 0.
func tail(s string, i int, t string) int {
	if s[i:i+len(t)] == t {
		return 8 + len(t)
	}
	return 0
}

// effect reads the value of Effect: Allow or Deny, or 0 for anything else.
func (r *fastReader) effect() Effect {
	if r.peek() == '"' && r.i+8 <= len(r.s) {
		switch w := load64(r.s, r.i); {
		case w&(1<<56-1) == wordAllow:
			r.i += 7
			return Allow
		case w&(1<<48-1) == wordDeny:
			r.i += 6
			return Deny
		}
	}
	e, _ := r.str()
	switch e {
	case "Allow":
		return Allow
	case "Deny":
		return Deny
	}
	return 0
}
