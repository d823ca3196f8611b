package policy

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diagnose runs only the diagnosing walk (the reader Parse used alone
// before the single-pass reader existed): the slow reference.
func diagnose(data []byte, opts ...Option) (*Document, error) {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	c.limits = c.limits.withDefaults(c.kind)
	p := &parser{data: data, cfg: &c, lone: -1}
	return p.parse()
}

// fast runs only the single-pass reader.
func fast(data []byte, opts ...Option) *Document {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	c.limits = c.limits.withDefaults(c.kind)
	return parseFast(data, &c, nil)
}

// checkFastAgrees fails when the single-pass reader accepts what the
// diagnosing walk rejects, builds a different document, or (for input
// without backslashes, which it takes) rejects what the walk accepts.
func checkFastAgrees(t *testing.T, data []byte, opts ...Option) {
	t.Helper()
	got := fast(data, opts...)
	want, err := diagnose(data, opts...)
	switch {
	case got != nil && err != nil:
		t.Fatalf("single-pass reader accepts what the walk rejects (%v):\n%q", err, data)
	case got != nil && !reflect.DeepEqual(got, want):
		t.Fatalf("readers build different documents from\n%q\nfast: %+v\nwalk: %+v", data, got, want)
	case got == nil && err == nil && !bytes.ContainsRune(data, '\\'):
		t.Fatalf("single-pass reader rejects a document without escapes that the walk accepts:\n%q", data)
	}
	// Lists carved from one backing array per kind must not share spare
	// capacity.
	if got != nil {
		for _, st := range got.Statements {
			for _, l := range [][]string{st.Action, st.NotAction, st.Resource, st.NotResource} {
				assert.Equal(t, len(l), cap(l))
			}
			for _, c := range st.Condition {
				assert.Equal(t, len(c.Values), cap(c.Values))
			}
			assert.Equal(t, len(st.Condition), cap(st.Condition))
		}
	}
}

// Every document of the corpus, valid and invalid, under every kind and
// mode: the readers agree, and the valid ones without escapes take the
// single-pass reader.
func TestFastAgreesOnCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "policies", "*", "*.json"))
	require.NoError(t, err)
	system, err := filepath.Glob(filepath.Join("system", "*.json"))
	require.NoError(t, err)
	files = append(files, system...)
	require.NotEmpty(t, files)
	taken := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, k := range []Kind{Identity, Trust, Session} {
			checkFastAgrees(t, data, WithKind(k))
			checkFastAgrees(t, data, WithKind(k), Lenient())
			if fast(data, WithKind(k)) != nil {
				taken++
			}
		}
	}
	assert.Greater(t, taken, 20, "the single-pass reader took almost nothing of the corpus")
	big := maxSizeDocument(t)
	require.NotNil(t, fast(big))
	checkFastAgrees(t, big)
}

// The limits, which the reader checks itself, reject at the same bound as
// the walk.
func TestFastLimits(t *testing.T) {
	d := []byte(doc(`{"Effect":"Allow","Action":["a:b","c:d"],"Resource":"acs:x:*","Condition":{"StringLike":{"k":["a*?*","b"]}}}`))
	for _, l := range []Limits{
		{MaxSize: len(d)}, {MaxSize: len(d) - 1}, {MaxInputBytes: len(d)}, {MaxInputBytes: len(d) - 1},
		{MaxStatements: 1}, {MaxValues: 2}, {MaxValues: 1}, {MaxWildcards: 3}, {MaxWildcards: 2},
		{MaxDepth: 6}, {MaxDepth: 5},
	} {
		checkFastAgrees(t, d, WithLimits(l))
	}
	spaced := bytes.ReplaceAll(d, []byte(","), []byte(" ,\n\t"))
	checkFastAgrees(t, spaced, WithLimits(Limits{MaxSize: len(d)}))
	checkFastAgrees(t, spaced, WithLimits(Limits{MaxSize: len(d) - 1}))
	utf := []byte(doc(`{"Sid":"é€😀","Effect":"Allow","Action":"a:b","Resource":"acs:é"}`))
	n := 0
	for _, c := range utf {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	checkFastAgrees(t, utf, WithLimits(Limits{MaxSize: n}))
	checkFastAgrees(t, utf, WithLimits(Limits{MaxSize: n - 1}))
}

// FuzzFastAgrees is the differential fuzzer of the two readers.
func FuzzFastAgrees(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "policies", "*", "*.json"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data, uint8(kindOfSeed(filepath.Base(s))), false)
		}
	}
	f.Add([]byte(doc(allowAll)), uint8(Identity), true)
	f.Add([]byte(`{"Version":"1","Statement":{"Effect":"Allow","Action":"a:b","Resource":"*"}}`), uint8(Identity), true)
	f.Add([]byte(doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1234567890123456:root","Service":["ecs.aliyuncs.com"]}}`)), uint8(Trust), false)
	f.Add([]byte(doc(`{"Effect":"Deny","NotAction":["a:*"],"NotResource":"acs:x","Condition":{"DateLessThan":{"k":"2019-08-12T17:00:00+08:00"},"NumericEquals":{"n":["1","-2.5"]},"IpAddress":{"acs:SourceIp":"::1"},"StringLikeIfExists":{"K":"a*","k/B":"x"}}}`)), uint8(Session), false)
	for _, d := range fastEdgeCases {
		f.Add([]byte(d), uint8(Trust), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8, lenient bool) {
		opts := []Option{WithKind(Kind(k % 3))}
		if lenient {
			opts = append(opts, Lenient())
		}
		checkFastAgrees(t, data, opts...)
	})
}

// The single-pass reader allocates per document, not per statement: one
// copy of the input and one backing array per kind of list, sized exactly.
func TestParseAllocationsDoNotGrowWithStatements(t *testing.T) {
	for _, n := range []int{10, 1000} {
		var b strings.Builder
		b.WriteString(`{"Version":"1","Statement":[`)
		for k := range n {
			if k > 0 {
				b.WriteByte(',')
			}
			ks := strconv.Itoa(k)
			b.WriteString(`{"Effect":"Allow","Action":"svc` + ks + `:Verb*","Resource":"acs:svc:*:*:res/` + ks + `/*"}`)
		}
		b.WriteString(`]}`)
		data := []byte(b.String())
		opts := []Option{WithLimits(Limits{MaxSize: len(data), MaxStatements: n})}
		allocs := testing.AllocsPerRun(3, func() {
			if d, err := Parse(data, opts...); err != nil || len(d.Statements) != n {
				t.Fatal(err)
			}
		})
		t.Logf("%d statements: %.0f allocations", n, allocs)
		assert.LessOrEqual(t, allocs, 16.0, "%d statements", n)
	}
}

// Anything after the document but white space is trailing data, a NUL
// byte included: the reader once took a NUL for the end of the input (its
// peek returns 0 for both) and accepted `{…}\x00garbage`, which the walk
// and every JSON reader reject.
func TestFastRejectsTrailingData(t *testing.T) {
	base := doc(allowAll)
	for _, tail := range []string{"\x00", "\x00garbage", " \x00{", "\n\x00", "x", "{}", "]", " ,"} {
		data := []byte(base + tail)
		assert.Nil(t, fast(data), "%q", tail)
		_, err := Parse(data)
		assert.ErrorIs(t, err, ErrSyntax, "%q", tail)
		checkFastAgrees(t, data)
	}
	for _, tail := range []string{"", " ", "\n\t\r "} {
		_, err := Parse([]byte(base + tail))
		assert.NoError(t, err, "%q", tail)
	}
}

// fastEdgeCases are documents aimed at the single-pass reader's shortcuts:
// member names compared a word at a time (and names that share their first
// word or letter), the Effect value, white space of every kind in every
// place, strings whose closing quote falls at every offset of a word, and
// non-ASCII text.
var fastEdgeCases = []string{
	doc(`{"Effect" :"Allow","Action" : "a:b","Resource"	:"*"}`),
	doc(`{"Effect":"Allow" ,"Action":"a:b" ,"Resource":"*" }`),
	doc(`{"Effect":"Allowx","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Den","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Deny","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"allow","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":["Allow"],"Action":"a:b","Resource":"*"}`),
	doc(`{"Effects":"Allow","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Actions":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resources":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resourc":"*"}`),
	doc(`{"Effect":"Allow","NotActio":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","NotActions":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","NotAction":"a:b","NotResourc":"*"}`),
	doc(`{"Effect":"Allow","NotAction":"a:b","NotResource":"acs:x"}`),
	doc(`{"Effect":"Allow","NotAction":"a:b","NotResources":"acs:x"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Conditio":{}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Conditions":{}}`),
	doc(`{"Sid":"","Effect":"Allow","Action":"a:b","Resource":"*"}`),
	doc(`{"Sid":"é€😀","Effect":"Allow","Action":"a:b","Resource":"acs:é/😀*"}`),
	doc(`{"Sid":"s","Sid":"t","Effect":"Allow","Action":"a:b","Resource":"*"}`),
	doc(`{"Sids":"s","Effect":"Allow","Action":"a:b","Resource":"*"}`),
	doc(`{"sid":"s","Effect":"Allow","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":["a:b","a:c","a:d*"],"Resource":["*","acs:x"]}`),
	doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":["a:b",],"Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":[,"a:b"],"Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:b:c","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":":b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:é","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a: b","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"**","Resource":"*"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"acs:x\u007f"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"acs:x` + "\x7f" + `"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"acs:x` + "\xed\xa0\x80" + `"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"acs:x` + "\xc0\xaf" + `"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"ACS:x"}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"oss:Prefix":"a","OSS:prefix":"b"}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"acs:ResourceTag/Env":"a","acs:resourcetag/env":"b"}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"a"},"StringEqualsIfExists":{"k":"b"},"StringEquals ":{"k":"c"}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"a"},"StringEquals":{"j":"b"}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NumericLessThan":{"n":["1","2.5","x"]}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","::ffff:10.1.2.3"]},"Bool":{"acs:SecureTransport":"TRUE"},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringLike":{"k":["a*","","é?"]}}}`),
	doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"":"a"}}}`),
	doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"],"Service":"ecs.aliyuncs.com","Federated":"acs:ram::1234567890123456:saml-provider/p"}}`),
	doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1234567890123456:root","RAM":"acs:ram::1234567890123456:root"}}`),
	doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{}}`),
	doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principals":{"RAM":"acs:ram::1234567890123456:root"}}`),
	"\t\r\n " + doc(allowAll) + "\t\r\n ",
	`{"Version":"1","Statement":[` + allowAll + `],"Version":"1"}`,
	`{"Version" : "1" , "Statement" : [ ` + allowAll + ` , ` + allowAll + ` ] }`,
	`{"Version":"1","Statement":` + allowAll + `}`,
	`{"Version":"1","Statement":[]}`,
	`{"Version":"2","Statement":[` + allowAll + `]}`,
	`{"Statement":[` + allowAll + `]}`,
}

// The readers agree on every edge case, as written and re-indented, in
// every kind and mode, and with every padding of the first member name so
// that the word comparisons meet the end of a word and of the input at
// every offset.
func TestFastAgreesOnEdgeCases(t *testing.T) {
	for _, d := range fastEdgeCases {
		variants := []string{d, strings.ReplaceAll(strings.ReplaceAll(d, ",", ",\n    "), "{", "{\n  ")}
		for pad := 1; pad < 9; pad++ {
			variants = append(variants, strings.Replace(d, `{"Version"`, "{"+strings.Repeat(" ", pad)+`"Version"`, 1))
		}
		for _, v := range variants {
			for _, k := range []Kind{Identity, Trust, Session} {
				checkFastAgrees(t, []byte(v), WithKind(k))
				checkFastAgrees(t, []byte(v), WithKind(k), Lenient())
			}
		}
	}
	// Every prefix of a document ends inside some token: none may be
	// accepted, and the word comparisons may not read past the input.
	d := []byte(fastEdgeCases[len(fastEdgeCases)-8])
	for n := range len(d) {
		checkFastAgrees(t, d[:n])
	}
}

// A parse allocates what the document is made of and nothing else: the
// copy of the input, one array per kind of list, and the Document with
// its statements (one allocation up to eight statements, two above: see
// TestParseAllocationsDoNotGrowWithStatements); options cost one more,
// the config they are applied to. (The collector is off while counting: a
// collection empties the pool of scratches, and the next parse would
// count a new one.)
func TestParseAllocations(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	arms, err := os.ReadFile("system/AliyunARMSReadOnlyAccess.json")
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		data   []byte
		opts   []Option
		allocs float64
	}{
		{"arms-readonly: copy, strings, Document with its statements", arms, nil, 3},
		{"conditions: also values and conditions", []byte(doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"}}}`)), nil, 5},
		{"trust: also principals, and the options' config", []byte(doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs.aliyuncs.com"}}`)), []Option{WithKind(Trust)}, 5},
	} {
		_, err := Parse(tc.data, tc.opts...)
		require.NoError(t, err, tc.name)
		// The fewest of 20 single parses: under the race detector the pool
		// drops a quarter of what it is given, and a parse then counts a
		// new scratch too.
		got := math.Inf(1)
		for range 20 {
			got = min(got, testing.AllocsPerRun(1, func() {
				if _, err := Parse(tc.data, tc.opts...); err != nil {
					t.Fatal(err)
				}
			}))
		}
		assert.Equal(t, tc.allocs, got, tc.name)
	}
}

// TestListSlots checks the scratch layout build relies on: the two lists
// of each exclusive pair share a slot, every other list has a slot of its
// own, and every slot is within rawStatement.lists.
func TestListSlots(t *testing.T) {
	require.Equal(t, listSlot(listAction), listSlot(listNotAction))
	require.Equal(t, listSlot(listResource), listSlot(listNotResource))
	used := map[int]int{}
	for k := range numLists {
		require.Less(t, listSlot(k), numSlots, "list %d", k)
		used[listSlot(k)]++
	}
	require.Len(t, used, numSlots)
	for _, k := range []int{listRAM, listService, listFederated} {
		require.Equal(t, 1, used[listSlot(k)], "principal list %d shares its slot", k)
	}
	// A statement holding both lists of a pair must still be refused by
	// both readers (the shared slot would otherwise lose one of them).
	for _, st := range []string{
		`{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}`,
		`{"Effect":"Allow","Action":"a:b","Resource":"*","NotResource":"acs:x"}`,
	} {
		in := []byte(`{"Version":"1","Statement":[` + st + `]}`)
		require.Nil(t, parseFast(in, &config{limits: Limits{}.withDefaults(Identity), kind: Identity}, nil))
		_, err := Parse(in)
		require.Error(t, err)
	}
}

// White space is counted exactly wherever the reader steps over it, so
// that MaxSize holds at its boundary for indented documents too: the one
// space after a member's colon (stepped over where the name is matched),
// two spaces or a tab there (stepped over by skip), and indentation before
// actions (stepped over by the action loop). The size is the length of
// the document with its white space removed (json.Compact).
func TestFastSizeOfIndentedDocuments(t *testing.T) {
	arms, err := os.ReadFile("system/AliyunARMSReadOnlyAccess.json")
	require.NoError(t, err)
	for _, data := range [][]byte{
		arms,
		bytes.ReplaceAll(arms, []byte(": "), []byte(":  ")),
		bytes.ReplaceAll(arms, []byte(": "), []byte(":\t")),
		bytes.ReplaceAll(arms, []byte("\n"), []byte("\r\n")),
		bytes.ReplaceAll(arms, []byte("        \""), []byte("                    \"")),
	} {
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, data))
		size := compact.Len()
		require.NotNil(t, fast(data, WithLimits(Limits{MaxSize: size})), "%d characters at MaxSize %d", size, size)
		require.Nil(t, fast(data, WithLimits(Limits{MaxSize: size - 1})), "%d characters at MaxSize %d", size, size-1)
		checkFastAgrees(t, data, WithLimits(Limits{MaxSize: size}))
		checkFastAgrees(t, data, WithLimits(Limits{MaxSize: size - 1}))
	}
}
