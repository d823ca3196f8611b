package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ramauthz/ramauthz/authztest/casefile"
	"github.com/ramauthz/ramauthz/policy"
)

var validateCmd = &command{
	name:    "validate",
	summary: "check policy documents",
	usage: `Usage: ramauthz validate [--kind identity|trust|session] [--lenient] [--json] FILE...

Parses every FILE as a RAM policy document of the given kind and reports the
problems, one line each:

  FILE:LINE:COL: JSON.PATH: message

The parser stops at the first problem of a file, so each invalid file gives
one line. LINE and COL are 1-based (COL counts bytes); the JSON path is left
out when the problem concerns the document as a whole. A file that cannot be
read gives "FILE: message": directories, named pipes and devices are refused
without reading them, and so is a file larger than 1 MiB (1,048,576 bytes).
Nothing is printed for valid files.

Flags:
  --kind KIND   identity (default), trust (role trust policies; Principal
                required, Resource optional) or session (AssumeRole session
                policies; 2,048-character limit)
  --lenient     accept a Statement given as one object instead of a list
  --json        print one JSON object instead of lines (see below)

Exit codes: 0 every file is valid; 1 some file is invalid or unreadable;
2 usage error (no FILE, unknown flag or kind).

JSON output (--json), always on stdout:
  {"valid": BOOL,
   "files": [{"file": NAME, "kind": KIND, "valid": BOOL,
              "problem": {"line": N, "column": N, "offset": N, "path": PATH,
                          "error": SENTINEL, "message": TEXT}}]}
"problem" is present only for invalid files. SENTINEL names what is wrong:
ErrSyntax, ErrDuplicateKey, ErrUnknownElement, ErrMissing, ErrInvalid,
ErrConflict, ErrLimit, or "ErrRead" for a file that cannot be read (line,
column and path are then 0, 0 and ""; offset is -1).
`,
}

func init() { validateCmd.run = runValidate }

type validateProblem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Offset  int    `json:"offset"`
	Path    string `json:"path"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

type validateFile struct {
	File    string           `json:"file"`
	Kind    string           `json:"kind"`
	Valid   bool             `json:"valid"`
	Problem *validateProblem `json:"problem,omitempty"`
}

type validateOutput struct {
	Valid bool           `json:"valid"`
	Files []validateFile `json:"files"`
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	kindName := fs.String("kind", "identity", "")
	lenient := fs.Bool("lenient", false, "")
	asJSON := fs.Bool("json", false, "")
	files, code, done := parseFlags(fs, validateCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	kind, err := policy.ParseKind(*kindName)
	if err != nil {
		return usageError(stderr, "validate", fmt.Sprintf("unknown --kind %q (want identity, trust or session)", *kindName))
	}
	if len(files) == 0 {
		return usageError(stderr, "validate", "no FILE given")
	}
	opts := []policy.Option{policy.WithKind(kind)}
	if *lenient {
		opts = append(opts, policy.Lenient())
	}
	out := validateOutput{Valid: true, Files: []validateFile{}}
	for _, name := range files {
		f := validateFile{File: name, Kind: kind.String(), Valid: true}
		line := ""
		data, err := readPolicyFile(name)
		if err != nil {
			f.Problem = &validateProblem{Offset: -1, Error: "ErrRead", Message: readMessage(err)}
			line = name + ": " + f.Problem.Message
		} else if _, err := policy.Parse(data, append(opts, policy.WithFile(name))...); err != nil {
			var pe *policy.ParseError
			if !errors.As(err, &pe) { // Parse documents that it returns only *ParseError
				pe = &policy.ParseError{File: name, Offset: -1, Msg: err.Error()}
			}
			f.Problem = &validateProblem{
				Line: pe.Line, Column: pe.Column, Offset: pe.Offset, Path: pe.Path,
				Error: casefile.SentinelName(pe), Message: problemMessage(pe),
			}
			line = problemLine(pe)
		}
		if f.Problem != nil {
			f.Valid, out.Valid = false, false
			if !*asJSON {
				fmt.Fprintln(stdout, line)
			}
		}
		out.Files = append(out.Files, f)
	}
	if *asJSON {
		writeJSON(stdout, out)
	}
	if !out.Valid {
		return exitFail
	}
	return exitOK
}

// problemMessage is what is wrong, without the position: the sentinel's
// text and the details.
func problemMessage(pe *policy.ParseError) string {
	m := "error"
	if pe.Err != nil {
		m = pe.Err.Error()
	}
	if pe.Msg != "" {
		m += ": " + pe.Msg
	}
	return m
}

// problemLine renders FILE:LINE:COL: PATH: message, leaving out what is
// unknown.
func problemLine(pe *policy.ParseError) string {
	s := pe.File + ":"
	if pe.Line > 0 {
		s += fmt.Sprintf("%d:%d:", pe.Line, pe.Column)
	}
	s += " "
	if pe.Path != "" {
		s += pe.Path + ": "
	}
	return s + problemMessage(pe)
}

// readMessage shortens an os error to what matters to the user.
func readMessage(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
