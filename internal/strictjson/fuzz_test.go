package strictjson

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

type fuzzTarget struct {
	Name  string            `json:"name"`
	Count int32             `json:"count"`
	Ratio float64           `json:"ratio"`
	On    *bool             `json:"on"`
	List  []string          `json:"list"`
	Map   map[string]uint16 `json:"map"`
	Exact exactKeys         `json:"exact"`
	Raw   json.RawMessage   `json:"raw"`
	Any   any               `json:"any"`
	Inner *fuzzTarget       `json:"inner"`
}

var fuzzSeeds = []string{
	`{"name":"a","count":-3,"ratio":1.5e-3,"on":true,"list":["x","\u00e9"],"map":{"k":7},"exact":{"a":1,"A":2},"raw":[1,{"a":2}],"any":{"x":[null,false,"s",1e3]},"inner":{"name":"b","inner":null}}`,
	`{"name":"a","Name":"b"}`,
	`{"map":{"s":1,"ſ":2}}`,
	`"\ud800"`,
	`"\ud83d\ude00"`,
	`[1,2,3] `,
	`{"any":{"a":1,"a":2}}`,
	`{"count":1e2}`,
	`{"ratio":1e400}`,
	"{\"name\":\"\xff\"}",
	`{"raw":{"Effect":"Deny","Effect":"Allow"}}`,
	`{"exact":{"a":1,"a":2}}`,
	`  null  `,
	`{"list":null,"map":null,"inner":null,"on":null}`,
}

// FuzzUnmarshal checks that Unmarshal never panics, and that whatever it
// accepts encoding/json accepts too and decodes to the same value, both
// into a struct and into an empty interface.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want fuzzTarget
		if err := Unmarshal(data, &got); err == nil {
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("strictjson accepted what encoding/json rejects (%v): %q", err, data)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("different values for %q:\nstrict %#v\njson   %#v", data, got, want)
			}
		} else if !isOurs(err) {
			t.Fatalf("error %v (%T) is not an *Error with a sentinel", err, err)
		}
		var g, w any
		if err := Unmarshal(data, &g); err == nil {
			if err := json.Unmarshal(data, &w); err != nil {
				t.Fatalf("strictjson accepted what encoding/json rejects (%v): %q", err, data)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("different values for %q:\nstrict %#v\njson   %#v", data, g, w)
			}
		} else if !isOurs(err) {
			t.Fatalf("error %v (%T) is not an *Error with a sentinel", err, err)
		}
		// Valid refuses valid JSON only for this package's extra rules.
		if json.Valid(data) && utf8.Valid(data) && LoneSurrogate(data) < 0 && !strings.HasPrefix(string(data), "\xef\xbb\xbf") && !tooDeep(data) {
			if err := Valid(data); err != nil {
				t.Fatalf("Valid refused valid JSON %q: %v", data, err)
			}
		}
	})
}

func tooDeep(data []byte) bool {
	return Valid(data) != nil && errors.Is(Valid(data), ErrLimit)
}

func isOurs(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzRoundTrip builds a value from the fuzzer's inputs, writes it with
// encoding/json and reads it back: the value must come back unchanged,
// except that two map keys equal under Fold must be refused.
func FuzzRoundTrip(f *testing.F) {
	f.Add("alice", int32(3), 1.5, true, "k", "K", uint16(7), "a\u2028b\"<>&")
	f.Add("", int32(-1), -0.0, false, "s", "ſ", uint16(0), "")
	f.Add("\x00\x1f", int32(math.MaxInt32), 1e300, true, "x", "y", uint16(65535), "\ud7ff\ue000\U0010ffff")
	f.Fuzz(func(t *testing.T, name string, count int32, ratio float64, on bool, k1, k2 string, n uint16, item string) {
		if math.IsNaN(ratio) || math.IsInf(ratio, 0) {
			return
		}
		name = strings.ToValidUTF8(name, "\uFFFD")
		k1 = strings.ToValidUTF8(k1, "\uFFFD")
		k2 = strings.ToValidUTF8(k2, "\uFFFD")
		item = strings.ToValidUTF8(item, "\uFFFD")
		in := fuzzTarget{
			Name: name, Count: count, Ratio: ratio, On: &on,
			List:  []string{item, name},
			Map:   map[string]uint16{k1: n, k2: n + 1},
			Exact: exactKeys{k1: 1, k2: 2},
			Raw:   json.RawMessage(`{"a":[1,"b"]}`),
			Any:   map[string]any{"list": []any{item, float64(n), true, nil}},
			Inner: &fuzzTarget{Name: item, Raw: json.RawMessage(`null`)}, // nil is written as null
		}
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if foldEqual(k1, k2) != (Fold(k1) == Fold(k2)) {
			t.Fatalf("foldEqual(%q, %q) disagrees with Fold", k1, k2)
		}
		var out fuzzTarget
		err = Unmarshal(data, &out)
		if k1 != k2 && Fold(k1) == Fold(k2) {
			if !errors.Is(err, ErrDuplicateMember) {
				t.Fatalf("keys %q and %q fold together but %s was read: %v", k1, k2, data, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("cannot read back %s: %v", data, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("round trip changed the value:\nin  %#v\nout %#v", in, out)
		}
	})
}
