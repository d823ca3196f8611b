package casefile

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics on any input, that every error
// is a FormatError positioned in the file, that a file either yields no
// cases (a file-level error) or one case per array element, and that Run
// does not panic on what Parse returns.
func FuzzParse(f *testing.F) {
	const pol = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	seeds := []string{
		`[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"k":["v"]}},"expect":"Allow"}]`,
		`[{"name":"x","requeſt":{},"request":{"action":"a:b","resource":"*"},"policies":[],"expect":"Allow"}, 7, {"kind":"invalid","name":"i","policy_type":"identity","policy_text":"{"}]`,
		`[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","trust_policy":` + pol + `,"caller":{"type":"RamUser","arn":"acs:ram::1234567890123456:user/u"},"context":{"sts:ExternalId":"x"},"expect":"ImplicitDeny"}]`,
		`[{"kind":"session","name":"s","role_policies":[` + pol + `],"session_policy":null,"request":{"action":"a:b","resource":"*"},"expect":"Allow"}]`,
		`[{"name":"x","request":{"context":{"acs:SourceIp":"1","acs:sourceip":"2"}}}]`,
		`{}`, `[]`, `[1,2`, "[\"\\ud800\"]",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cases, err := Parse(data, "f.json")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a FormatError", err)
			}
			if fe.Line <= 0 {
				t.Fatalf("error without a position: %v", err)
			}
			if fe.Index < 0 && cases != nil {
				t.Fatalf("a file-level error with %d cases", len(cases))
			}
		}
		bad := 0
		for i := range cases {
			if cases[i].Index != i || cases[i].File != "f.json" {
				t.Fatalf("case %d has Index %d, File %q", i, cases[i].Index, cases[i].File)
			}
			if cases[i].Err != nil {
				bad++
				if r := cases[i].Run(); r.Pass || r.Err == nil {
					t.Fatalf("a case that could not be read passed: %+v", r)
				}
			}
		}
		if (bad > 0) != (err != nil && cases != nil) {
			t.Fatalf("%d bad cases but error %v", bad, err)
		}
	})
}
