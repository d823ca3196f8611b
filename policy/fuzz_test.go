package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, returns either a document or a
// *ParseError (never both, never neither), and that every accepted document
// round-trips through its canonical form. Bounded inputs keep each run short.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "policies", "*", "*.json"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data, uint8(kindOfSeed(filepath.Base(s))))
		}
	}
	f.Add([]byte(doc(allowAll)), uint8(Identity))
	f.Add([]byte(doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1234567890123456:root"}}`)), uint8(Trust))
	f.Add([]byte(doc(`{"Effect":"Deny","NotAction":["a:*"],"NotResource":"acs:x","Condition":{"DateLessThan":{"k":"2019-08-12T17:00:00+08:00"},"NumericEquals":{"n":["1","-2.5"]},"IpAddress":{"acs:SourceIp":"::1"}}}`)), uint8(Session))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := Kind(k % 3)
		d, err := Parse(data, WithKind(kind), Lenient())
		if (d == nil) == (err == nil) {
			t.Fatalf("Parse returned document %v and error %v", d, err)
		}
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		out := d.AppendJSON(nil)
		d2, err := Parse(out, WithKind(kind))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, out)
		}
		if d2.String() != string(out) {
			t.Fatalf("canonical form is not stable:\n%s\n%s", out, d2.String())
		}
		if !equalDocs(d, d2) {
			t.Fatalf("round trip changed the document:\n%s", out)
		}
	})
}

func kindOfSeed(name string) Kind {
	for _, k := range []Kind{Trust, Session} {
		if len(name) > len(k.String()) && name[:len(k.String())] == k.String() {
			return k
		}
	}
	return Identity
}
