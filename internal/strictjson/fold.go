package strictjson

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns the key under which a member name is compared with the
// other names of its object by default: every character is replaced by the
// smallest character of its Unicode simple case folding orbit, so "Name",
// "name", "NAME" and "nAme" share a key, as do "s", "S" and "ſ" (U+017F),
// and "k", "K" and the Kelvin sign (U+212A). Two names with one key are
// ambiguous: readers that match names without regard to case (such as
// encoding/json) could take either for the other.
func Fold(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(name); i++ {
			if c := name[i]; c >= 'a' && c <= 'z' {
				return asciiUpper(name)
			}
		}
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// foldEqual reports whether Fold(a) == Fold(b), without allocating.
func foldEqual(a, b string) bool {
	for a != "" && b != "" {
		var ra, rb rune
		if c := a[0]; c < utf8.RuneSelf {
			ra, a = rune(c), a[1:]
		} else {
			r, n := utf8.DecodeRuneInString(a)
			ra, a = r, a[n:]
		}
		if c := b[0]; c < utf8.RuneSelf {
			rb, b = rune(c), b[1:]
		} else {
			r, n := utf8.DecodeRuneInString(b)
			rb, b = r, b[n:]
		}
		if ra != rb && foldRune(ra) != foldRune(rb) {
			return false
		}
	}
	return a == "" && b == ""
}

// foldRune returns the smallest rune of r's simple folding orbit. For
// ASCII letters that is the upper-case letter (every other member of an
// ASCII letter's orbit, such as U+017F or U+212A, is larger).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
