package policy

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retainedByDocument parses data and returns the heap bytes the Document
// alone keeps alive (the live heap after a collection with only the
// Document held, minus before; the smallest of three parses, as other
// goroutines of the test binary can only add to a measurement), and the
// document's minified length.
func retainedByDocument(t *testing.T, data []byte) (retained int64, size int) {
	t.Helper()
	best := int64(math.MaxInt64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC() // a second time: sync.Pool victims go only now
		runtime.ReadMemStats(&before)
		d, err := Parse(data)
		require.NoError(t, err)
		runtime.GC()
		runtime.ReadMemStats(&after)
		size = len(d.String())
		runtime.KeepAlive(d)
		best = min(best, int64(after.HeapAlloc)-int64(before.HeapAlloc))
	}
	return best, size
}

// A parsed Document keeps what it holds, not the input it came from:
// white space around a small document (1 MiB of it, the default
// MaxInputBytes) once stayed alive as long as any string of the document,
// because the single-pass reader slices every string from its one copy of
// the whole input, and the walk slices them from gjson's copy of it (about
// 1 MiB kept for a document of under 200 characters, by either reader; a
// compiled Evaluator keeps the document's Sids and condition keys and
// values, and so kept the megabyte too). The bound is TestCompiledSizeBound's,
// 64 bytes per character of the minified document, plus 16 KiB of slack
// for the measurement; the documents are taken by the single-pass reader
// and, with an escape, by the walk.
func TestAttackDocumentDoesNotKeepItsInput(t *testing.T) {
	const small = `{"Version":"1","Statement":[{"Sid":"s","Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"v"},"NumericLessThan":{"n":"12.5"}}}]}`
	pad := func(n int) string { return strings.Repeat(" ", n) }
	big := 1<<20 - len(small) - 16
	for name, data := range map[string]string{
		"after":             small + pad(big),
		"before":            pad(big) + small,
		"in an action list": strings.Replace(small, `"a:b"`, `[`+pad(big)+`"a:b"]`, 1),
		"indented lines":    strings.ReplaceAll(small, `,`, ",\n"+pad(big/8)),
		"escaped (walk)":    strings.Replace(small, `"s"`, `"\u0073"`, 1) + pad(big),
	} {
		require.Less(t, len(data), 1<<20, name)
		if name != "escaped (walk)" {
			require.NotNil(t, fast([]byte(data)), "%s: not taken by the single-pass reader", name)
		}
		retained, size := retainedByDocument(t, []byte(data))
		t.Logf("%s: %d-byte input, %d characters minified, %d bytes retained", name, len(data), size, retained)
		assert.LessOrEqual(t, retained, int64(64*size+16<<10), "%s: a %d-character document keeps its %d-byte input", name, size, len(data))
	}
}

// A compacted Document is the Document the same text without the padding
// parses to, field for field (numbers, whose digits are slices of their
// value's text, included), in identity and trust documents, from both
// readers, and for random documents.
func TestAttackCompactedDocumentUnchanged(t *testing.T) {
	docs := []struct {
		kind Kind
		text string
	}{
		{Identity, `{"Version":"1","Statement":[{"Sid":"s1","Effect":"Allow","Action":["a:b","c:*"],"Resource":["acs:x:*","*"],` +
			`"Condition":{"NumericLessThan":{"n":["0012.500","-3"]},"StringLike":{"k":["é*",""]},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},` +
			`"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},"Bool":{"acs:SecureTransport":"true"}}},` +
			`{"Effect":"Deny","NotAction":"x:y","NotResource":"acs:z","Condition":{}}]}`},
		{Trust, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"],` +
			`"Service":"ecs.aliyuncs.com","Federated":"acs:ram::1234567890123456:saml-provider/p"}}]}`},
	}
	for _, d := range docs {
		for _, text := range []string{d.text, strings.Replace(d.text, `"Version"`, `"Versio\u006e"`, 1)} {
			want, err := Parse([]byte(text), WithKind(d.kind))
			require.NoError(t, err)
			padded := []byte(strings.Repeat("\n", 1<<15) + text + strings.Repeat(" ", 1<<15))
			got, err := Parse(padded, WithKind(d.kind))
			require.NoError(t, err)
			require.True(t, equalDocs(want, got), "%s\n%s", want, got)
		}
	}
	// Random documents (TestAttackFastRandomIndentation's), padded on both
	// sides to well past the bound.
	rng := rand.New(rand.NewPCG(7, 70))
	compared := 0
	for range 400 {
		text := attackDocument(rng)
		want, err := Parse([]byte(text), WithLimits(Limits{MaxSize: 1 << 20, MaxValues: 2000}))
		if err != nil {
			continue
		}
		pad := strings.Repeat(" ", 4*len(text)+4096)
		got, err := Parse([]byte(pad+text+pad), WithLimits(Limits{MaxSize: 1 << 20, MaxValues: 2000}))
		require.NoError(t, err)
		require.True(t, equalDocs(want, got), "%q", text)
		compared++
	}
	require.Greater(t, compared, 100)
}
