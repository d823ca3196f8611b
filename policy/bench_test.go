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
	big := statementsJSON(10000)
	inputs := []struct {
		name string
		data []byte
		opts []Option
	}{
		{"arms-readonly", ro, nil},
		{"max-size-6144", maxSizeDocument(b), nil},
		// The parse half of the evaluator's BenchmarkLoad/statements-10000.
		{"statements-10000", big, []Option{WithLimits(Limits{MaxInputBytes: 16 << 20, MaxSize: 16 << 20, MaxStatements: 100000})}},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			if _, err := Parse(in.data, in.opts...); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(in.data)))
			var sink *Document
			for b.Loop() {
				sink, _ = Parse(in.data, in.opts...)
			}
			if sink == nil {
				b.Fatal("no document")
			}
		})
	}
}

// statementsJSON is the document of the evaluator's load benchmark: n
// Allow statements (svcK:VerbK* on acs:svcK:*:...:res/K/*) plus one Deny.
func statementsJSON(n int) []byte {
	b := []byte(`{"Version":"1","Statement":[`)
	for k := 0; k < n; k++ {
		ks := itoa(k)
		b = append(b, `{"Effect":"Allow","Action":"svc`+ks+`:Verb`+ks+`*","Resource":"acs:svc`+ks+`:*:1234567890123456:res/`+ks+`/*"},`...)
	}
	return append(b, `{"Effect":"Deny","Action":"svc7:Delete*","Resource":"*"}]}`...)
}
