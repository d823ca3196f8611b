package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/ramauthz/ramauthz/authztest/casefile"
)

var testCmd = &command{
	name:    "test",
	summary: "run case files",
	usage: `Usage: ramauthz test [--json] [--verbose] FILE|DIR...

Runs every case of every case file and prints one line per failing case:

  FAIL FILE: NAME: expected EXPECTED, got GOT: EXPLANATION

and, last, alone on its line:

  N passed, M failed

A DIR stands for the *.json files directly inside it, in name order. A case
file that cannot be read or is not a valid case file counts as one failed
case, reported as "FAIL FILE: message".

Case files are JSON arrays of cases; "kind" selects what a case checks:
  decide       {"name", "policies": [DOC...], "request": {"action", "resource",
                "context": {KEY: "v" | ["v1", "v2"]}, "principal": {...}},
                "expect": "Allow" | "ExplicitDeny" | "ImplicitDeny"}
               (the default kind; the format of testdata/conformance)
  assume_role  {"kind": "assume_role", "name", "role_arn", "trust_policy": DOC,
                "caller": {"type": "RamUser"|"RamRole"|"Service"|"Federated",
                "account_id", "arn" | "service" | "provider_arn", "session_name"},
                "caller_policies": [DOC...], "context": {...}, "expect"}
  session      {"kind": "session", "name", "role_policies": [DOC...],
                "session_policy": DOC | null, "request": {...}, "expect"}
  invalid      {"kind": "invalid", "name", "policy_type": "identity"|"trust"|"session",
                "policy": JSON | "policy_text": "raw text",
                "error": "ErrDuplicateKey" (optional), "path": "Statement[0]" (optional)}
               passes when the document is rejected (with that error and path,
               when given)

Flags:
  --verbose  also print "PASS FILE: NAME" for every passing case
  --json     print one JSON object instead of lines (see below)

Exit codes: 0 every case passed; 1 some case failed (or a file could not be
read); 2 usage error (no FILE, unknown flag).

JSON output (--json):
  {"passed": N, "failed": M,
   "cases": [{"file": F, "name": NAME, "kind": KIND, "pass": BOOL,
              "expected": E, "got": G, "detail": TEXT}],
   "errors": [{"file": F, "message": TEXT}]}
"cases" lists every case that ran, in order; "errors" lists the files that
could not be read (each also counted in "failed"). For decide, assume_role
and session cases, expected and got are decision names and detail is the
explanation; for invalid cases they are "rejected" or "accepted" and detail
is the parser's message. got is "error" when a case could not run.
`,
}

func init() { testCmd.run = runTest }

type testCase struct {
	File     string `json:"file"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Pass     bool   `json:"pass"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
	Detail   string `json:"detail"`
}

type testError struct {
	File    string `json:"file"`
	Message string `json:"message"`
}

type testOutput struct {
	Passed int         `json:"passed"`
	Failed int         `json:"failed"`
	Cases  []testCase  `json:"cases"`
	Errors []testError `json:"errors"`
}

func runTest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	verbose := fs.Bool("verbose", false, "")
	paths, code, done := parseFlags(fs, testCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	if len(paths) == 0 {
		return usageError(stderr, "test", "no FILE or DIR given")
	}
	out := testOutput{Cases: []testCase{}, Errors: []testError{}}
	fail := func(file, msg string) {
		out.Failed++
		out.Errors = append(out.Errors, testError{File: file, Message: msg})
		if !*asJSON {
			fmt.Fprintf(stdout, "FAIL %s: %s\n", file, msg)
		}
	}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			fail(p, readMessage(err))
			continue
		}
		for _, f := range files {
			cases, err := casefile.ReadFile(f)
			if err != nil {
				msg := readMessage(err)
				if fe, ok := err.(*casefile.FormatError); ok {
					fe.File = "" // already in front of the line
					msg = fe.Error()
				}
				fail(f, msg)
				continue
			}
			for i := range cases {
				r := cases[i].Run()
				out.Cases = append(out.Cases, testCase{
					File: f, Name: r.Case.Name, Kind: r.Case.KindOf(), Pass: r.Pass,
					Expected: r.Expected, Got: r.Got, Detail: r.Detail,
				})
				if r.Pass {
					out.Passed++
				} else {
					out.Failed++
				}
				if !*asJSON && (!r.Pass || *verbose) {
					fmt.Fprintln(stdout, r.Line())
				}
			}
		}
	}
	if *asJSON {
		writeJSON(stdout, out)
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed\n", out.Passed, out.Failed)
	}
	if out.Failed > 0 {
		return exitFail
	}
	return exitOK
}

// expand returns p itself, or the *.json files directly in p when it is a
// directory.
func expand(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	files, err := filepath.Glob(filepath.Join(p, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}
