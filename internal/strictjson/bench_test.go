package strictjson

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// benchDoc is an export-like document: 200 users with names, policies,
// ages and flags.
func benchDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"users":[`)
	for i := range 200 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"name":"user-` + strconv.Itoa(i) + `","policies":["AliyunARMSReadOnlyAccess","custom-` + strconv.Itoa(i) + `"],"age":` + strconv.Itoa(i) + `,"admin":false}`)
	}
	b.WriteString(`],"tags":{"team":1,"env":2},"Plain":"x"}`)
	return []byte(b.String())
}

// BenchmarkUnmarshal compares the strict reader with encoding/json on the
// same input (run both in one command: the ratio is what matters).
func BenchmarkUnmarshal(b *testing.B) {
	data := benchDoc()
	b.Run("strictjson", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v export
			if err := Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v export
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
