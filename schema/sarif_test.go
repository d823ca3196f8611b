package schema

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	// go-sarif ships the SARIF 2.1.0 schema; sarifSchema reads it from the
	// module's source.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/ramauthz/ramauthz/lint"
	"github.com/ramauthz/ramauthz/policy"
)

// TestLintSARIFValidates lints the whole lint corpus into one SARIF log and
// validates the bytes written against the SARIF 2.1.0 JSON schema.
func TestLintSARIFValidates(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/lint/*")
	var files []lint.File
	total := 0
	for _, dir := range dirs {
		opts := lint.Options{Now: mustTime("2026-11-30T00:00:00Z"), Actions: []string{"arms:GetTrace"}}
		if filepath.Base(dir)[:6] == "TRUST_" {
			opts.Kind = policy.Trust
			opts.Account = "1111111111111111"
		}
		for _, name := range []string{"bad.json", "good.json"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			fs := lint.Check(data, opts)
			total += len(fs)
			files = append(files, lint.File{Path: filepath.ToSlash(filepath.Join("testdata/lint", filepath.Base(dir), name)), Data: data, Findings: fs})
		}
	}
	if total < 40 {
		t.Fatalf("only %d findings", total)
	}
	var buf bytes.Buffer
	if err := lint.WriteSARIF(&buf, "test", files); err != nil {
		t.Fatal(err)
	}
	schema := sarifSchema(t)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Fatalf("the SARIF log does not validate against the SARIF 2.1.0 schema: %v", err)
	}
	// The same validator must reject a log that breaks the schema, or the
	// check above proves nothing.
	broken := bytes.Replace(buf.Bytes(), []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	bv, _ := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
	if schema.Validate(bv) == nil {
		t.Fatal("the schema accepts level \"fatal\"")
	}
}

// sarifSchema compiles the SARIF 2.1.0 schema as the go-sarif module ships
// it (the const in its v210 package, read from the module's source in the
// module cache, where go test has put it as a dependency of this module).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg/report/v210/sarif/schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	start, end := bytes.IndexByte(src, '`'), bytes.LastIndexByte(src, '`')
	if start < 0 || end <= start {
		t.Fatal("no schema literal in go-sarif's schema.go")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src[start+1 : end]))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustTime(s string) (t time.Time) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
