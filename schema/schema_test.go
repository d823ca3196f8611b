package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ramauthz/ramauthz/policy"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("ram-policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("ram-policy.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("ram-policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaAccepts(t *testing.T, s *jsonschema.Schema, data []byte) (bool, error) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return false, err // not JSON at all
	}
	if err := s.Validate(v); err != nil {
		return false, err
	}
	return true, nil
}

func kindOf(name string) policy.Kind {
	switch {
	case strings.HasPrefix(name, "trust-"):
		return policy.Trust
	case strings.HasPrefix(name, "session-"):
		return policy.Session
	}
	return policy.Identity
}

// TestSchemaAcceptsEveryValidDocument: the schema never rejects a document
// the parser accepts (valid corpus, conformance policies, lint corpus).
func TestSchemaAcceptsEveryValidDocument(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../testdata/policies/valid/*.json")
	more, _ := filepath.Glob("../testdata/lint/*/*.json")
	files = append(files, more...)
	n := 0
	for _, name := range files {
		if filepath.Base(name) == "options.json" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		kind := kindOf(filepath.Base(name))
		if strings.Contains(name, "/TRUST_") {
			kind = policy.Trust
		}
		if _, err := policy.Parse(data, policy.WithKind(kind)); err != nil {
			continue // the lint corpus's bad documents
		}
		n++
		if ok, err := schemaAccepts(t, s, data); !ok {
			t.Errorf("%s: the parser accepts it, the schema rejects it: %v", name, err)
		}
	}
	if n < 60 {
		t.Fatalf("only %d valid documents checked", n)
	}
}

// TestSchemaRejectsStructuralErrors: every document of the invalid corpus
// that the schema accepts is one whose error is beyond what a schema says
// (duplicates, limits, value forms); the structural errors (unknown
// elements, missing elements, conflicts, wrong types) are all caught.
func TestSchemaRejectsStructuralErrors(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../testdata/policies/invalid/*.json")
	if len(files) < 100 {
		t.Fatalf("only %d invalid documents", len(files))
	}
	caught := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		golden, err := os.ReadFile(strings.TrimSuffix(name, ".json") + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.Parse(data, policy.WithKind(kindOf(filepath.Base(name)))); err == nil {
			t.Fatalf("%s: the parser accepts a document of the invalid corpus", name)
		}
		ok, _ := schemaAccepts(t, s, data)
		if !ok {
			caught++
			continue
		}
		sentinel := ""
		for _, line := range strings.Split(string(golden), "\n") {
			if v, found := strings.CutPrefix(line, "error: "); found {
				sentinel = strings.TrimSpace(v)
			}
		}
		switch sentinel {
		case "ErrUnknownElement", "ErrMissing", "ErrConflict":
			t.Errorf("%s: a structural error (%s) the schema should catch", name, sentinel)
		}
	}
	t.Logf("the schema rejects %d of %d invalid documents", caught, len(files))
}

// TestSchemaIsJSON keeps the file strict JSON with no duplicate members.
func TestSchemaIsJSON(t *testing.T) {
	data, err := os.ReadFile("ram-policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if v["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", v["$schema"])
	}
}
