package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// attackBases are valid documents whose strings end near word boundaries.
var attackBases = []string{
	doc(`{"Sid":"abcdefg","Effect":"Allow","Action":["ecs:Describe*","oss:Get?bject"],"Resource":"acs:oss:*:*:bucket/x","Condition":{"StringLike":{"acs:UserAgent":"a*b"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}`),
	doc(`{"Effect":"Deny","NotAction":"a:b","NotResource":["acs:x:y","acs:é€😀"]}`),
}

// mutations are byte strings inserted at every offset of a base document.
var attackInserts = []string{
	"\x80", "\xc1", "\xc3\xa9", "\xed\xa0\x80", "\xef\xbf\xbd", "\xf4\x90\x80\x80", "\xe2\x80\xa8",
	"\x00", "\x7f", "\x1f", "\\", `\"`, `\u0022`, `\u005c`, `\u0000`, `\ud800`, `\ud83d\ude00`, `\udc00`,
	`"`, " ", "\t", "\v", "\f", "\u00a0", ",", ":", "{", "}", "[", "]", "\xef\xbb\xbf",
}

// jsonAccepts is an independent check of what any accepted input must be:
// valid UTF-8 and valid JSON.
func jsonAccepts(data []byte) bool {
	return utf8.Valid(data) && json.Valid(data)
}

func TestAttackFastInsertions(t *testing.T) {
	for _, base := range attackBases {
		for _, ins := range attackInserts {
			for i := 0; i <= len(base); i++ {
				data := []byte(base[:i] + ins + base[i:])
				for _, k := range []Kind{Identity, Session} {
					checkFastAgrees(t, data, WithKind(k))
					if d, err := Parse(data, WithKind(k)); err == nil {
						if !jsonAccepts(data) {
							t.Fatalf("Parse accepts invalid JSON/UTF-8 %q", data)
						}
						_ = d
					}
				}
			}
		}
		// replace every byte with each of a few values
		for _, c := range []byte{0x00, 0x7f, 0x80, 0xc1, 0xff, '"', '\\', 'a', ' '} {
			for i := 0; i < len(base); i++ {
				b := []byte(base)
				b[i] = c
				checkFastAgrees(t, b)
				if _, err := Parse(b); err == nil && !jsonAccepts(b) {
					t.Fatalf("Parse accepts invalid JSON/UTF-8 %q", b)
				}
			}
		}
	}
}

// Documents that differ only after 8 KiB of white space, and strings of
// every length ending at the input's end.
func TestAttackFastLongAndTruncated(t *testing.T) {
	base := attackBases[0]
	for pad := 8180; pad < 8200; pad++ {
		ws := strings.Repeat(" ", pad)
		for _, tail := range []string{"", " ", "x", "\x00", "\x80", "}"} {
			data := []byte(ws + base + tail)
			checkFastAgrees(t, data)
			data = []byte(strings.Replace(base, `"Effect"`, ws+`"Effect"`, 1) + tail)
			checkFastAgrees(t, data)
		}
	}
	for n := 0; n < 20; n++ {
		s := strings.Repeat("a", n)
		for _, end := range []string{"", `"`, "\xc3", "\xe2\x82", "\\"} {
			checkFastAgrees(t, []byte(`{"Version":"1","Statement":[{"Sid":"`+s+end))
		}
	}
}

// Many goroutines parse distinct documents, valid and invalid, through the
// pooled scratch at once: each must get exactly its own document, the one
// the walk builds alone. Run with -race.
func TestAttackConcurrentParse(t *testing.T) {
	const workers, rounds = 16, 200
	errs := make(chan string, workers)
	for w := range workers {
		go func() {
			for r := range rounds {
				id := itoa(w*rounds + r)
				var conds string
				if r%3 == 0 {
					conds = `,"Condition":{"StringEquals":{"k` + id + `":["v` + id + `","w"]},"NumericLessThan":{"n":"` + id + `"}}`
				}
				stmts := strings.Repeat(`{"Sid":"x`+id+`","Effect":"Deny","Action":"s`+id+`:a","Resource":"acs:`+id+`"},`, r%5)
				data := []byte(`{"Version":"1","Statement":[` + stmts + `{"Sid":"s` + id + `","Effect":"Allow","Action":["svc` + id + `:Get*"],"Resource":"acs:x:*:*:r/` + id + `"` + conds + `}]}`)
				bad := append([]byte(nil), data...)
				bad[len(bad)-3] = '\x80' // a parse that fails late, after filling the scratch
				if _, err := Parse(bad); err == nil {
					errs <- "accepted " + string(bad)
					return
				}
				got, err := Parse(data)
				want, werr := diagnose(data)
				if err != nil || werr != nil || !equalDocs(got, want) {
					errs <- "parse of " + string(data) + " differs: " + got.String()
					return
				}
				last := got.Statements[len(got.Statements)-1]
				if last.Sid != "s"+id || last.Action[0] != "svc"+id+":Get*" {
					errs <- "document of another parse: " + got.String()
					return
				}
			}
			errs <- ""
		}()
	}
	for range workers {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}

// Documents handed out do not share anything writable: appending to or
// writing into one document's lists leaves another parse of the same input
// unchanged.
func TestAttackDocumentsIndependent(t *testing.T) {
	data := []byte(attackBases[0])
	a, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	before := b.String()
	st := &a.Statements[0]
	st.Action[0] = "x:y"
	_ = append(st.Action[:1], "z:z")
	_ = append(st.Resource, "acs:q")
	st.Condition[0].Values[0] = Value{Raw: "changed"}
	_ = append(st.Condition[0].Values[:0], Value{Raw: "changed"})
	_ = append(st.Condition[:1], Condition{Key: "k"})
	if b.String() != before {
		t.Fatalf("changing one document changed another:\n%s\n%s", before, b.String())
	}
	c, _ := Parse(data)
	if c.String() != before {
		t.Fatalf("changing a document changed a later parse:\n%s\n%s", before, c.String())
	}
	// within one document: appending to one list never writes into the next
	a2, _ := Parse(data)
	s2 := &a2.Statements[0]
	res := s2.Resource[0]
	_ = append(s2.Action, "z:z")
	_ = append(s2.Condition[0].Values, Value{Raw: "z"})
	if s2.Resource[0] != res || s2.Condition[1].Key != "acs:SourceIp" && s2.Condition[0].Key != "acs:SourceIp" {
		t.Fatalf("append wrote into a neighbouring list: %s", a2.String())
	}
}

// A new scratch is sized for what a document within the limits can hold,
// not for what hostile input repeats: 1 MiB of quotes (a string per two
// quotes by presize's count) once made every pool-missing Parse allocate
// 4 MiB of spans before reading a byte (5.2 MB for a 1 MiB input that the
// walk rejects with 496 bytes), and the pool then kept that scratch. A
// valid document has at most MaxSize/2 strings ("" is two characters)
// and MaxSize/30 statements.
func TestAttackPresizeBoundedByLimits(t *testing.T) {
	text := `{"Version":"1","Statement":[{"Sid":"` + strings.Repeat(`"Effect"`, 1<<17)
	for _, k := range []Kind{Identity, Session} {
		lim := DefaultLimits(k)
		var sc scratch
		sc.presize(text, lim)
		if cap(sc.strs) > lim.MaxSize/2+1 || cap(sc.stmts) > lim.MaxSize/30+1 {
			t.Fatalf("%v: a scratch for %d bytes of input has room for %d strings and %d statements; a document within MaxSize %d has at most %d and %d",
				k, len(text), cap(sc.strs), cap(sc.stmts), lim.MaxSize, lim.MaxSize/2, lim.MaxSize/30)
		}
	}
	// a valid document still fits without growing
	data := []byte(attackBases[0])
	var sc scratch
	sc.presize(string(data), DefaultLimits(Identity))
	if cap(sc.strs) < strings.Count(attackBases[0], `"`)/2 || cap(sc.stmts) < 1 {
		t.Fatalf("presize too small for a valid document: %d strings, %d statements", cap(sc.strs), cap(sc.stmts))
	}
}

// The single-pass reader stops reading a document once what it has read
// is over MaxSize, as the walk (which measures the size first) does: a
// 0.9 MB document of statements far over the limit made Parse record
// 150,000 strings (8 MB allocated; the walk alone: 288 bytes) before its
// size check at the end. Within a statement the lists are bounded by
// MaxValues, but condition keys are not, so the reader checks there too.
func TestAttackFastStopsAtMaxSize(t *testing.T) {
	stmt := `{"Effect":"Allow","Action":["a:b"` + strings.Repeat(`,"a:b"`, 999) + `],"Resource":"*"}`
	var conds strings.Builder
	for i := range 20000 {
		if i > 0 {
			conds.WriteByte(',')
		}
		conds.WriteString(`"k` + itoa(i) + `":"v"`)
	}
	for _, data := range []string{
		`{"Version":"1","Statement":[` + stmt + strings.Repeat(","+stmt, 150) + `]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{` + conds.String() + `}}}]}`,
	} {
		lim := DefaultLimits(Identity)
		sc := new(scratch)
		text := withSentinel([]byte(data))
		r := fastReader{cursor: cursor{s: text, n: len(data), maxDepth: lim.MaxDepth}, lim: lim, sc: sc}
		if r.document() && r.atEnd() && r.size() <= lim.MaxSize {
			t.Fatal("an over-size document read whole")
		}
		if bound := lim.MaxSize + len(stmt); r.i > bound {
			t.Errorf("the reader read %d bytes of a %d-byte document over MaxSize %d (bound %d): %d strings, %d values recorded",
				r.i, len(data), lim.MaxSize, bound, len(sc.strs), len(sc.vals))
		}
		_, err := Parse([]byte(data))
		if !errors.Is(err, ErrLimit) {
			t.Errorf("Parse: %v, want ErrLimit", err)
		}
	}
}

// slowRead is an independent reader of an accepted document: encoding/json
// tokens, with duplicate member names (exact) refused at every level, and
// the statements' strings collected as written. It reports what it read
// as one canonical line per statement, for comparison with the Document.
func slowRead(data []byte) (lines []string, ok bool) {
	if !utf8.Valid(data) || !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var read func() (any, bool)
	read = func() (any, bool) {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch d := tok.(type) {
		case json.Delim:
			if d == '[' {
				var list []any
				for dec.More() {
					v, ok := read()
					if !ok {
						return nil, false
					}
					list = append(list, v)
				}
				_, err := dec.Token()
				return list, err == nil
			}
			obj := map[string]any{}
			var order []string
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, false
				}
				name := k.(string)
				if _, dup := obj[name]; dup {
					return nil, false
				}
				v, ok := read()
				if !ok {
					return nil, false
				}
				obj[name] = v
				order = append(order, name)
			}
			_, err := dec.Token()
			return obj, err == nil
		}
		return tok, true
	}
	root, ok := read()
	if !ok {
		return nil, false
	}
	top, _ := root.(map[string]any)
	sts, isList := top["Statement"].([]any)
	if !isList {
		sts = []any{top["Statement"]}
	}
	strs := func(v any) string {
		switch x := v.(type) {
		case string:
			return "[" + strconvQuote(x) + "]"
		case []any:
			var b []string
			for _, e := range x {
				s, _ := e.(string)
				b = append(b, strconvQuote(s))
			}
			return "[" + strings.Join(b, ",") + "]"
		}
		return "?"
	}
	for _, s := range sts {
		st, _ := s.(map[string]any)
		line := ""
		for _, k := range []string{"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"} {
			if v, has := st[k]; has {
				line += k + "=" + strs(v) + ";"
			}
		}
		if c, has := st["Condition"].(map[string]any); has {
			var cs []string
			for op, block := range c {
				for key, vals := range block.(map[string]any) {
					cs = append(cs, op+"/"+key+"="+strs(vals))
				}
			}
			sortStrings(cs)
			line += "Condition=" + strings.Join(cs, "|") + ";"
		}
		lines = append(lines, line)
	}
	return lines, true
}

// docLines is slowRead's form of a parsed Document.
func docLines(d *Document) []string {
	list := func(l []string) string {
		var b []string
		for _, s := range l {
			b = append(b, strconvQuote(s))
		}
		return "[" + strings.Join(b, ",") + "]"
	}
	var lines []string
	for _, st := range d.Statements {
		line := ""
		if st.Sid != "" {
			line += "Sid=[" + strconvQuote(st.Sid) + "];"
		}
		line += "Effect=[" + strconvQuote(st.Effect.String()) + "];"
		for _, kv := range []struct {
			k string
			l []string
		}{{"Action", st.Action}, {"NotAction", st.NotAction}, {"Resource", st.Resource}, {"NotResource", st.NotResource}} {
			if kv.l != nil {
				line += kv.k + "=" + list(kv.l) + ";"
			}
		}
		if st.Condition != nil {
			var cs []string
			for _, c := range st.Condition {
				op := c.Operator.String()
				if c.IfExists {
					op += "IfExists"
				}
				var raws []string
				for _, v := range c.Values {
					raws = append(raws, v.Raw)
				}
				cs = append(cs, op+"/"+c.Key+"="+list(raws))
			}
			sortStrings(cs)
			line += "Condition=" + strings.Join(cs, "|") + ";"
		}
		lines = append(lines, line)
	}
	return lines
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Every document Parse accepts among the hostile variants (insertions at
// every offset, the edge cases, the corpus) is valid UTF-8 and JSON without
// duplicate member names, and holds exactly the strings an independent
// encoding/json reading finds, statement by statement (a Sid of "" is
// written only when non-empty, as the Document cannot tell).
func TestAttackAgreesWithEncodingJSON(t *testing.T) {
	var inputs []string
	inputs = append(inputs, fastEdgeCases...)
	for _, base := range attackBases {
		for _, ins := range attackInserts {
			for i := 0; i <= len(base); i++ {
				inputs = append(inputs, base[:i]+ins+base[i:])
			}
		}
	}
	checked := 0
	for _, in := range inputs {
		d, err := Parse([]byte(in), Lenient())
		if err != nil {
			continue
		}
		lines, ok := slowRead([]byte(in))
		if !ok {
			t.Fatalf("Parse accepts what encoding/json (with duplicate names refused) does not:\n%q", in)
		}
		got := docLines(d)
		for i := range lines {
			lines[i] = strings.Replace(lines[i], `Sid=[""];`, "", 1)
		}
		if strings.Join(got, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("Parse read\n%s\nencoding/json read\n%s\nfrom %q", strings.Join(got, "\n"), strings.Join(lines, "\n"), in)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d accepted inputs checked", checked)
	}
	t.Logf("%d accepted documents checked of %d inputs", checked, len(inputs))
}

// FuzzAttackEncodingJSON is TestAttackAgreesWithEncodingJSON's property on
// fuzzed input.
func FuzzAttackEncodingJSON(f *testing.F) {
	for _, s := range append(append([]string{}, attackBases...), fastEdgeCases...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, Lenient())
		if err != nil {
			return
		}
		lines, ok := slowRead(data)
		if !ok {
			t.Fatalf("Parse accepts what encoding/json (with duplicate names refused) does not:\n%q", data)
		}
		for i := range lines {
			lines[i] = strings.Replace(lines[i], `Sid=[""];`, "", 1)
		}
		if got := docLines(d); strings.Join(got, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("Parse read\n%s\nencoding/json read\n%s\nfrom %q", strings.Join(got, "\n"), strings.Join(lines, "\n"), data)
		}
	})
}
