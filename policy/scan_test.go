package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// scanReference is the byte-at-a-time state machine scan replaced: kept to
// check the faster scan against.
func scanReference(data []byte, maxDepth int) (size int, depthOff int) {
	depth := 0
	inStr, esc := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c >= 0x80 && c < 0xC0 {
			continue // UTF-8 continuation byte: counted with its lead byte
		}
		if inStr {
			size++
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return size, i
			}
		case '}', ']':
			depth--
		}
		size++
	}
	return size, -1
}

func TestScanAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pieces := []string{`"`, `\`, `\"`, `{`, `}`, `[`, `]`, ` `, "\n", `a`, `:`, `,`, "é", "漢", `\u00e9`, `""`, "\t"}
	inputs := [][]byte{nil, []byte(`{}`), []byte(`{"a":"b\"c","d":[1,2,{"e":"漢"}]}`)}
	for i := 0; i < 50000; i++ {
		var b []byte
		for j := rng.IntN(30); j > 0; j-- {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		if !utf8.Valid(in) {
			continue // Parse rejects invalid UTF-8 before scanning
		}
		for _, depth := range []int{1, 3, 64} {
			gs, gd := scan(in, depth)
			ws, wd := scanReference(in, depth)
			if gs != ws || gd != wd {
				t.Fatalf("scan(%q, %d) = %d, %d; reference %d, %d", in, depth, gs, gd, ws, wd)
			}
		}
	}
}

// countElements reads the raw text; check it against walking the array.
func TestCountElementsAgreesWithWalk(t *testing.T) {
	walk := func(v gjson.Result) int {
		n := 0
		v.ForEach(func(_, _ gjson.Result) bool { n++; return true })
		return n
	}
	rng := rand.New(rand.NewPCG(11, 12))
	elems := []string{`1`, `"a"`, `"a,b"`, `"\""`, `"\\"`, `[]`, `[1,2]`, `{}`, `{"a":[1,",",{}]}`, `null`, `"]"`, ` "x" `, "\n[\n]\n"}
	for i := 0; i < 20000; i++ {
		var parts []string
		for j := rng.IntN(6); j > 0; j-- {
			parts = append(parts, elems[rng.IntN(len(elems))])
		}
		js := "[" + strings.Join(parts, ",") + "]"
		if rng.IntN(4) == 0 {
			js = " [ " + strings.Join(parts, " , ") + " ] "
		}
		require.True(t, gjson.Valid(js), js)
		v := gjson.Parse(js)
		require.Equal(t, walk(v), countElements(v), js)
	}
}
