package policy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/stretchr/testify/require"
)

// keptStrings returns a copy of every string of d but the patterns: what a
// transient parse promises the caller may keep.
func keptStrings(d *Document) []string {
	var out []string
	eachString(d, false, func(s *string) bool { out = append(out, strings.Clone(*s)); return true })
	return out
}

// TestTransientEqualsParse: for every valid corpus document, a transient
// parse builds the Document Parse builds; once its memory is released and
// overwritten, the strings it promised the caller (Sids, condition keys
// and values, principals) are unchanged, and the next transient parse in
// the same memory is right too.
func TestTransientEqualsParse(t *testing.T) {
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
	pooled := 0
	for _, f := range corpusFiles(t, "valid") {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		opts := []Option{WithKind(kindFromName(t, name))}
		want, err := Parse(data, opts...)
		require.NoError(t, err)
		d, mem, err := testParseTransient(data, opts)
		require.NoError(t, err, name)
		got := d.(*Document)
		require.Equal(t, want, got, name)
		kept := keptStrings(got)
		var held []*string // the kept strings themselves, not copies
		eachString(got, false, func(s *string) bool { held = append(held, s); return true })
		vals := make([]string, len(held))
		for i, s := range held {
			vals[i] = *s // the string header: the same bytes as the document's
		}
		if mem != nil {
			pooled++
			docpool.Release(mem)
		}
		for i := range vals {
			require.Equal(t, kept[i], vals[i], "%s: a kept string changed when the document was released", name)
		}
	}
	require.Positive(t, pooled, "no document took the pooled path")
}

// TestTransientFallsBack: a document with an escape is read by the
// diagnosing walk and comes back as an ordinary Document (no pooled
// memory); an invalid one gets Parse's error.
func TestTransientFallsBack(t *testing.T) {
	js := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"\u0061rms:Get*","Resource":"*"}]}`)
	d, mem, err := testParseTransient(js, nil)
	require.NoError(t, err)
	require.Nil(t, mem)
	require.Equal(t, []string{"arms:Get*"}, d.(*Document).Statements[0].Action)

	bad := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms","Resource":"*"}]}`)
	_, perr := Parse(bad)
	doc, mem, err := testParseTransient(bad, nil)
	require.Nil(t, doc)
	require.Nil(t, mem)
	require.Equal(t, perr, err)
}

// TestTransientDropsLargeMemory: the memory of a document over
// maxTransientText bytes is not kept for the next parse.
func TestTransientDropsLargeMemory(t *testing.T) {
	js := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}` + strings.Repeat(" ", maxTransientText))
	d, mem, err := testParseTransient(js, []Option{WithLimits(Limits{MaxInputBytes: 2 * maxTransientText})})
	require.NoError(t, err)
	require.NotNil(t, d)
	tr := mem.(*transient)
	require.Greater(t, cap(tr.text), maxTransientText)
	docpool.Release(mem)
	for range 4 {
		got := transientPool.Get().(*transient)
		require.NotSame(t, tr, got, "a transient of more than maxTransientText bytes went back to the pool")
	}
}

// TestParseRefusesUnknownKind: a kind other than Identity, Trust and
// Session is an ErrInvalid ParseError from Parse and from the transient
// parse alike, not a document of a kind nothing else knows.
func TestParseRefusesUnknownKind(t *testing.T) {
	js := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}`)
	for _, k := range []Kind{Session + 1, 255} {
		d, err := Parse(js, WithKind(k), WithFile("p.json"))
		require.Nil(t, d)
		var pe *ParseError
		require.ErrorAs(t, err, &pe)
		require.ErrorIs(t, err, ErrInvalid)
		require.Equal(t, "p.json", pe.File)
		require.Contains(t, pe.Msg, k.String())
		doc, mem, terr := testParseTransient(js, []Option{WithKind(k)})
		require.Nil(t, doc)
		require.Nil(t, mem)
		require.ErrorIs(t, terr, ErrInvalid)
	}
	for _, k := range []Kind{Identity, Session} {
		_, err := Parse(js, WithKind(k))
		require.NoError(t, err, k.String())
	}
}

// TestScratchPoolKeepsBoundedBytes: the single-pass reader's scratch goes
// back to the pool only within maxScratchBytes. A document of 880 KB of
// empty condition values ("", three bytes of input, an 8-byte span each)
// once left a 5 MB scratch there, through Parse and Load alike.
// emptyValuesDocument returns a document of about 880 KB (under
// maxTransientText) that is one statement whose condition has keys of a
// thousand empty values each: three bytes of input per Value, so the
// parse's containers grow far faster than its text. emptyValuesLimits
// admits it.
func emptyValuesDocument() string {
	vals := strings.TrimSuffix(strings.Repeat(`"",`, 1000), ",")
	var b strings.Builder
	b.WriteString(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{`)
	for k := 0; b.Len() < 880_000; k++ {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strconv.Itoa(k) + `":[` + vals + `]`)
	}
	b.WriteString(`}}}]}`)
	return b.String()
}

var emptyValuesLimits = []Option{WithLimits(Limits{MaxSize: 4 << 20, MaxInputBytes: 4 << 20, MaxValues: 100_000})}

func TestScratchPoolKeepsBoundedBytes(t *testing.T) {
	lim := emptyValuesLimits
	js := []byte(emptyValuesDocument())
	for _, parse := range []func(){
		func() { _, err := Parse(js, lim...); require.NoError(t, err) },
		func() {
			_, mem, err := testParseTransient(js, lim)
			require.NoError(t, err)
			docpool.Release(mem)
		},
	} {
		parse()
		for range 4 {
			sc := scratchPool.Get().(*scratch)
			require.LessOrEqual(t, sc.bytes(), maxScratchBytes, "the pool kept a scratch of %d bytes", sc.bytes())
		}
	}
	// The 10,000-statement set stays pooled: its scratch is within the cap.
	var big strings.Builder
	big.WriteString(`{"Version":"1","Statement":[`)
	for k := range 10_000 {
		big.WriteString(`{"Effect":"Allow","Action":"svc` + strconv.Itoa(k) + `:Verb*","Resource":"acs:svc:*:1:res/` + strconv.Itoa(k) + `/*"},`)
	}
	big.WriteString(`{"Effect":"Deny","Action":"svc7:Delete*","Resource":"*"}]}`)
	_, err := Parse([]byte(big.String()), WithLimits(Limits{MaxSize: 16 << 20, MaxInputBytes: 16 << 20, MaxStatements: 100_000}))
	require.NoError(t, err)
	sc := scratchPool.Get().(*scratch)
	require.Greater(t, cap(sc.stmts), 10_000, "the 10,000-statement set's scratch should have been pooled")
}

// testParseTransient runs parseTransient, docpool.Parse, with its
// document as an interface that is nil when there is none.
func testParseTransient(data []byte, opts []Option) (doc, mem any, err error) {
	d, mem, err := parseTransient(data, opts)
	if d == nil {
		return nil, mem, err
	}
	return d, mem, err
}
