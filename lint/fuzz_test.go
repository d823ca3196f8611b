package lint_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/lint"
	"github.com/ramauthz/ramauthz/policy"
)

// FuzzCheck lints arbitrary input as each document kind: Check never
// panics; findings are sorted, identical on a second run, and have spans
// inside the input with line and column matching the offset; a document the
// parser rejects gives exactly one ERROR finding; every witness is a request
// the document allows.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob("../testdata/lint/*/*.json")
	for _, name := range files {
		if filepath.Base(name) == "options.json" {
			continue
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(0))
		}
	}
	f.Add([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::2222222222222222:root"}}]}`), uint8(1))
	opts := lint.Options{Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Actions: []string{"arms:GetTrace", "ecs:DescribeInstances"}, Account: "1111111111111111"}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		o := opts
		o.Kind = policy.Kind(kind % 3)
		got := lint.Check(data, o)
		again := lint.Check(data, o)
		if !slices.EqualFunc(got, again, func(a, b lint.Finding) bool {
			return a.Code == b.Code && a.Severity == b.Severity && a.Location == b.Location && a.Message == b.Message
		}) {
			t.Fatal("two runs differ")
		}
		doc, err := policy.Parse(data, policy.WithKind(o.Kind))
		if err != nil {
			if len(got) != 1 || got[0].Severity != lint.Error {
				t.Fatalf("rejected document gave %d findings: %v", len(got), got)
			}
		}
		var ev *evaluator.Evaluator
		if err == nil {
			ev, _ = evaluator.Compile(evaluator.Policy{ID: "p", Document: doc})
		}
		for i, fd := range got {
			if i > 0 && got[i-1].Location.Span.Start.Offset > fd.Location.Span.Start.Offset {
				t.Fatal("findings not sorted by position")
			}
			if _, ok := fd.Code.Info(); !ok || fd.Message == "" {
				t.Fatalf("finding with unknown code or no message: %+v", fd)
			}
			sp := fd.Location.Span
			if sp.Start.Offset < 0 || sp.End.Offset > len(data) || sp.End.Offset < sp.Start.Offset {
				t.Fatalf("%s: span %+v outside %d bytes", fd.Code, sp, len(data))
			}
			if fd.Witness != nil && (ev == nil || ev.Decide(*fd.Witness) != evaluator.Allow) {
				t.Fatalf("%s: witness %+v not allowed by the document", fd.Code, *fd.Witness)
			}
		}
	})
}
