package strictjson

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type user struct {
	Name     string   `json:"name,required"`
	Policies []string `json:"policies"`
	Age      int      `json:"age"`
	Admin    *bool    `json:"admin"`
}

type export struct {
	Users []user          `json:"users"`
	Tags  map[string]int  `json:"tags"`
	Raw   json.RawMessage `json:"raw"`
	When  time.Time       `json:"when"`
	Any   any             `json:"any"`
	Skip  string          `json:"-"`
	Plain string
}

var sentinels = []error{ErrSyntax, ErrTrailingData, ErrDuplicateMember, ErrUnknownMember, ErrMissing, ErrType, ErrLimit, ErrUnsupported}

// requireError checks that err is an *Error wrapping sentinel (and no other
// sentinel) at path, and returns it.
func requireError(t *testing.T, err error, sentinel error, path string) *Error {
	t.Helper()
	require.Error(t, err)
	var e *Error
	require.True(t, errors.As(err, &e), "error %T is not an *Error", err)
	assert.ErrorIs(t, err, sentinel, "error: %v", err)
	for _, s := range sentinels {
		if s != sentinel {
			assert.NotErrorIs(t, err, s, "error: %v", err)
		}
	}
	assert.Equal(t, path, e.Path, "error: %v", err)
	return e
}

func TestUnmarshalRejects(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		sentinel error
		path     string
	}{
		// syntax
		{"empty", ``, ErrSyntax, ""},
		{"not json", `{"users":`, ErrSyntax, ""},
		{"single quotes", `{'users':[]}`, ErrSyntax, ""},
		{"trailing comma", `{"users":[],}`, ErrSyntax, ""},
		{"array trailing comma", `{"users":[{"name":"a"},]}`, ErrSyntax, ""},
		{"leading zero", `{"any":01}`, ErrSyntax, ""},
		{"bare dot", `{"any":1.}`, ErrSyntax, ""},
		{"plus sign", `{"any":+1}`, ErrSyntax, ""},
		{"NaN", `{"any":NaN}`, ErrSyntax, ""},
		{"bad literal", `{"any":tru}`, ErrSyntax, ""},
		{"comment", `{"any":1 /* x */}`, ErrSyntax, ""},
		{"invalid utf8 in string", "{\"Plain\":\"a\xffb\"}", ErrSyntax, ""},
		{"invalid utf8 outside", "{\"Plain\":\"a\"\xff}", ErrSyntax, ""},
		{"overlong utf8", "{\"Plain\":\"\xc0\xaf\"}", ErrSyntax, ""},
		{"utf8 surrogate bytes", "{\"Plain\":\"\xed\xa0\x80\"}", ErrSyntax, ""},
		{"bom", "\xef\xbb\xbf{}", ErrSyntax, ""},
		{"raw control", "{\"Plain\":\"a\tb\"}", ErrSyntax, ""},
		{"raw newline", "{\"Plain\":\"a\nb\"}", ErrSyntax, ""},
		{"lone high surrogate", `{"Plain":"\ud800"}`, ErrSyntax, ""},
		{"lone high surrogate then text", `{"Plain":"\ud800abcdef"}`, ErrSyntax, ""},
		{"high then high", `{"Plain":"\ud800\ud800"}`, ErrSyntax, ""},
		{"lone low surrogate", `{"Plain":"\udc00"}`, ErrSyntax, ""},
		{"swapped pair", `{"Plain":"\udc00\ud800"}`, ErrSyntax, ""},
		{"lone surrogate in name", `{"\uDBFF":1}`, ErrSyntax, ""},
		{"bad escape", `{"Plain":"\x"}`, ErrSyntax, ""},
		{"short unicode escape", `{"Plain":"\u12"}`, ErrSyntax, ""},
		{"unterminated", `{"Plain":"abc`, ErrSyntax, ""},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), ErrLimit, ""},
		// trailing data
		{"two values", `{} {}`, ErrTrailingData, ""},
		{"trailing garbage", `{}x`, ErrTrailingData, ""},
		{"trailing nul", "{}\x00", ErrTrailingData, ""},
		// duplicates
		{"duplicate", `{"Plain":"a","Plain":"b"}`, ErrDuplicateMember, "$.Plain"},
		{"duplicate via escape", `{"Plain":"a","Pl\u0061in":"b"}`, ErrDuplicateMember, "$.Plain"},
		{"case twin", `{"users":[{"name":"a","policies":["x"],"Policies":["y"]}]}`, ErrDuplicateMember, "$.users[0].Policies"},
		{"long s twin", `{"users":[{"name":"a","policies":["x"],"policieſ":["y"]}]}`, ErrDuplicateMember, "$.users[0][\"policieſ\"]"},
		{"kelvin twin", `{"tags":{"k":1,"\u212a":2}}`, ErrDuplicateMember, "$.tags[\"\u212a\"]"},
		{"map case twin", `{"tags":{"a":1,"A":2}}`, ErrDuplicateMember, "$.tags.A"},
		{"twin in any", `{"any":{"x":[{"Key":1,"kEY":2}]}}`, ErrDuplicateMember, "$.any.x[0].kEY"},
		// unknown members
		{"unknown", `{"users":[],"groups":[]}`, ErrUnknownMember, "$.groups"},
		{"mis-cased", `{"Users":[]}`, ErrUnknownMember, "$.Users"},
		{"long s alone", `{"users":[{"name":"a","policieſ":[]}]}`, ErrUnknownMember, "$.users[0][\"policieſ\"]"},
		{"skipped field", `{"Skip":"x"}`, ErrUnknownMember, "$.Skip"},
		{"dash field by name", `{"-":"x"}`, ErrUnknownMember, "$[\"-\"]"},
		{"mis-cased untagged", `{"plain":"x"}`, ErrUnknownMember, "$.plain"},
		// missing
		{"required", `{"users":[{"policies":[]}]}`, ErrMissing, "$.users[0]"},
		// types
		{"string for list", `{"users":[{"name":"a","policies":"x"}]}`, ErrType, "$.users[0].policies"},
		{"number for string", `{"Plain":1}`, ErrType, "$.Plain"},
		{"null for string", `{"Plain":null}`, ErrType, "$.Plain"},
		{"null for struct", `{"users":[null]}`, ErrType, "$.users[0]"},
		{"fraction for int", `{"users":[{"name":"a","age":1.5}]}`, ErrType, "$.users[0].age"},
		{"exponent for int", `{"users":[{"name":"a","age":1e2}]}`, ErrType, "$.users[0].age"},
		{"int overflow", `{"users":[{"name":"a","age":99999999999999999999}]}`, ErrType, "$.users[0].age"},
		{"string for bool", `{"users":[{"name":"a","admin":"true"}]}`, ErrType, "$.users[0].admin"},
		{"array for map", `{"tags":[]}`, ErrType, "$.tags"},
		{"string for map value", `{"tags":{"a":"1"}}`, ErrType, "$.tags.a"},
		{"bad time", `{"when":"yesterday"}`, ErrType, "$.when"},
		{"number for time", `{"when":5}`, ErrType, "$.when"},
		{"float overflow in any", `{"any":1e400}`, ErrType, "$.any"},
		{"object for top", `[]`, ErrType, "$"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v export
			err := Unmarshal([]byte(tc.in), &v)
			e := requireError(t, err, tc.sentinel, tc.path)
			if tc.sentinel != ErrLimit || e.Offset >= 0 {
				assert.GreaterOrEqual(t, e.Offset, 0, "error: %v", err)
				assert.Greater(t, e.Line, 0)
				assert.Greater(t, e.Column, 0)
			}
		})
	}
}

func TestUnmarshalAcceptsAsEncodingJSON(t *testing.T) {
	in := `{
  "users": [
    {"name": "alice", "policies": ["AliyunECSFullAccess", "a\u00e9\ud83d\ude00\n\/\"\\"], "age": -3, "admin": true},
    {"name": "bob", "policies": null, "admin": null}
  ],
  "tags": {"a": 1, "b": 2, "ä": 3},
  "raw": {"Effect": "Allow", "Effect": "Deny"},
  "when": "2026-11-30T12:00:00Z",
  "any": [1, 2.5e3, "x", true, null, {"k": [false]}],
  "Plain": ""
}`
	var got, want export
	require.NoError(t, Unmarshal([]byte(in), &got))
	require.NoError(t, json.Unmarshal([]byte(in), &want))
	assert.Equal(t, want, got)
	assert.Equal(t, `{"Effect": "Allow", "Effect": "Deny"}`, string(got.Raw), "raw values are kept as they are, duplicates and all")
	assert.Equal(t, "a\u00e9\U0001F600\n/\"\\", got.Users[0].Policies[1])
	assert.Nil(t, got.Users[1].Policies)
}

func TestUnmarshalKeepsUnmentionedFields(t *testing.T) {
	v := export{Plain: "kept", Tags: map[string]int{"old": 1}}
	require.NoError(t, Unmarshal([]byte(`{"tags":{"new":2}}`), &v))
	assert.Equal(t, "kept", v.Plain)
	assert.Equal(t, map[string]int{"new": 2}, v.Tags, "a map is replaced, not merged")
}

func TestUnmarshalDoesNotWriteIntoCallerSlices(t *testing.T) {
	backing := []string{"a", "b", "c"}
	v := user{Policies: backing[:1]}
	require.NoError(t, Unmarshal([]byte(`{"name":"x","policies":["p","q"]}`), &v))
	assert.Equal(t, []string{"p", "q"}, v.Policies)
	assert.Equal(t, []string{"a", "b", "c"}, backing)
}

func TestErrorPosition(t *testing.T) {
	in := "{\n  \"users\": [\n    {\"name\": \"a\", \"Name\": \"b\"}\n  ]\n}"
	var v export
	err := Unmarshal([]byte(in), &v)
	e := requireError(t, err, ErrDuplicateMember, "$.users[0].Name")
	assert.Equal(t, 3, e.Line)
	assert.Equal(t, 19, e.Column)
	assert.Equal(t, strings.Index(in, `"Name"`), e.Offset)
	assert.Equal(t, `3:19: $.users[0].Name: duplicate member name: member "Name" repeats "name" (the names are equal when case is ignored, so readers disagree on which one counts)`, err.Error())
	e.File = "x.json"
	assert.True(t, strings.HasPrefix(e.Error(), "x.json:3:19: "), e.Error())

	err = Unmarshal([]byte("{\"Plain\": \"x\",\n \"Plain\": \"\\ud800\"}"), &v)
	e = requireError(t, err, ErrSyntax, "")
	assert.Equal(t, 2, e.Line, "syntax errors come before member checks: %v", err)
	assert.Equal(t, 12, e.Column)
	assert.Contains(t, err.Error(), `\ud800`)

	err = Unmarshal([]byte(`{"users":[{"name":"a"}],"Users":[]}`), &v)
	e = requireError(t, err, ErrDuplicateMember, "$.Users")
	assert.Equal(t, 24, e.Offset)

	err = Unmarshal([]byte(`{"users":[{"nme":"a"}]}`), &v)
	requireError(t, err, ErrUnknownMember, "$.users[0].nme")
	err = Unmarshal([]byte(`{"users":[{"NAME":"a"}]}`), &v)
	requireError(t, err, ErrUnknownMember, "$.users[0].NAME")
	assert.Contains(t, err.Error(), `did you mean "name"`)
}

func TestLoneSurrogate(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{`"abc"`, -1},
		{`"\ud83d\ude00"`, -1},
		{`"\uD83D\uDE00"`, -1},
		{`"\\ud800"`, -1}, // an escaped backslash, then text
		{`"\u0041\n"`, -1},
		{`"\ud800"`, 1},
		{`"x\udc00"`, 2},
		{`"\ud800\u0041"`, 1},
		{`"\ud83d\ude00\ud800"`, 13},
		{`["a","\\","\udfff"]`, 11},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, LoneSurrogate([]byte(tc.in)), "%s", tc.in)
		var v any
		err := Unmarshal([]byte(tc.in), &v)
		if tc.want < 0 {
			assert.NoError(t, err, tc.in)
		} else {
			e := requireError(t, err, ErrSyntax, "")
			assert.Equal(t, tc.want, e.Offset, tc.in)
		}
	}
}

func TestFold(t *testing.T) {
	same := [][]string{
		{"policies", "Policies", "POLICIES", "policieſ", "PoLiCiEſ"},
		{"k", "K", "\u212a"},
		{"ω", "Ω", "\u2126"},
		{"é", "É"},
		{"", ""},
	}
	for _, group := range same {
		for _, s := range group {
			assert.Equal(t, Fold(group[0]), Fold(s), "%q and %q", group[0], s)
			assert.True(t, foldEqual(group[0], s), "%q and %q", group[0], s)
		}
	}
	differ := [][2]string{{"a", "b"}, {"policies", "policy"}, {"ss", "ß"}, {"a/b", "a/c"}, {"ｐ", "p"}}
	for _, p := range differ {
		assert.NotEqual(t, Fold(p[0]), Fold(p[1]), "%q and %q", p[0], p[1])
		assert.False(t, foldEqual(p[0], p[1]), "%q and %q", p[0], p[1])
	}
	assert.False(t, foldEqual("ab", "a"))
	assert.False(t, foldEqual("", "a"))
}

// exactKeys is a map whose member names are compared exactly.
type exactKeys map[string]int

func (exactKeys) MemberKey(name string) string { return name }

// prefixKeys compares names by their part before the first '/', ignoring
// ASCII case.
type prefixKeys map[string]string

func (prefixKeys) MemberKey(name string) string {
	before, after, _ := strings.Cut(name, "/")
	return strings.ToLower(before) + "/" + after
}

// ptrKeys implements Keyer with a pointer receiver.
type ptrKeys map[string]int

func (*ptrKeys) MemberKey(name string) string { return name }

// TestLargeObjectDuplicates checks the duplicate rule past the size where
// names are kept in a map instead of compared one by one.
func TestLargeObjectDuplicates(t *testing.T) {
	var members []string
	for i := range 40 {
		members = append(members, `"key`+strconv.Itoa(i)+`":1`)
	}
	var m map[string]int
	require.NoError(t, Unmarshal([]byte("{"+strings.Join(members, ",")+"}"), &m))
	assert.Len(t, m, 40)
	for twin, path := range map[string]string{`"KEY3"`: "$.KEY3", `"key39"`: "$.key39", `"keY0"`: "$.keY0", `"\u004bEY17"`: "$.KEY17", `"\u212aey5"`: "$[\"\u212aey5\"]"} {
		in := "{" + strings.Join(members, ",") + "," + twin + ":2}"
		requireError(t, Unmarshal([]byte(in), &m), ErrDuplicateMember, path)
	}
}

func TestKeyer(t *testing.T) {
	var pk ptrKeys
	require.NoError(t, Unmarshal([]byte(`{"a":1,"A":2}`), &pk), "a pointer receiver counts too")
	assert.Equal(t, ptrKeys{"a": 1, "A": 2}, pk)

	var e exactKeys
	require.NoError(t, Unmarshal([]byte(`{"a":1,"A":2}`), &e))
	assert.Equal(t, exactKeys{"a": 1, "A": 2}, e)
	err := Unmarshal([]byte(`{"a":1,"a":2}`), &e)
	requireError(t, err, ErrDuplicateMember, "$.a")

	var p prefixKeys
	require.NoError(t, Unmarshal([]byte(`{"acs:x/Tag":"1","acs:x/tag":"2"}`), &p))
	err = Unmarshal([]byte(`{"oss:prefix":"1","oss:Prefix":"2"}`), &p)
	requireError(t, err, ErrDuplicateMember, `$["oss:Prefix"]`)
}

// stringOrList reads a string or a list of strings, through a Decoder.
type stringOrList []string

func (l *stringOrList) UnmarshalStrictJSON(d *Decoder) error {
	if d.Kind() == KindString {
		var s string
		if err := d.Decode(&s); err != nil {
			return err
		}
		*l = stringOrList{s}
		return nil
	}
	var list []string
	if err := d.Decode(&list); err != nil {
		return err
	}
	if len(list) == 0 {
		return d.Fail(ErrType, "empty list")
	}
	*l = list
	return nil
}

// ctx reads its members with Object and a custom equivalence.
type ctx map[string][]string

func (c *ctx) UnmarshalStrictJSON(d *Decoder) error {
	out := ctx{}
	err := d.Object(prefixKeys{}.MemberKey, func(name string, d *Decoder) error {
		if name == "reserved" {
			return d.FailName(ErrUnknownMember, "reserved")
		}
		var v stringOrList
		if err := d.Decode(&v); err != nil {
			return err
		}
		out[name] = v
		return nil
	})
	if err != nil {
		return err
	}
	*c = out
	return nil
}

type withCtx struct {
	Context ctx          `json:"context"`
	List    stringOrList `json:"list"`
}

func TestUnmarshaler(t *testing.T) {
	var v withCtx
	require.NoError(t, Unmarshal([]byte(`{"context":{"a":"1","b":["2","3"]},"list":"x"}`), &v))
	assert.Equal(t, ctx{"a": {"1"}, "b": {"2", "3"}}, v.Context)
	assert.Equal(t, stringOrList{"x"}, v.List)

	err := Unmarshal([]byte(`{"context":{"oss:prefix":"1","OSS:prefix":"2"}}`), &v)
	requireError(t, err, ErrDuplicateMember, `$.context["OSS:prefix"]`)
	err = Unmarshal([]byte(`{"context":{"a":[1]}}`), &v)
	requireError(t, err, ErrType, `$.context.a[0]`)
	err = Unmarshal([]byte(`{"context":{"a":[]}}`), &v)
	e := requireError(t, err, ErrType, `$.context.a`)
	assert.Equal(t, 16, e.Offset)
	err = Unmarshal([]byte(`{"context":[]}`), &v)
	requireError(t, err, ErrType, `$.context`)
	err = Unmarshal([]byte(`{"context":{"reserved":"x"}}`), &v)
	e = requireError(t, err, ErrUnknownMember, `$.context.reserved`)
	assert.Equal(t, 12, e.Offset, "FailName points at the member name")
	// Elements of a list read through a hook keep their own types.
	err = Unmarshal([]byte(`{"list":[{"a":1}]}`), &v)
	requireError(t, err, ErrType, `$.list[0]`)
}

type lazy struct{}

func (*lazy) UnmarshalStrictJSON(*Decoder) error { return nil }

type greedy struct{}

func (*greedy) UnmarshalStrictJSON(d *Decoder) error {
	var a, b any
	if err := d.Decode(&a); err != nil {
		return err
	}
	return d.Decode(&b)
}

type plainErr struct{}

func (*plainErr) UnmarshalStrictJSON(d *Decoder) error {
	var s string
	_ = d.Decode(&s)
	return errBoom
}

var errBoom = errors.New("boom")

func TestUnmarshalerMisuse(t *testing.T) {
	var l struct {
		L lazy `json:"l"`
	}
	requireError(t, Unmarshal([]byte(`{"l":1}`), &l), ErrUnsupported, "$.l")
	var g struct {
		G greedy `json:"g"`
	}
	requireError(t, Unmarshal([]byte(`{"g":1}`), &g), ErrUnsupported, "$.g")
	var p struct {
		P plainErr `json:"p"`
	}
	err := Unmarshal([]byte(`{"p":"x"}`), &p)
	requireError(t, err, ErrType, "$.p")
	assert.ErrorIs(t, err, errBoom)
}

type jsonHook struct{ got string }

func (j *jsonHook) UnmarshalJSON(b []byte) error { j.got = string(b); return nil }

func TestJSONUnmarshalerGetsCheckedBytes(t *testing.T) {
	var v struct {
		H jsonHook `json:"h"`
	}
	require.NoError(t, Unmarshal([]byte(`{"h": {"a": [1, {"b": 2}]} }`), &v))
	assert.Equal(t, `{"a": [1, {"b": 2}]}`, v.H.got)
	err := Unmarshal([]byte(`{"h": {"a": [1, {"b": 2, "B": 3}]}}`), &v)
	requireError(t, err, ErrDuplicateMember, "$.h.a[1].B")
}

func TestUnsupportedTargets(t *testing.T) {
	var s string
	requireError(t, Unmarshal([]byte(`"x"`), s), ErrUnsupported, "")
	requireError(t, Unmarshal([]byte(`"x"`), nil), ErrUnsupported, "")
	requireError(t, Unmarshal([]byte(`"x"`), (*string)(nil)), ErrUnsupported, "")
	var twins struct {
		A string `json:"name"`
		B string `json:"Name"`
	}
	requireError(t, Unmarshal([]byte(`{}`), &twins), ErrUnsupported, "$")
	var shadow struct {
		base
		ID string `json:"id"` // encoding/json would let the outer field win silently
	}
	requireError(t, Unmarshal([]byte(`{}`), &shadow), ErrUnsupported, "$")
	var str struct {
		N int `json:"n,string"`
	}
	requireError(t, Unmarshal([]byte(`{}`), &str), ErrUnsupported, "$")
	var intKeys map[int]string
	requireError(t, Unmarshal([]byte(`{"1":"a"}`), &intKeys), ErrUnsupported, "$")
	var ch struct {
		C chan int `json:"c"`
	}
	requireError(t, Unmarshal([]byte(`{"c":1}`), &ch), ErrUnsupported, "$.c")
	var iface struct {
		E error `json:"e"`
	}
	requireError(t, Unmarshal([]byte(`{"e":"x"}`), &iface), ErrUnsupported, "$.e")
}

type base struct {
	ID   string `json:"id,required"`
	note string
}

type derived struct {
	base
	Name string `json:"name"`
}

func TestEmbeddedStructs(t *testing.T) {
	var d derived
	require.NoError(t, Unmarshal([]byte(`{"id":"1","name":"n"}`), &d))
	assert.Equal(t, "1", d.ID)
	assert.Equal(t, "n", d.Name)
	requireError(t, Unmarshal([]byte(`{"name":"n"}`), &d), ErrMissing, "$")
	requireError(t, Unmarshal([]byte(`{"id":"1","base":{}}`), &d), ErrUnknownMember, "$.base")
	var want derived
	require.NoError(t, json.Unmarshal([]byte(`{"id":"1","name":"n"}`), &want))
	assert.Equal(t, want, d)
}

func TestArraysAndBytes(t *testing.T) {
	var a [2]int
	require.NoError(t, Unmarshal([]byte(`[1,2]`), &a))
	assert.Equal(t, [2]int{1, 2}, a)
	requireError(t, Unmarshal([]byte(`[1]`), &a), ErrType, "$")
	requireError(t, Unmarshal([]byte(`[1,2,3]`), &a), ErrType, "$")
	var b []byte
	require.NoError(t, Unmarshal([]byte(`"aGk="`), &b))
	assert.Equal(t, []byte("hi"), b)
	requireError(t, Unmarshal([]byte(`"!!"`), &b), ErrType, "$")
}

func TestValid(t *testing.T) {
	assert.NoError(t, Valid([]byte(` {"a":[1,2,{"b":null}],"c":"\ud83d\ude00"} `)))
	assert.NoError(t, Valid([]byte(`{"a":1,"a":2}`)), "Valid does not look at names")
	assert.ErrorIs(t, Valid([]byte(`{} 1`)), ErrTrailingData)
	assert.ErrorIs(t, Valid([]byte(`"\udfff"`)), ErrSyntax)
	assert.ErrorIs(t, Valid([]byte(strings.Repeat(`{"a":`, MaxDepth+1)+"1"+strings.Repeat("}", MaxDepth+1))), ErrLimit)
	assert.NoError(t, Valid([]byte(strings.Repeat(`{"a":`, MaxDepth)+"1"+strings.Repeat("}", MaxDepth))))
}

func TestRaw(t *testing.T) {
	in := "[\n {\"name\": \"a\"},\n {\"name\": \"b\", \"Name\": \"c\"},\n 7,\n {\"name\": \"d\"}\n]"
	var raws []Raw
	require.NoError(t, Unmarshal([]byte(in), &raws), "a list of Raw checks only the syntax")
	require.Len(t, raws, 4)
	assert.Equal(t, `{"name": "b", "Name": "c"}`, string(raws[1].Bytes()))
	assert.Equal(t, strings.Index(in, `{"name": "b"`), raws[1].Offset())
	assert.Equal(t, "$[1]", raws[1].Path())
	assert.Equal(t, KindObject, raws[1].Kind())
	assert.Equal(t, KindNumber, raws[2].Kind())

	var names []string
	var errs []*Error
	for _, r := range raws {
		var u user
		if err := r.Unmarshal(&u); err != nil {
			var e *Error
			require.True(t, errors.As(err, &e))
			errs = append(errs, e)
			continue
		}
		names = append(names, u.Name)
	}
	assert.Equal(t, []string{"a", "d"}, names, "the good elements are read past the bad ones")
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[0], ErrDuplicateMember)
	assert.Equal(t, "$[1].Name", errs[0].Path)
	assert.Equal(t, 3, errs[0].Line, "positions are in the whole input")
	assert.Equal(t, 16, errs[0].Column)
	assert.ErrorIs(t, errs[1], ErrType)
	assert.Equal(t, "$[2]", errs[1].Path)
	assert.Equal(t, 4, errs[1].Line)

	off, line, col := raws[1].At(len(`{"name": "b", `))
	assert.Equal(t, strings.Index(in, `"Name"`), off)
	assert.Equal(t, 3, line)
	assert.Equal(t, 16, col)
	off, _, _ = raws[1].At(1000)
	assert.Equal(t, -1, off)

	var zero Raw
	assert.Nil(t, zero.Bytes())
	assert.Equal(t, -1, zero.Offset())
	assert.ErrorIs(t, zero.Unmarshal(new(any)), ErrUnsupported)
}
