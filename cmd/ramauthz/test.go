package main

import (
	"errors"
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

A case that cannot be read (a misspelt, unknown or repeated member, a context
key given in two spellings, a missing field...) fails on its own, reported as

  FAIL FILE:LINE:COL: case N ("NAME"): message

and the other cases of its file still run. A file that cannot be read or is
not a JSON array of cases counts as one failed case, reported as
"FAIL FILE: message" or "FAIL FILE:LINE:COL: message"; so does a DIR with no
*.json file in it, and a run that finds no case at all.

A DIR stands for the *.json files directly inside it, in name order. Case
files must be regular files of at most 16 MiB (directories given as FILE,
named pipes and devices are refused without reading). They are read
strictly: member names are spelled exactly as below, names that differ only
in case (or in Unicode case folding, as "s" and "ſ") are duplicates, unknown
members are errors, and context keys that differ only in the case of the
part before the first '/' are the same key, so giving both is an error.

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

Exit codes: 0 every case passed (and there was at least one); 1 some case
failed, a file could not be read, or no case was found; 2 usage error (no
FILE, unknown flag).

JSON output (--json):
  {"passed": N, "failed": M,
   "cases": [{"file": F, "name": NAME, "kind": KIND, "pass": BOOL,
              "expected": E, "got": G, "detail": TEXT}],
   "errors": [{"file": F, "message": TEXT}]}
"cases" lists every case that ran, in order; "errors" lists the files that
could not be read, the directories without case files, and a run without
cases (each also counted in "failed"). For decide, assume_role and session
cases, expected and got are decision names and detail is the explanation;
for invalid cases they are "rejected" or "accepted" and detail is the
parser's message. got is "error" when a case could not be read or run; detail
then says why (FILE:LINE:COL: ... for a case that could not be read).
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
			sep := ": "
			if len(msg) > 0 && msg[0] >= '1' && msg[0] <= '9' {
				sep = ":" // LINE:COL: message
			}
			fmt.Fprintf(stdout, "FAIL %s%s%s\n", file, sep, msg)
		}
	}
	files := 0
	for _, p := range paths {
		names, err := expand(p)
		if err != nil {
			fail(p, readMessage(err))
			continue
		}
		if len(names) == 0 {
			fail(p, "no case files (*.json) in this directory")
			continue
		}
		for _, f := range names {
			files++
			cases, err := casefile.ReadFile(f)
			if cases == nil && err != nil {
				msg := readMessage(err)
				var fe *casefile.FormatError
				if errors.As(err, &fe) {
					fe.File = "" // already in front of the line
					msg = fe.Error()
				}
				fail(f, msg)
				continue
			}
			// Cases that could not be read are among the cases and fail
			// with their FormatError; the others still run.
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
	if files > 0 && out.Passed+out.Failed == 0 {
		// A run that checks nothing must not look like a green one.
		fail(paths[0], "no cases in the given files")
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
