package lint_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ramauthz/ramauthz/lint"
	"github.com/ramauthz/ramauthz/policy"
)

// corpusOptions is the optional options.json of a corpus folder.
type corpusOptions struct {
	Kind    string
	Account string
	Actions []string
	Now     string
}

func loadOptions(t *testing.T, dir string) lint.Options {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if os.IsNotExist(err) {
		return lint.Options{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var co corpusOptions
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&co); err != nil {
		t.Fatalf("options.json: %v", err)
	}
	opts := lint.Options{Account: co.Account, Actions: co.Actions}
	if co.Kind != "" {
		if opts.Kind, err = policy.ParseKind(co.Kind); err != nil {
			t.Fatal(err)
		}
	}
	if co.Now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, co.Now); err != nil {
			t.Fatal(err)
		}
	}
	return opts
}

// goldenFinding is one line of bad.golden: CODE|SEVERITY|PATH|SNIPPET, where
// SNIPPET is the source text the finding's span starts with and "*" in PATH
// or SNIPPET accepts anything.
type goldenFinding struct {
	code, severity, path, snippet string
}

func loadGolden(t *testing.T, file string) []goldenFinding {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenFinding
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, "|", 4)
		if len(f) != 4 {
			t.Fatalf("%s: bad golden line %q", file, line)
		}
		out = append(out, goldenFinding{f[0], f[1], f[2], f[3]})
	}
	return out
}

// TestCorpus checks every folder of testdata/lint: bad.json gives exactly the
// findings of bad.golden (code, severity, path, and a span that starts at the
// expected source text and whose line and column agree with its offset), and
// good.json gives no finding of the folder's code. Every code of the
// catalogue has a folder.
func TestCorpus(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/lint/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	seen := map[lint.Code]bool{}
	for _, dir := range dirs {
		code := lint.Code(filepath.Base(dir))
		seen[code] = true
		t.Run(string(code), func(t *testing.T) {
			if _, ok := code.Info(); !ok {
				t.Fatalf("folder %s names no code of the catalogue", dir)
			}
			opts := loadOptions(t, dir)
			bad, err := os.ReadFile(filepath.Join(dir, "bad.json"))
			if err != nil {
				t.Fatal(err)
			}
			got := lint.Check(bad, opts)
			want := loadGolden(t, filepath.Join(dir, "bad.golden"))
			if len(got) != len(want) {
				t.Fatalf("bad.json: %d findings, want %d:\n%s", len(got), len(want), render(got))
			}
			for _, w := range want {
				i := slices.IndexFunc(got, func(f lint.Finding) bool {
					return string(f.Code) == w.code && f.Severity.String() == w.severity && (w.path == "*" || f.Location.Path == w.path)
				})
				if i < 0 {
					t.Fatalf("bad.json: no finding %s %s at %s; got:\n%s", w.code, w.severity, w.path, render(got))
				}
				checkSpan(t, bad, got[i], w.snippet)
				got = slices.Delete(got, i, i+1)
			}
			good, err := os.ReadFile(filepath.Join(dir, "good.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range lint.Check(good, opts) {
				if f.Code == code {
					t.Errorf("good.json has a %s finding: %s", code, f.Message)
				}
			}
		})
	}
	for _, ci := range lint.Codes() {
		if !seen[ci.Code] {
			t.Errorf("code %s has no folder in testdata/lint", ci.Code)
		}
	}
}

// checkSpan checks a finding's span against the document: the snippet stands
// at its start, its line and column agree with its offset, and (for a
// document that parsed) it covers one whole JSON value or member name.
func checkSpan(t *testing.T, data []byte, f lint.Finding, snippet string) {
	t.Helper()
	sp := f.Location.Span
	if sp.Start.Offset < 0 || sp.End.Offset > len(data) || sp.End.Offset < sp.Start.Offset {
		t.Fatalf("%s: span %+v outside the document of %d bytes", f.Code, sp, len(data))
	}
	for _, p := range []lint.Pos{sp.Start, sp.End} {
		line := 1 + bytes.Count(data[:p.Offset], []byte("\n"))
		col := p.Offset - bytes.LastIndexByte(data[:p.Offset], '\n')
		if p.Line != line || p.Column != col {
			t.Errorf("%s: position %+v, want line %d column %d", f.Code, p, line, col)
		}
	}
	if snippet != "*" && !bytes.HasPrefix(data[sp.Start.Offset:], []byte(snippet)) {
		t.Errorf("%s: span starts at %q, want %q", f.Code, head(data[sp.Start.Offset:]), snippet)
	}
	if !strings.HasPrefix(string(f.Code), "PARSE_") && f.Code != lint.TrustAnyPrincipal && !gjson.ValidBytes(data[sp.Start.Offset:sp.End.Offset]) {
		t.Errorf("%s: span %q is not one JSON value", f.Code, data[sp.Start.Offset:sp.End.Offset])
	}
}

func head(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func render(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Code) + " " + f.Severity.String() + " " + f.Location.Path + ": " + f.Message + "\n")
	}
	return b.String()
}

// TestDocsCoverEveryCode checks docs/lint.md: a section with the code's
// anchor for every code, showing the corpus's bad and good documents
// verbatim, so the page and the linter cannot drift apart.
func TestDocsCoverEveryCode(t *testing.T) {
	page, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range lint.Codes() {
		anchor := `<a id="` + ci.Code.DocAnchor() + `"></a>`
		i := bytes.Index(page, []byte(anchor))
		if i < 0 {
			t.Errorf("docs/lint.md has no section %s", anchor)
			continue
		}
		section := page[i:]
		if j := bytes.Index(section[len(anchor):], []byte(`<a id="`)); j >= 0 {
			section = section[:len(anchor)+j]
		}
		if !bytes.Contains(section, []byte("**"+ci.Severity.String()+".**")) {
			t.Errorf("%s: the section does not state severity %s", ci.Code, ci.Severity)
		}
		for _, name := range []string{"bad.json", "good.json"} {
			ex, err := os.ReadFile(filepath.Join("../testdata/lint", string(ci.Code), name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(section, bytes.TrimRight(ex, "\n")) {
				t.Errorf("%s: the section does not show testdata's %s", ci.Code, name)
			}
		}
	}
}
