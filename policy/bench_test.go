package policy

import (
	"os"
	"strings"
	"testing"
)

// maxSizeDocument builds an identity document of exactly 6,144 characters
// (minified) with many statements, conditions and wildcards.
func maxSizeDocument(tb testing.TB) []byte {
	var stmts []string
	for i := 0; ; i++ {
		s := `{"Sid":"s` + itoa(i) + `","Effect":"Allow","Action":["ecs:Describe*","oss:Get*"],"Resource":"acs:oss:*:*:bucket-` + itoa(i) + `/*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00+08:00"}}}`
		if len(doc(append(stmts, s)...)) > 6144 {
			break
		}
		stmts = append(stmts, s)
	}
	d := doc(stmts...)
	// Pad the last resource to reach the limit exactly.
	d = strings.Replace(d, `bucket-0/*`, `bucket-0/`+strings.Repeat("x", 6144-len(d))+`*`, 1)
	if len(d) != 6144 {
		tb.Fatalf("built %d characters", len(d))
	}
	return []byte(d)
}

func BenchmarkParse(b *testing.B) {
	ro, err := os.ReadFile("system/AliyunARMSReadOnlyAccess.json")
	if err != nil {
		b.Fatal(err)
	}
	inputs := []struct {
		name string
		data []byte
	}{
		{"arms-readonly", ro},
		{"max-size-6144", maxSizeDocument(b)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			if _, err := Parse(in.data); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(in.data)))
			var sink *Document
			for b.Loop() {
				sink, _ = Parse(in.data)
			}
			if sink == nil {
				b.Fatal("no document")
			}
		})
	}
}
