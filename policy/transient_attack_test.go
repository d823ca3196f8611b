package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
	"weak"

	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/stretchr/testify/require"
)

// transient_attack_test.go attacks the transient parse (transient.go):
// what the pool keeps, what the strings a caller keeps point at, and
// whether a parse that fails half-way leaves the memory fit for the next.

// block is a range of memory [lo, hi).
type block struct {
	name   string
	lo, hi uintptr
}

func sliceBlock[E any](name string, s []E) block {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return block{name, p, p + uintptr(cap(s))*unsafe.Sizeof(*new(E))}
}

// transientBlocks returns the blocks of t.
func transientBlocks(t *transient) []block {
	return []block{
		sliceBlock("text", t.text), sliceBlock("strs", t.strs), sliceBlock("vals", t.vals),
		sliceBlock("conds", t.conds), sliceBlock("prins", t.prins), sliceBlock("stmts", t.stmts),
	}
}

// inside returns the name of the block of bs that holds the n bytes at p,
// or "".
func inside(p unsafe.Pointer, n int, bs []block) string {
	if n == 0 {
		return ""
	}
	lo, hi := uintptr(p), uintptr(p)+uintptr(n)
	for _, b := range bs {
		if lo < b.hi && hi > b.lo {
			return b.name
		}
	}
	return ""
}

// TestAttackTransientPoolKeepsBoundedBytes: maxTransientText caps the text
// a pooled transient keeps at 1 MiB, but the containers were not counted.
// A document of less than 1 MiB with raised limits made of empty condition
// values ("", three bytes each) fills 120 bytes of Value per three bytes
// of input: the pool kept ~35 MB for one 880 KB document (and the strings,
// at 16 bytes per 4-byte "*", five times the text). Whatever the pool keeps
// must stay within a fixed bound: 4 MiB, four times the text cap.
func TestAttackTransientPoolKeepsBoundedBytes(t *testing.T) {
	lim := emptyValuesLimits
	stars := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":[` +
		strings.TrimSuffix(strings.Repeat(`"*",`, 90_000), ",") + `]}]}`
	for _, js := range []string{emptyValuesDocument(), stars} {
		require.Less(t, len(js)+padding, maxTransientText)
		want, err := Parse([]byte(js), lim...)
		require.NoError(t, err)
		d, mem, err := testParseTransient([]byte(js), lim)
		require.NoError(t, err)
		require.Equal(t, want, d)
		tr := mem.(*transient)
		size := tr.bytes()
		docpool.Release(mem)
		for range 4 {
			if got := transientPool.Get().(*transient); got == tr {
				require.LessOrEqual(t, size, 4<<20,
					"the pool kept a transient of %d bytes for an input of %d bytes", size, len(js))
			}
		}
	}
}

// keptByPool parses big (whose first statement has a long Sid) into
// pooled memory, releases it, parses small in the pooled memory, and
// returns a weak pointer to big's kept strings (Sids, condition keys and
// values, principals: one block, the Sid first).
func keptByPool(t *testing.T, big, small []byte, opts []Option) weak.Pointer[byte] {
	t.Helper()
	d, mem, err := testParseTransient(big, opts)
	require.NoError(t, err)
	require.NotNil(t, mem)
	sid := d.(*Document).Statements[0].Sid
	require.Greater(t, len(sid), 100)
	w := weak.Make(unsafe.StringData(sid))
	docpool.Release(mem)
	_, mem, err = testParseTransient(small, opts)
	require.NoError(t, err)
	docpool.Release(mem)
	return w
}

// TestAttackTransientKeepsNoKeptStrings: the strings a transient parse
// copies out for its caller (ownKeptStrings) belong to the caller; once
// the caller drops them they must be collectable. The released transient
// still held string headers pointing at them (the statements past the
// next document's count keep their Sids, the values their Raw, the
// principal lists their ARNs: release cleared nothing unless Scribble was
// on, and the next parse clears only what it uses), so the pool kept the
// strings of Evaluators long gone alive, for as long as loads keep the
// transient in use.
func TestAttackTransientKeepsNoKeptStrings(t *testing.T) {
	sid := strings.Repeat("S", 120)
	var b strings.Builder
	b.WriteString(`{"Version":"1","Statement":[`)
	for i := range 10 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Sid":"` + sid + strconv.Itoa(i) + `","Effect":"Allow","Action":"sts:AssumeRole",` +
			`"Principal":{"RAM":["acs:ram::123456789012345` + strconv.Itoa(i) + `:root"],"Service":["ecs.aliyuncs.com"]},` +
			`"Condition":{"StringEquals":{"acs:SourceVpc":["vpc-` + strconv.Itoa(i) + `","vpc-x"]}}}`)
	}
	b.WriteString(`]}`)
	big := []byte(b.String())
	small := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs.aliyuncs.com"}}]}`)
	w := keptByPool(t, big, small, []Option{WithKind(Trust)})
	runtime.GC() // the pool's transients move to its victim cache, still reachable
	require.Nil(t, w.Value(), "the pool keeps the strings of a released document's caller alive")
}

// TestAttackTransientStringsOutsidePool checks where the kept strings
// live, not only what they read: a string equal to what it was may still
// be a view of the pooled text that the next parse happens to rewrite with
// the same bytes. Every kept string of a transient document lies outside
// every block of the transient and outside the input, for the corpus and
// for documents of every kind and operator family.
func TestAttackTransientStringsOutsidePool(t *testing.T) {
	type in struct {
		name string
		js   []byte
		opts []Option
	}
	var ins []in
	for _, f := range corpusFiles(t, "valid") {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		name := filepath.Base(f)
		ins = append(ins, in{name, data, []Option{WithKind(kindFromName(t, name))}})
	}
	for i, js := range attackDocs {
		ins = append(ins, in{"attack-" + strconv.Itoa(i), []byte(js.js), js.opts})
	}
	pooled := 0
	for _, x := range ins {
		d, mem, err := testParseTransient(x.js, x.opts)
		require.NoError(t, err, x.name)
		doc := d.(*Document)
		var bs []block
		if mem != nil {
			pooled++
			bs = transientBlocks(mem.(*transient))
		}
		bs = append(bs, sliceBlock("input", x.js))
		eachString(doc, false, func(s *string) bool {
			require.Empty(t, inside(unsafe.Pointer(unsafe.StringData(*s)), len(*s), bs), "%s: kept string %q", x.name, *s)
			return true
		})
		for i := range doc.Statements {
			for _, c := range doc.Statements[i].Condition {
				for _, v := range c.Values {
					for _, part := range []string{v.Number.intg, v.Number.frac} {
						require.Empty(t, inside(unsafe.Pointer(unsafe.StringData(part)), len(part), bs), "%s: number %q", x.name, v.Raw)
					}
				}
			}
		}
		if mem != nil {
			docpool.Release(mem)
		}
	}
	require.Positive(t, pooled)
}

// attackDoc is a document and the options it is parsed with.
type attackDoc struct {
	js   string
	opts []Option
}

// attackDocs are documents of every kind and operator family, written
// without escapes so that the single-pass reader builds them in pooled
// memory.
var attackDocs = []attackDoc{
	{`{"Version":"1","Statement":[{"Sid":"allConds","Effect":"Allow","Action":["oss:Get*","ecs:Describe?nstances"],"Resource":["acs:oss:*:*:bucket/a*/b?c","*"],"Condition":{` +
		`"StringEquals":{"acs:SourceVpc":["vpc-1","vpc-2"],"oss:Prefix":"logs/"},` +
		`"StringNotEqualsIgnoreCase":{"acs:UserAgent":"Evil"},` +
		`"StringLike":{"acs:ResourceTag/env":["pro?-*","*-test"]},` +
		`"StringNotLikeIfExists":{"oss:Delimiter":"/*"},` +
		`"NumericLessThanEquals":{"oss:MaxKeys":["0010","-0.500","+7.250"]},` +
		`"NumericGreaterThan":{"ecs:Count":"00"},` +
		`"DateGreaterThan":{"acs:CurrentTime":"2024-01-02T03:04:05+08:00"},` +
		`"DateLessThanIfExists":{"acs:CurrentTime":"2030-12-31T23:59:59Z"},` +
		`"Bool":{"acs:SecureTransport":"true","acs:MFAPresent":"false"},` +
		`"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.1.7","2001:db8::/32","::1"]},` +
		`"NotIpAddress":{"acs:SourceIp":"10.9.0.0/16"}}},` +
		`{"Sid":"d","Effect":"Deny","NotAction":"ram:*","NotResource":"acs:ram:*:*:role/*"}]}`, nil},
	{`{"Version":"1","Statement":[{"Sid":"trust","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root","acs:ram::1234567890123456:role/r"],"Service":["ecs.aliyuncs.com","fc.aliyuncs.com"],"Federated":"acs:ram::1234567890123456:saml-provider/idp"},"Condition":{"StringEquals":{"saml:recipient":"https://signin.aliyun.com/saml-role/sso"}}}]}`,
		[]Option{WithKind(Trust)}},
	{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-s"}}}]}`, []Option{WithKind(Session)}},
	{`{"Version":"1","Statement":{"Sid":"lenient","Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{"NumericEquals":{"oss:MaxKeys":"1.5"}}}}`, []Option{Lenient()}},
	{`{"Version":"1","Statement":[{"Sid":"` + strings.Repeat("é", 300) + `","Effect":"Allow","Action":"a:b","Resource":"*"}]}` + strings.Repeat(" ", 60_000), []Option{WithFile("big.json")}},
}

// TestAttackTransientBuildFailsMidway: a condition value that does not
// parse for its operator is found by build, after it has written some
// strings, values and conditions into the pooled memory. The transient
// parse must return Parse's error, and the memory must serve the next
// parse as if nothing had happened (with and without Scribble).
func TestAttackTransientBuildFailsMidway(t *testing.T) {
	bads := []string{
		`{"Version":"1","Statement":[{"Sid":"a","Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"v"},"NumericEquals":{"n":["1","2","x3"]}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"DateEquals":{"d":"2024-01-01T00:00:00Z"}}},{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"DateEquals":{"d":"yesterday"}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"yes"}}}]}`,
	}
	for _, scribble := range []bool{false, true} {
		docpool.Scribble.Store(scribble)
		for i, bad := range bads {
			_, perr := Parse([]byte(bad))
			require.Error(t, perr, i)
			d, mem, err := testParseTransient([]byte(bad), nil)
			require.Nil(t, d)
			require.Nil(t, mem)
			require.Equal(t, perr, err, i)
			for k, good := range attackDocs {
				want, err := Parse([]byte(good.js), good.opts...)
				require.NoError(t, err)
				d, mem, err := testParseTransient([]byte(good.js), good.opts)
				require.NoError(t, err)
				require.Equal(t, want, d, "scribble %v, after bad %d: good %d", scribble, i, k)
				docpool.Release(mem)
			}
		}
	}
	docpool.Scribble.Store(false)
}

// TestAttackParseIsNotPooled: Parse's Document never lives in pooled
// memory: after any number of transient parses and releases (Scribble on),
// a Document from Parse reads the same, and none of its strings or
// containers lies in a transient's blocks.
func TestAttackParseIsNotPooled(t *testing.T) {
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
	for i, x := range attackDocs {
		doc, err := Parse([]byte(x.js), x.opts...)
		require.NoError(t, err)
		before, err := json.Marshal(doc)
		require.NoError(t, err)
		for _, y := range attackDocs {
			_, mem, err := testParseTransient([]byte(y.js), y.opts)
			require.NoError(t, err)
			bs := transientBlocks(mem.(*transient))
			require.Empty(t, inside(unsafe.Pointer(unsafe.SliceData(doc.Statements)), len(doc.Statements), bs), "%d", i)
			eachString(doc, true, func(s *string) bool {
				require.Empty(t, inside(unsafe.Pointer(unsafe.StringData(*s)), len(*s), bs), "%d: %q", i, *s)
				return true
			})
			docpool.Release(mem)
		}
		after, err := json.Marshal(doc)
		require.NoError(t, err)
		require.Equal(t, string(before), string(after))
		again, err := Parse([]byte(x.js), x.opts...)
		require.NoError(t, err)
		require.True(t, reflect.DeepEqual(again, doc))
	}
}

// TestAttackTransientPoolsStatementLists: the bound on what the pool keeps
// must not drop the memory of an ordinary large document, which would make
// every load of it allocate its blocks anew: the 10,000-statement set
// BenchmarkLoad times (1.0 MB, 2.9 MB of blocks) goes back to the pool.
func TestAttackTransientPoolsStatementLists(t *testing.T) {
	b := []byte(`{"Version":"1","Statement":[`)
	for k := range 10000 {
		ks := strconv.Itoa(k)
		b = append(b, `{"Effect":"Allow","Action":"svc`+ks+`:Verb`+ks+`*","Resource":"acs:svc`+ks+`:*:1234567890123456:res/`+ks+`/*"},`...)
	}
	b = append(b, `{"Effect":"Deny","Action":"svc7:Delete*","Resource":"*"}]}`...)
	lim := []Option{WithLimits(Limits{MaxInputBytes: 16 << 20, MaxSize: 16 << 20, MaxStatements: 100000})}
	back := 0
	for range 10 { // (under the race detector the pool drops a quarter of what it is given)
		_, mem, err := testParseTransient(b, lim)
		require.NoError(t, err)
		tr := mem.(*transient)
		require.Greater(t, tr.bytes(), 2<<20)
		docpool.Release(mem)
		got := transientPool.Get().(*transient)
		if got == tr {
			back++
		}
		transientPool.Put(got)
	}
	require.Positive(t, back, "the 10,000-statement set's memory never went back to the pool")
}

// TestAttackTransientReleasedIsZero: build fills statements and principals
// field by field, only those present, into blocks it takes as zero; the
// pool gives it blocks whose last parse release cleared. After parses of
// every kind, large then small, valid, refused half-way and failing in
// build, each released transient's blocks are zero to their capacity.
func TestAttackTransientReleasedIsZero(t *testing.T) {
	ins := append([]attackDoc(nil), attackDocs...)
	for _, x := range attackDocs {
		ins = append(ins, attackDoc{x.js[:len(x.js)*2/3], x.opts})
	}
	ins = append(ins, attackDoc{`{"Version":"1","Statement":[{"Sid":"a","Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"v"},"NumericEquals":{"n":["1","2","x3"]}}}]}`, nil})
	for _, x := range ins {
		for _, y := range ins {
			for _, z := range []attackDoc{x, y} {
				_, mem, _ := testParseTransient([]byte(z.js), z.opts)
				if mem == nil {
					continue
				}
				tr := mem.(*transient)
				docpool.Release(mem)
				require.True(t, isZeroSlice(tr.strs[:cap(tr.strs)]))
				require.True(t, isZeroSlice(tr.vals[:cap(tr.vals)]))
				require.True(t, isZeroSlice(tr.conds[:cap(tr.conds)]))
				require.True(t, isZeroSlice(tr.prins[:cap(tr.prins)]))
				require.True(t, isZeroSlice(tr.stmts[:cap(tr.stmts)]))
				require.True(t, reflect.ValueOf(tr.doc).IsZero())
			}
		}
	}
}

func isZeroSlice[E any](s []E) bool {
	for i := range s {
		if !reflect.ValueOf(&s[i]).Elem().IsZero() {
			return false
		}
	}
	return true
}
