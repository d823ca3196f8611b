package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/fileinput"
	"github.com/ramauthz/ramauthz/lint"
	"github.com/ramauthz/ramauthz/policy"
)

var lintCmd = &command{
	name:    "lint",
	summary: "find mistakes in policy documents (offline policy validation)",
	usage: `Usage: ramauthz lint [--kind identity|trust|session] [--account UID]
                     [--catalogue FILE] [--now TIME] [--disable CODE,...]
                     [--fail-on LEVEL] [--json | --sarif] FILE...

Checks every FILE as a RAM policy document and prints one line per finding:

  FILE:LINE:COL: SEVERITY CODE: JSON.PATH: message

SEVERITY is ERROR, SECURITY_WARNING, WARNING or SUGGESTION. Each CODE is
documented, with a bad and a good example, in docs/lint.md. A document the
parser rejects gives one ERROR finding (PARSE_...). Nothing is printed for a
file without findings.

Flags:
  --kind KIND        identity (default), trust or session
  --account UID      the account the policy belongs to; trust checks treat
                     every other account as external
  --catalogue FILE   known actions, one per line ('#' starts a comment);
                     enables UNKNOWN_ACTION and PATTERN_MATCHES_NOTHING
  --now TIME         the current time (RFC 3339, or "now") for
                     DATE_CONDITION_EXPIRED; without it that check is off
  --disable CODES    comma-separated codes not to report
  --fail-on LEVEL    the least serious severity that makes the exit code 1:
                     error, security-warning (default), warning, suggestion,
                     or none
  --json             print one JSON object (see below)
  --sarif            print a SARIF 2.1.0 log (for GitHub code scanning)

Exit codes: 0 no finding at or above --fail-on; 1 some finding at or above
it, or an unreadable file; 2 usage error.

JSON output (--json):
  {"failed": BOOL,
   "files": [{"file": NAME, "error": TEXT (unreadable files only),
              "findings": [{"code": CODE, "severity": SEVERITY,
                            "message": TEXT, "path": PATH,
                            "start": {"line": N, "column": N, "offset": N},
                            "end": {"line": N, "column": N, "offset": N},
                            "witness": {"action": A, "resource": R}}]}]}
"witness" is present for findings that come with a request that shows them
(decided by the evaluator against the document). Columns count bytes.
`,
}

func init() { lintCmd.run = runLint }

type lintPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

type lintWitness struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
}

type lintFinding struct {
	Code     string       `json:"code"`
	Severity string       `json:"severity"`
	Message  string       `json:"message"`
	Path     string       `json:"path"`
	Start    lintPos      `json:"start"`
	End      lintPos      `json:"end"`
	Witness  *lintWitness `json:"witness,omitempty"`
}

type lintFile struct {
	File     string        `json:"file"`
	Error    string        `json:"error,omitempty"`
	Findings []lintFinding `json:"findings"`
}

type lintOutput struct {
	Failed bool       `json:"failed"`
	Files  []lintFile `json:"files"`
}

func runLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	kindName := fs.String("kind", "identity", "")
	account := fs.String("account", "", "")
	catalogue := fs.String("catalogue", "", "")
	now := fs.String("now", "", "")
	disable := fs.String("disable", "", "")
	failOn := fs.String("fail-on", "security-warning", "")
	asJSON := fs.Bool("json", false, "")
	asSARIF := fs.Bool("sarif", false, "")
	files, code, done := parseFlags(fs, lintCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	kind, err := policy.ParseKind(*kindName)
	if err != nil {
		return usageError(stderr, "lint", fmt.Sprintf("unknown --kind %q (want identity, trust or session)", *kindName))
	}
	if len(files) == 0 {
		return usageError(stderr, "lint", "no FILE given")
	}
	if *asJSON && *asSARIF {
		return usageError(stderr, "lint", "--json and --sarif exclude each other")
	}
	threshold := lint.Severity(0) // none: nothing fails
	if *failOn != "none" {
		var ok bool
		if threshold, ok = lint.ParseSeverity(*failOn); !ok {
			return usageError(stderr, "lint", fmt.Sprintf("unknown --fail-on %q (want error, security-warning, warning, suggestion or none)", *failOn))
		}
	}
	opts := lint.Options{Kind: kind, Account: *account}
	switch *now {
	case "":
	case "now":
		opts.Now = time.Now()
	default:
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError(stderr, "lint", fmt.Sprintf("--now %q is not an RFC 3339 time", *now))
		}
	}
	if *disable != "" {
		for _, c := range strings.Split(*disable, ",") {
			code := lint.Code(strings.TrimSpace(c))
			if _, ok := code.Info(); !ok {
				return usageError(stderr, "lint", fmt.Sprintf("--disable: unknown code %q", c))
			}
			opts.Disable = append(opts.Disable, code)
		}
	}
	if *catalogue != "" {
		data, err := fileinput.Read(*catalogue, maxCatalogueBytes)
		if err != nil {
			return usageError(stderr, "lint", "--catalogue: "+readMessage(err))
		}
		opts.Actions = readCatalogue(data)
	}

	out := lintOutput{Files: []lintFile{}}
	var sarifFiles []lint.File
	for _, name := range files {
		lf := lintFile{File: name, Findings: []lintFinding{}}
		data, err := readPolicyFile(name)
		if err != nil {
			lf.Error = readMessage(err)
			out.Failed = true
			if !*asJSON && !*asSARIF {
				fmt.Fprintln(stdout, name+": "+lf.Error)
			}
			out.Files = append(out.Files, lf)
			continue
		}
		findings := lint.Check(data, opts)
		for _, f := range findings {
			if threshold != 0 && f.Severity <= threshold {
				out.Failed = true
			}
			lf.Findings = append(lf.Findings, toLintFinding(f))
			if !*asJSON && !*asSARIF {
				s := f.Location.Span.Start
				fmt.Fprintf(stdout, "%s:%d:%d: %s %s: ", name, s.Line, s.Column, f.Severity, f.Code)
				if f.Location.Path != "" {
					fmt.Fprint(stdout, f.Location.Path+": ")
				}
				fmt.Fprintln(stdout, f.Message)
			}
		}
		out.Files = append(out.Files, lf)
		sarifFiles = append(sarifFiles, lint.File{Path: filepath.ToSlash(name), Data: data, Findings: findings})
	}
	switch {
	case *asJSON:
		writeJSON(stdout, out)
	case *asSARIF:
		if err := lint.WriteSARIF(stdout, "", sarifFiles); err != nil {
			fmt.Fprintln(stderr, "ramauthz lint:", err)
			return exitFail
		}
	}
	if out.Failed {
		return exitFail
	}
	return exitOK
}

func toLintFinding(f lint.Finding) lintFinding {
	sp := f.Location.Span
	lf := lintFinding{Code: string(f.Code), Severity: f.Severity.String(), Message: f.Message, Path: f.Location.Path,
		Start: lintPos{sp.Start.Line, sp.Start.Column, sp.Start.Offset},
		End:   lintPos{sp.End.Line, sp.End.Column, sp.End.Offset}}
	if f.Witness != nil {
		lf.Witness = &lintWitness{Action: f.Witness.Action, Resource: f.Witness.Resource}
	}
	return lf
}

// readCatalogue reads one action per line; blank lines and text after '#'
// are ignored.
func readCatalogue(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
