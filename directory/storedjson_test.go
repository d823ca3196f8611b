package directory

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// sameDecoding decodes value as a stored user and as a stored group with
// decodeStored (fast reader first) and with encoding/json alone, and
// reports where they differ: in success, or in the value (compared as
// encoding/json writes it, which tells nil lists from empty ones).
func sameDecoding(value []byte) string {
	check := func(kind string, fast, slow any) string {
		ef, es := decodeStored(value, fast), decodeJSON(value, slow)
		if (ef == nil) != (es == nil) {
			return kind + ": decodeStored error " + errString(ef) + ", encoding/json error " + errString(es)
		}
		if ef != nil {
			return ""
		}
		bf, _ := json.Marshal(fast)
		bs, _ := json.Marshal(slow)
		if string(bf) != string(bs) {
			return kind + ": decodeStored " + string(bf) + ", encoding/json " + string(bs)
		}
		return ""
	}
	if d := check("user", &exportUser{}, &exportUser{}); d != "" {
		return d
	}
	return check("group", &exportGroup{}, &exportGroup{})
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func randomStrings(r *rand.Rand, prefix string) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(4))
	for i := range out {
		out[i] = prefix + strconv.Itoa(r.IntN(1000))
	}
	return out
}

func randomTime(r *rand.Rand) time.Time {
	if r.IntN(5) == 0 {
		return time.Time{}
	}
	t := time.Unix(r.Int64N(1<<34), r.Int64N(1e9))
	if r.IntN(2) == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", 3600*(r.IntN(25)-12)))
}

func randomStoredUser(r *rand.Rand) exportUser {
	u := exportUser{Name: "user-" + strconv.Itoa(r.IntN(1e6)), Created: randomTime(r), Groups: randomStrings(r, "g"),
		Policies: exportAttached{System: randomStrings(r, "Aliyun"), Custom: randomStrings(r, "p")}}
	if r.IntN(4) > 0 {
		u.AccessKeys = []exportAccessKey{}
	}
	for range r.IntN(3) {
		u.AccessKeys = append(u.AccessKeys, exportAccessKey{ID: "LTAI" + strconv.Itoa(r.IntN(1e9)), Sealed: "c2VhbGVk" + strconv.Itoa(r.IntN(100)),
			Status: []string{"Active", "Inactive"}[r.IntN(2)], Created: randomTime(r)})
	}
	return u
}

// TestStoredReaderMatchesJSON: every user and group this package writes
// is read by the fast reader itself (not the fallback), to the value
// encoding/json reads; and inputs outside the reader's subset (unknown
// or repeated members, other cases, escapes, other types, trailing data,
// damage) decode exactly as encoding/json decodes them, errors included.
func TestStoredReaderMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var v any
		u := randomStoredUser(r)
		v = &u
		if i%2 == 1 {
			v = &exportGroup{Name: "g" + strconv.Itoa(i), Created: randomTime(r), Members: randomStrings(r, "u"),
				Policies: exportAttached{System: randomStrings(r, "Aliyun"), Custom: randomStrings(r, "p")}}
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var fast any = &exportUser{}
		if i%2 == 1 {
			fast = &exportGroup{}
		}
		if err := decodeFast(b, fast); err != nil {
			t.Fatalf("the fast reader fell back on %s", b)
		}
		if d := sameDecoding(b); d != "" {
			t.Fatalf("%s\n%s", b, d)
		}
	}
	for _, in := range storedReaderCases {
		if d := sameDecoding([]byte(in)); d != "" {
			t.Errorf("%s\n%s", in, d)
		}
	}
}

// storedReaderCases are inputs at the edges of the fast reader's subset.
var storedReaderCases = []string{
	`{"Name":"a","Created":"2026-01-02T03:04:05.123456789Z","Groups":["g"],"Policies":{"System":[],"Custom":["p"]},"AccessKeys":[]}`,
	`{"Name":"a","Groups":null,"Policies":null,"AccessKeys":null,"Created":null}`,
	`{"Name":"a","Members":["u1","u2"],"Policies":{"System":null,"Custom":null}}`,
	` { "Name" : "a" , "Groups" : [ "x" , "y" ] } `,
	`{}`, `null`, `[]`, `""`, `{`, `{"Name"`, `{"Name":}`, `{"Name":"a",}`, `{"Name":"a"}x`, `{"Name":"a"}}`, `{"Name":"a"} {}`,
	`{"name":"a"}`, `{"NAME":"a","Groups":["g"]}`, `{"Name":"a","Name":"b"}`, `{"Groups":["a"],"Groups":["b","c"]}`,
	`{"AccessKeys":[{"ID":"k1","Status":"Active"}],"AccessKeys":[{"ID":"k2"}]}`,
	`{"Policies":{"System":["a"]},"Policies":{"Custom":["b"]}}`,
	`{"Name":"a\"b"}`, `{"Name":"\u0061"}`, `{"Name":"é"}`, "{\"Name\":\"\xff\"}", "{\"Name\":\"a\tb\"}",
	`{"Name":5}`, `{"Name":true}`, `{"Groups":"g"}`, `{"Groups":[1]}`, `{"Groups":[null,"a"]}`, `{"Policies":[]}`,
	`{"AccessKeys":[null]}`, `{"AccessKeys":[{"ID":"k","Bogus":1}]}`, `{"AccessKeys":{}}`,
	`{"Created":"yesterday"}`, `{"Created":"2026-01-02T03:04:05+01:00"}`, `{"Created":"2026-01-02 03:04:05Z"}`, `{"Created":5}`,
	`{"Bogus":1}`, `{"Name":"a","Extra":{"x":[1,2]}}`, `{"Members":["a"],"AccessKeys":[]}`,
	`nul`, `nullx`, `{"Name":nul}`, `{"Groups":[nul]}`,
}

// FuzzStoredReader: whatever the input, decodeStored (the fast reader,
// falling back to encoding/json) decodes it exactly as encoding/json does.
func FuzzStoredReader(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		u := randomStoredUser(r)
		b, _ := json.Marshal(&u)
		f.Add(b)
	}
	for _, in := range storedReaderCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if d := sameDecoding(in); d != "" {
			t.Fatalf("%q\n%s", in, d)
		}
	})
}
