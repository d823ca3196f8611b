package evaluator

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
	"weak"

	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// load_attack_test.go attacks Load's contract: Load returns what
// Compile(Policy{ID: id, Document: policy.Parse(data, opts...)}) returns
// (an equal Evaluator, or the same error), and the Evaluator shares no
// memory with data nor with the pool, whatever later or concurrent loads
// do with the pooled memory.

// atkDocs are documents of every kind and operator family, with Sids,
// condition keys and values of every family, principals of every type,
// wildcard patterns with '*' and '?', numbers with leading and trailing
// zeros, dates with offsets, IPv4 and IPv6 blocks: every kind of string an
// Evaluator keeps.
var atkDocs = []loadInput{
	{"all-families", []byte(`{"Version":"1","Statement":[{"Sid":"allConds","Effect":"Allow","Action":["oss:Get*","ecs:Describe?nstances","ram:List*Users*"],"Resource":["acs:oss:*:*:bucket/a*/b?c","acs:ecs:cn-*:1234567890123456:instance/*"],"Condition":{` +
		`"StringEquals":{"acs:SourceVpc":["vpc-1","vpc-2"],"oss:Prefix":"logs/"},` +
		`"StringNotEqualsIgnoreCase":{"acs:UserAgent":"Evil"},` +
		`"StringLike":{"acs:ResourceTag/env":["pro?-*","*-test"]},` +
		`"StringNotLikeIfExists":{"oss:Delimiter":"/*"},` +
		`"NumericLessThanEquals":{"oss:MaxKeys":["0010","-0.500","+7.250"]},` +
		`"DateGreaterThan":{"acs:CurrentTime":"2024-01-02T03:04:05+08:00"},` +
		`"DateLessThanIfExists":{"acs:CurrentTime":"2030-12-31T23:59:59Z"},` +
		`"Bool":{"acs:SecureTransport":"true"},` +
		`"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.1.7","2001:db8::/32","::1"]},` +
		`"NotIpAddress":{"acs:SourceIp":"10.9.0.0/16"}}},` +
		`{"Sid":"deny-except-ram","Effect":"Deny","NotAction":"ram:*","NotResource":"acs:ram:*:*:role/*","Condition":{"StringEquals":{"acs:PrincipalARN":"acs:ram::1234567890123456:role/blocked"}}},` +
		`{"Sid":"numbers","Effect":"Allow","Action":"ecs:RunInstances","Resource":"*","Condition":{"NumericGreaterThan":{"ecs:Count":"00"},"NumericLessThan":{"ecs:Count":"12.50"}}}]}`), nil},
	{"trust", []byte(`{"Version":"1","Statement":[{"Sid":"trust","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root","acs:ram::6543210987654321:role/r"],"Service":["ecs.aliyuncs.com","fc.aliyuncs.com"],"Federated":"acs:ram::1234567890123456:saml-provider/idp"},"Condition":{"StringEquals":{"saml:recipient":"https://signin.aliyun.com/saml-role/sso"}}},` +
		`{"Sid":"svc","Effect":"Deny","Action":"sts:AssumeRole","Principal":{"Service":"evil.aliyuncs.com"}}]}`),
		[]policy.Option{policy.WithKind(policy.Trust)}},
	{"session", []byte(`{"Version":"1","Statement":[{"Sid":"sess","Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-s"}}}]}`),
		[]policy.Option{policy.WithKind(policy.Session)}},
	{"lenient", []byte(`{"Version":"1","Statement":{"Sid":"lenient","Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{"NumericEquals":{"oss:MaxKeys":"1.5"}}}}`),
		[]policy.Option{policy.Lenient()}},
	{"padded-utf8", []byte(`{"Version":"1","Statement":[{"Sid":"` + strings.Repeat("é", 200) + `","Effect":"Allow","Action":"oss:Get*","Resource":"acs:oss:*:*:ü/*","Condition":{"StringEquals":{"acs:ResourceTag/名":"值"}}}]}` + strings.Repeat(" \n", 30_000)),
		[]policy.Option{policy.WithFile("padded.json"), nil}},
	{"escaped", []byte(`{"Version":"1","Statement":[{"Sid":"e\u0073c","Effect":"Allow","Action":"oss:Get*","Resource":"*","Condition":{"StringLike":{"oss:Prefix":"a\u002a"}}}]}`), nil},
}

// atkRequests exercise every condition of atkDocs, met and not met.
func atkRequests() []Request {
	ctxs := []*Context{nil, {}, {}, {}, {}}
	ctxs[2].Set("acs:SourceVpc", "vpc-1")
	ctxs[2].Set("oss:Prefix", "logs/")
	ctxs[2].Set("acs:UserAgent", "good")
	ctxs[2].Set("acs:ResourceTag/env", "prod-1")
	ctxs[2].Set("oss:MaxKeys", "5")
	ctxs[2].Set("acs:CurrentTime", "2025-06-01T00:00:00Z")
	ctxs[2].Set("acs:SecureTransport", "true")
	ctxs[2].Set("acs:SourceIp", "10.1.2.3")
	ctxs[2].Set("ecs:Count", "3")
	ctxs[2].Set("acs:ResourceTag/名", "值")
	ctxs[2].Set("saml:recipient", "https://signin.aliyun.com/saml-role/sso")
	ctxs[3].Set("acs:SourceVpc", "vpc-s")
	ctxs[3].Set("oss:MaxKeys", "1.50")
	ctxs[3].Set("acs:SourceIp", "2001:db8::5")
	ctxs[3].Set("oss:Delimiter", "/x")
	ctxs[3].Set("oss:Prefix", "a*")
	ctxs[4].Set("acs:SourceIp", "10.9.1.1")
	ctxs[4].Set("acs:PrincipalARN", "acs:ram::1234567890123456:role/blocked")
	ctxs[4].Set("ecs:Count", "13")
	var out []Request
	for _, a := range []string{"oss:GetObject", "ecs:DescribeInstances", "ram:ListGroupUsersX", "ram:GetRole", "ecs:RunInstances", "sts:AssumeRole", "kms:Decrypt"} {
		for _, res := range []string{"acs:oss:*:*:bucket/ax/bzc", "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1", "acs:ram:*:*:role/r", "acs:oss:*:*:ü/k", "*"} {
			for _, c := range ctxs {
				for _, p := range []Principal{{}, {Type: PrincipalRole, AccountID: "1234567890123456", ARN: "acs:ram::1234567890123456:role/x"}, {Type: PrincipalService, ARN: "ecs.aliyuncs.com"}} {
					out = append(out, Request{Action: a, Resource: res, Context: c, Principal: p})
				}
			}
		}
	}
	return out
}

// atkWant is what Load must return for x: Parse, then Compile.
func atkWant(x loadInput, id string) (*Evaluator, error) {
	d, err := policy.Parse(x.js, x.opts...)
	if err != nil {
		return nil, err
	}
	return Compile(Policy{ID: id, Document: d})
}

// atkSame fails t unless Load's results equal want's: an equal
// Evaluator, or an equal error (type, text, sentinel, fields).
func atkSame(t testing.TB, name string, want *Evaluator, werr error, got *Evaluator, gerr error) {
	t.Helper()
	if werr != nil {
		require.Nil(t, got, name)
		require.Error(t, gerr, name)
		require.Equal(t, reflect.TypeOf(werr), reflect.TypeOf(gerr), name)
		require.Equal(t, werr.Error(), gerr.Error(), name)
		require.True(t, errors.Is(gerr, errors.Unwrap(werr)), "%s: %v", name, gerr)
		require.True(t, reflect.DeepEqual(werr, gerr), "%s: %#v != %#v", name, werr, gerr)
		return
	}
	require.NoError(t, gerr, name)
	require.True(t, reflect.DeepEqual(want, got), "%s: Load built a different Evaluator", name)
}

// atkMemory is a range of memory [lo, hi).
type atkMemory struct {
	name   string
	lo, hi uintptr
}

// atkBlocks returns the blocks of the pooled memory mem (a transient of
// package policy, read by reflection: its slice fields) and of data.
func atkBlocks(mem any, data []byte) []atkMemory {
	var out []atkMemory
	if mem != nil {
		v := reflect.ValueOf(mem).Elem()
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Kind() == reflect.Slice && f.Cap() > 0 {
				lo := f.Pointer()
				out = append(out, atkMemory{"pool." + v.Type().Field(i).Name, lo, lo + uintptr(f.Cap())*f.Type().Elem().Size()})
			}
		}
	}
	if cap(data) > 0 {
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		out = append(out, atkMemory{"data", lo, lo + uintptr(cap(data))})
	}
	return out
}

// atkShared walks every string, slice, pointer, map and interface
// reachable from v and returns a description of the first whose memory
// overlaps one of bs, or "".
func atkShared(v reflect.Value, bs []atkMemory) string {
	seen := map[uintptr]bool{}
	hit := func(p, n uintptr) string {
		if n == 0 || p == 0 {
			return ""
		}
		for _, b := range bs {
			if p < b.hi && p+n > b.lo {
				return b.name
			}
		}
		return ""
	}
	var walk func(v reflect.Value, path string) string
	walk = func(v reflect.Value, path string) string {
		switch v.Kind() {
		case reflect.String:
			if v.Len() > 0 {
				s := v.String()
				if b := hit(uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(len(s))); b != "" {
					return fmt.Sprintf("%s (string %q) is in %s", path, s, b)
				}
			}
		case reflect.Slice:
			if v.Cap() == 0 || v.Pointer() == 0 {
				return ""
			}
			if b := hit(v.Pointer(), uintptr(v.Cap())*v.Type().Elem().Size()); b != "" {
				return path + " (slice) is in " + b
			}
			for i := range v.Len() {
				if r := walk(v.Index(i), path+"["+strconv.Itoa(i)+"]"); r != "" {
					return r
				}
			}
		case reflect.Array:
			for i := range v.Len() {
				if r := walk(v.Index(i), path+"["+strconv.Itoa(i)+"]"); r != "" {
					return r
				}
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
			if b := hit(v.Pointer(), v.Type().Elem().Size()); b != "" {
				return path + " (pointer) is in " + b
			}
			return walk(v.Elem(), "*"+path)
		case reflect.Interface:
			if !v.IsNil() {
				return walk(v.Elem(), path)
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				if r := walk(it.Key(), path+"{key}"); r != "" {
					return r
				}
				if r := walk(it.Value(), path+"{value}"); r != "" {
					return r
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if r := walk(v.Field(i), path+"."+v.Type().Field(i).Name); r != "" {
					return r
				}
			}
		case reflect.UnsafePointer:
			if b := hit(uintptr(v.UnsafePointer()), 1); b != "" {
				return path + " (unsafe.Pointer) is in " + b
			}
		}
		return ""
	}
	return walk(v, "Evaluator")
}

// atkInputs returns atkDocs and the Load test inputs.
func atkInputs(t testing.TB, n int) []loadInput {
	return append(append([]loadInput(nil), atkDocs...), loadInputs(t, n)...)
}

// atkParse is Load's first step: package policy's parse into pooled
// memory (docpool.Parse), with its document as an interface that is nil
// when there is none.
func atkParse(data []byte, opts []policy.Option) (doc, mem any, err error) {
	d, mem, err := parseTransient(data, opts)
	if d == nil {
		return nil, mem, err
	}
	return d, mem, err
}

// TestAttackLoadSharesNoMemory checks where an Evaluator's memory is, not
// what it reads: a string that still points into pooled text reads right
// as long as nothing rewrote those bytes, and the next load may rewrite
// them with the same bytes. It runs Load's own steps (the pooled parse,
// Compile, the release) so that it knows the pooled blocks, and walks
// every string, slice, pointer and map of the Evaluator: none may lie in
// a pooled block or in the input. Load itself is checked against the
// input, which is then overwritten.
func TestAttackLoadSharesNoMemory(t *testing.T) {
	pooled := 0
	for _, x := range atkInputs(t, 150) {
		d, mem, err := atkParse(x.js, x.opts)
		require.NoError(t, err, x.name)
		ev, err := Compile(Policy{ID: "p", Document: d.(*policy.Document)})
		require.NoError(t, err, x.name)
		bs := atkBlocks(mem, x.js)
		if mem != nil {
			pooled++
			docpool.Release(mem)
		}
		require.Empty(t, atkShared(reflect.ValueOf(ev), bs), x.name)

		js := append([]byte(nil), x.js...)
		got, err := Load("p", js, x.opts...)
		require.NoError(t, err, x.name)
		require.Empty(t, atkShared(reflect.ValueOf(got), atkBlocks(nil, js)), x.name)
		for i := range js {
			js[i] = 'x'
		}
		want, err := atkWant(x, "p")
		require.NoError(t, err)
		require.True(t, reflect.DeepEqual(want, got), "%s: the Evaluator changed with its input", x.name)
	}
	require.Greater(t, pooled, 40)
}

// atkLoadDropped loads big, takes a weak pointer to its first Sid (the
// start of the block of strings the Evaluator owns), drops the Evaluator
// and loads small.
func atkLoadDropped(t *testing.T, big, small loadInput) weak.Pointer[byte] {
	ev, err := Load("p", big.js, big.opts...)
	require.NoError(t, err)
	require.Greater(t, len(ev.sids[0]), 100)
	w := weak.Make(unsafe.StringData(ev.sids[0]))
	_, err = Load("p", small.js, small.opts...)
	require.NoError(t, err)
	return w
}

// TestAttackLoadDroppedEvaluatorIsCollected: once a service drops an
// Evaluator, the pool must not keep its strings alive. Before the fix in
// policy/transient.go the released pooled memory kept the headers of the
// Sids, condition values and principals it had handed out, so a dropped
// Evaluator's strings stayed reachable from the pool for as long as loads
// kept using it.
func TestAttackLoadDroppedEvaluatorIsCollected(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Version":"1","Statement":[`)
	for i := range 8 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Sid":"%s%d","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::123456789012345%d:root"},"Condition":{"StringEquals":{"acs:SourceVpc":["vpc-%d","vpc-x"]}}}`, strings.Repeat("S", 150), i, i, i)
	}
	b.WriteString(`]}`)
	trust := []policy.Option{policy.WithKind(policy.Trust)}
	big := loadInput{"big", []byte(b.String()), trust}
	small := loadInput{"small", []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs.aliyuncs.com"}}]}`), trust}
	w := atkLoadDropped(t, big, small)
	runtime.GC()
	require.Nil(t, w.Value(), "a dropped Evaluator's strings are still reachable")
}

// TestAttackLoadDecidesAfterReuse: Evaluators loaded first decide and
// explain (Sids, keys, reasons) exactly as Parse and Compile's do after
// hundreds of later loads rewrote the pooled memory: with Scribble, and
// without it, where the memory is rewritten only by other documents'
// bytes (what a service sees), including inputs that fail after they were
// copied into the pool.
func TestAttackLoadDecidesAfterReuse(t *testing.T) {
	reqs := atkRequests()
	in := atkInputs(t, 40)
	var others []loadInput
	for _, x := range in {
		// Every letter moved on by one: mostly invalid, read until the
		// first problem, but always copied into the pooled text first.
		b := []byte(string(x.js))
		for i, c := range b {
			if c >= 'a' && c < 'z' {
				b[i] = c + 1
			}
		}
		others = append(others, loadInput{x.name + "/shifted", b, x.opts})
		others = append(others, x)
	}
	for _, scribbled := range []bool{false, true} {
		docpool.Scribble.Store(scribbled)
		loaded := make([]*Evaluator, len(in))
		explained := make([][]string, len(in))
		for i, x := range in {
			e, err := Load(x.name, x.js, x.opts...)
			require.NoError(t, err, x.name)
			loaded[i] = e
			if i < len(atkDocs) {
				for _, r := range reqs {
					explained[i] = append(explained[i], e.Explain(r).String())
				}
			}
		}
		for range 3 {
			for _, o := range others {
				_, _ = Load("other", o.js, o.opts...)
			}
		}
		for i, x := range in {
			want, err := atkWant(x, x.name)
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(want, loaded[i]), "scribble %v: %s changed after other loads", scribbled, x.name)
			if i < len(atkDocs) {
				for k, r := range reqs {
					require.Equal(t, want.Decide(r), loaded[i].Decide(r), "%s %+v", x.name, r)
					require.Equal(t, want.Explain(r).String(), explained[i][k], "%s %+v", x.name, r)
					require.Equal(t, explained[i][k], loaded[i].Explain(r).String(), "%s %+v", x.name, r)
				}
			}
		}
	}
	docpool.Scribble.Store(false)
}

// atkHostile returns inputs Load must answer exactly as Parse and Compile
// do: errors at every stage (empty and nil input, syntax, a refusal by the
// single-pass reader half-way, a condition value build cannot parse, a
// kind Compile refuses after Parse accepted it), odd options (nil, a file
// name, an unknown kind), and each document truncated.
func atkHostile() []loadInput {
	rich := atkDocs[0].js
	in := []loadInput{
		{"nil", nil, nil},
		{"empty", []byte{}, nil},
		{"space", []byte("  \n\t "), nil},
		{"null", []byte("null"), nil},
		{"object", []byte("{}"), nil},
		{"nil option", rich, []policy.Option{nil}},
		{"nil options", rich, []policy.Option{nil, nil, policy.WithFile("f.json"), nil}},
		{"file", []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss","Resource":"*"}]}`), []policy.Option{policy.WithFile("bad.json")}},
		{"kind 3", rich, []policy.Option{policy.WithKind(policy.Kind(3))}},
		{"kind 255 trust-shaped", atkDocs[1].js, []policy.Option{policy.WithKind(policy.Kind(255))}},
		{"trust as identity", atkDocs[1].js, nil},
		{"identity as trust", rich, []policy.Option{policy.WithKind(policy.Trust)}},
		{"lenient list", rich, []policy.Option{policy.Lenient()}},
		{"strict single", atkDocs[3].js, nil},
		{"late escape", []byte(strings.Replace(string(rich), `"Sid":"numbers"`, `"Sid":"n\u0075mbers"`, 1)), nil},
		{"late escape invalid", []byte(strings.Replace(string(rich), `"ecs:Count":"00"`, `"ecs:Count":"0\u0030x"`, 1)), nil},
		{"late syntax", []byte(strings.TrimSuffix(string(rich), "]}") + ",]}"), nil},
		{"late duplicate", []byte(strings.Replace(string(rich), `"Sid":"numbers",`, `"Sid":"numbers","Sid":"again",`, 1)), nil},
		{"number fails in build", []byte(strings.Replace(string(rich), `"12.50"`, `"12.5.0"`, 1)), nil},
		{"date fails in build", []byte(strings.Replace(string(rich), `"2030-12-31T23:59:59Z"`, `"2030-12-31T25:59:59Z"`, 1)), nil},
		{"ip fails in build", []byte(strings.Replace(string(rich), `"::1"`, `"::1/129"`, 1)), nil},
		{"bool fails in build", []byte(strings.Replace(string(rich), `"true"`, `"True"`, 1)), nil},
		{"invalid utf8", []byte(strings.Replace(string(rich), `"vpc-1"`, "\"vpc-\xff\"", 1)), nil},
		{"NUL in value", []byte(strings.Replace(string(rich), `"vpc-1"`, "\"vpc-\x00\"", 1)), nil},
		{"trailing NULs", append(append([]byte(nil), rich...), 0, 0, 0), nil},
		{"trailing garbage", append(append([]byte(nil), rich...), '{'), nil},
	}
	for _, x := range atkDocs {
		for cut := 1; cut < len(x.js) && cut < 2000; cut += 37 {
			in = append(in, loadInput{x.name + "/cut" + strconv.Itoa(cut), x.js[:cut], x.opts})
		}
	}
	return in
}

// TestAttackLoadErrorsEqualParseCompile: for hostile input, Load returns
// Parse and Compile's error itself (type, text, sentinel and fields) or
// their Evaluator, and a valid load after each still equals Parse and
// Compile's (the failed parse left the pooled memory fit for use).
func TestAttackLoadErrorsEqualParseCompile(t *testing.T) {
	// An unknown kind is refused by Parse itself, before the input is
	// read (it was once a kind Parse accepted and Compile alone refused,
	// which took Load's second path).
	for _, x := range atkHostile() {
		if x.name == "kind 3" {
			_, err := Load("p", x.js, x.opts...)
			var pe *policy.ParseError
			require.ErrorAs(t, err, &pe, x.name)
			require.ErrorIs(t, err, policy.ErrInvalid, x.name)
		}
	}
	for _, scribbled := range []bool{false, true} {
		docpool.Scribble.Store(scribbled)
		for _, x := range atkHostile() {
			want, werr := atkWant(x, "p")
			got, gerr := Load("p", x.js, x.opts...)
			atkSame(t, x.name, want, werr, got, gerr)
			for _, y := range atkDocs[:3] {
				want, werr := atkWant(y, "q")
				got, gerr := Load("q", y.js, y.opts...)
				atkSame(t, x.name+" then "+y.name, want, werr, got, gerr)
			}
		}
	}
	docpool.Scribble.Store(false)
}

// atkLimitsAround returns limits around the point where x's document
// stops being accepted for each field of Limits: the smallest value
// Parse accepts, and one and two below and above it.
func atkLimitsAround(t testing.TB, x loadInput) []policy.Limits {
	t.Helper()
	set := func(l *policy.Limits, f, v int) {
		switch f {
		case 0:
			l.MaxInputBytes = v
		case 1:
			l.MaxSize = v
		case 2:
			l.MaxStatements = v
		case 3:
			l.MaxValues = v
		case 4:
			l.MaxWildcards = v
		case 5:
			l.MaxDepth = v
		}
	}
	var out []policy.Limits
	for f := range 6 {
		// The smallest accepted value, by bisection (acceptance is
		// monotonic in each limit).
		lo, hi := 1, len(x.js)+1
		for lo < hi {
			mid := (lo + hi) / 2
			var l policy.Limits
			set(&l, f, mid)
			if _, err := policy.Parse(x.js, append(append([]policy.Option(nil), x.opts...), policy.WithLimits(l))...); err == nil {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		for _, v := range []int{lo - 2, lo - 1, lo, lo + 1, lo + 2} {
			if v > 0 {
				var l policy.Limits
				set(&l, f, v)
				out = append(out, l)
			}
		}
	}
	return out
}

// TestAttackLoadLimitsBoundaries: at, just under and just over every
// limit, Load accepts and refuses exactly what Parse does, with the same
// error.
func TestAttackLoadLimitsBoundaries(t *testing.T) {
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
	for _, x := range atkDocs {
		for _, l := range atkLimitsAround(t, x) {
			y := loadInput{fmt.Sprintf("%s %+v", x.name, l), x.js, append(append([]policy.Option(nil), x.opts...), policy.WithLimits(l))}
			want, werr := atkWant(y, "p")
			got, gerr := Load("p", y.js, y.opts...)
			atkSame(t, y.name, want, werr, got, gerr)
		}
	}
}

// atkBig returns a document of about n bytes: statements with Sids and
// conditions, and white space.
func atkBig(n, stmts int) []byte {
	var b strings.Builder
	b.WriteString(`{"Version":"1","Statement":[`)
	for i := range stmts {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Sid":"s%d","Effect":"Allow","Action":["svc%d:Get*","oss:Put%dObject"],"Resource":"acs:oss:*:*:bucket-%d/*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-%d"},"NumericLessThan":{"oss:MaxKeys":"%d"}}}`, i, i%97, i, i, i, i)
	}
	b.WriteString(`]}`)
	if pad := n - b.Len(); pad > 0 {
		b.WriteString(strings.Repeat(" ", pad))
	}
	return []byte(b.String())
}

// TestAttackLoadHugeThenSmall: a 16 MiB document with raised limits, then
// a 1 MiB one, then small ones: each equals Parse and Compile's, and once
// they are loaded and dropped the live heap (after one collection, which
// leaves the pools' contents reachable in their victim caches, and after
// two) is back within a few megabytes of where it started: the pool keeps
// no huge block.
func TestAttackLoadHugeThenSmall(t *testing.T) {
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
	lim := []policy.Option{policy.WithLimits(policy.Limits{MaxInputBytes: 32 << 20, MaxSize: 32 << 20, MaxStatements: 1 << 20})}
	heap := func(gcs int) uint64 {
		for range gcs {
			runtime.GC()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	small := atkDocs[:4]
	for _, x := range small { // warm the pools
		_, _ = Load("p", x.js, x.opts...)
	}
	base := heap(2)
	for _, big := range []loadInput{
		{"16 MiB dense", atkBig(16<<20, 70_000), lim},
		{"16 MiB padded", atkBig(16<<20, 500), lim},
		{"just under 1 MiB", atkBig(1<<20-64, 3000), lim},
	} {
		func() {
			want, werr := atkWant(big, "p")
			got, gerr := Load("p", big.js, big.opts...)
			atkSame(t, big.name, want, werr, got, gerr)
		}()
		for _, x := range small {
			want, werr := atkWant(x, "p")
			got, gerr := Load("p", x.js, x.opts...)
			atkSame(t, big.name+" then "+x.name, want, werr, got, gerr)
		}
	}
	one, two := heap(1), heap(1)
	t.Logf("live heap: %d before, %d after one collection, %d after two", base, one, two)
	require.Less(t, int64(one)-int64(base), int64(6<<20), "the pools keep megabytes after the huge loads")
	require.Less(t, int64(two)-int64(base), int64(2<<20))
}

// TestAttackLoadConcurrentGOGC1 loads valid, escaped, invalid and
// half-way-refused documents from many goroutines while the collector
// runs almost continuously (GOGC=1; run it with -race too): every result
// equals Parse and Compile's, and every Evaluator still explains as theirs
// once all the loads are done.
func TestAttackLoadConcurrentGOGC1(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	in := append(atkInputs(t, 30), atkHostile()...)
	type result struct {
		ev  *Evaluator
		err error
	}
	want := make([]result, len(in))
	for i, x := range in {
		ev, err := atkWant(x, "p")
		want[i] = result{ev, err}
	}
	reqs := atkRequests()[:60]
	for _, scribbled := range []bool{false, true} {
		docpool.Scribble.Store(scribbled)
		const workers = 8
		type keptEv struct {
			i  int
			ev *Evaluator
		}
		kept := make([][]keptEv, workers)
		var wg sync.WaitGroup
		fails := make(chan string, workers)
		for g := range workers {
			wg.Go(func() {
				for k := range 2 * len(in) {
					i := (k*5 + g*11) % len(in)
					ev, err := Load("p", in[i].js, in[i].opts...)
					w := want[i]
					ok := reflect.DeepEqual(w.ev, ev) && (w.err == nil) == (err == nil) && (err == nil || err.Error() == w.err.Error())
					if !ok {
						fails <- in[i].name
						return
					}
					if ev != nil && k%7 == 0 {
						kept[g] = append(kept[g], keptEv{i, ev})
					}
				}
			})
		}
		wg.Wait()
		close(fails)
		for name := range fails {
			t.Errorf("scribble %v: %s: a concurrent Load differed from Parse and Compile", scribbled, name)
		}
		runtime.GC()
		n := 0
		for g := range kept {
			for _, k := range kept[g] {
				require.True(t, reflect.DeepEqual(want[k.i].ev, k.ev), in[k.i].name)
				for _, r := range reqs {
					require.Equal(t, want[k.i].ev.Explain(r).String(), k.ev.Explain(r).String(), in[k.i].name)
				}
				n++
			}
		}
		require.Positive(t, n)
	}
	docpool.Scribble.Store(false)
}

// FuzzAttackLoadOptions: for any input, kind (including kinds only Compile
// refuses), strictness and limits, Load returns what Parse and Compile
// return, and a valid document's Evaluator, built by Load's own steps,
// shares no memory with the pooled blocks or the input (Scribble on).
func FuzzAttackLoadOptions(f *testing.F) {
	for _, x := range atkInputs(f, 10) {
		f.Add(x.js, byte(0), byte(0), uint16(0), uint16(0), uint16(0))
	}
	for _, x := range atkDocs {
		f.Add(x.js, byte(1), byte(1), uint16(3), uint16(2), uint16(2))
		f.Add(x.js, byte(2), byte(2), uint16(500), uint16(1), uint16(1))
		f.Add(x.js, byte(3), byte(0), uint16(0), uint16(0), uint16(0))
	}
	docpool.Scribble.Store(true)
	f.Cleanup(func() { docpool.Scribble.Store(false) })
	f.Fuzz(func(t *testing.T, js []byte, kind, flags byte, size, values, wild uint16) {
		opts := []policy.Option{policy.WithKind(policy.Kind(kind % 5))}
		if flags&1 != 0 {
			opts = append(opts, policy.Lenient())
		}
		if flags&2 != 0 {
			opts = append(opts, nil, policy.WithFile("f.json"))
		}
		if flags&4 != 0 {
			opts = append(opts, policy.WithLimits(policy.Limits{MaxSize: int(size), MaxValues: int(values), MaxWildcards: int(wild), MaxStatements: int(flags >> 4), MaxDepth: int(kind >> 4)}))
		}
		x := loadInput{"fuzz", js, opts}
		want, werr := atkWant(x, "p")
		got, gerr := Load("p", js, opts...)
		atkSame(t, "fuzz", want, werr, got, gerr)
		if werr != nil {
			return
		}
		d, mem, err := atkParse(js, opts)
		require.NoError(t, err)
		ev, err := Compile(Policy{ID: "p", Document: d.(*policy.Document)})
		require.NoError(t, err)
		bs := atkBlocks(mem, js)
		if mem != nil {
			docpool.Release(mem)
		}
		require.Empty(t, atkShared(reflect.ValueOf(ev), bs))
		require.Empty(t, atkShared(reflect.ValueOf(got), atkBlocks(nil, js)))
	})
}
