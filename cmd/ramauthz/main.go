// Command ramauthz validates RAM policy documents, decides requests against
// them and runs case files, from the shell and in CI.
//
//	ramauthz validate [--kind identity|trust|session] [--lenient] [--json] FILE...
//	ramauthz eval (--policy FILE | --system NAME)... --action ACTION --resource ARN
//	              [--context KEY=VALUE]... [--principal ID] [--explain] [--json]
//	ramauthz test [--json] [--verbose] FILE|DIR...
//	ramauthz lint [--kind KIND] [--json | --sarif] [--fail-on LEVEL] FILE...
//	ramauthz decode-diagnostic --key-file FILE --account UID [--json] MESSAGE
//	ramauthz authorize (--store DIR | --export FILE) --key-file FILE (--principal ARN | --access-key-id ID)
//	                   --action ACTION --resource ARN [--context KEY=VALUE]... [--explain] [--json]
//	ramauthz export --store DIR --key-file FILE [--account UID] [--out FILE]
//	ramauthz import --store DIR --key-file FILE [--force] FILE
//	ramauthz help [COMMAND]
//
// Exit codes: 0 when every file is valid, the request is allowed, or every
// case passed; 1 when a file is invalid, the request is denied, a case
// failed or no case was found; 2 for usage errors and inputs eval cannot
// use. Run "ramauthz help" for the details of every flag and of the --json
// output.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ramauthz/ramauthz/internal/fileinput"
	"github.com/ramauthz/ramauthz/policy"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the full help text
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands []*command

func init() {
	commands = []*command{validateCmd, evalCmd, testCmd, lintCmd, decodeDiagnosticCmd, diffCmd, checkNotGrantedCmd, checkAlwaysAllowsCmd, authorizeCmd, exportCmd, importCmd}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const mainUsage = `ramauthz decides, validates and tests Alibaba Cloud RAM policies.

Usage:
  ramauthz validate [--kind identity|trust|session] [--lenient] [--json] FILE...
  ramauthz eval (--policy FILE | --system NAME)... --action ACTION --resource ARN
                [--context KEY=VALUE]... [--principal ID] [--explain] [--json]
  ramauthz test [--json] [--verbose] FILE|DIR...
  ramauthz lint [--kind KIND] [--json | --sarif] [--fail-on LEVEL] FILE...
  ramauthz decode-diagnostic --key-file FILE --account UID [--json] MESSAGE
  ramauthz diff OLD NEW [--catalogue FILE] [--json]
  ramauthz check-not-granted POLICY... --action PATTERN... [--resource PATTERN]... [--json]
  ramauthz check-always-allows POLICY... --action PATTERN... [--resource PATTERN]...
                [--context KEY=VALUE]... [--json]
  ramauthz authorize (--store DIR | --export FILE) --key-file FILE
                (--principal ARN | --access-key-id ID) --action ACTION --resource ARN
                [--context KEY=VALUE]... [--explain] [--json]
  ramauthz export --store DIR --key-file FILE [--account UID] [--out FILE]
  ramauthz import --store DIR --key-file FILE [--force] FILE
  ramauthz help [COMMAND]

Commands:
  validate             check policy documents; one line per problem
  eval                 decide one request against policy files or system policies
  test                 run case files (decide, assume_role, session and invalid cases)
  lint                 find mistakes in policy documents (ERROR ... SUGGESTION findings)
  decode-diagnostic    read the EncodedDiagnosticMessage of an access-denied error
  diff                 new access a policy change grants, with witnesses
  check-not-granted    prove policies never allow some actions
  check-always-allows  prove policies allow every request of a kind
  authorize            decide for an identity of a file store or an export (read only)
  export               write a file store's directory as an export document
  import               load an export document into a file store
  help                 show this text, or the details of one command

Exit codes:
  0  every file is valid / the request is allowed / every case passed
  1  a file is invalid or unreadable / the request is denied / a case failed
     or no case was found
  2  usage error (unknown command or flag, missing argument, malformed
     --action or --resource, two spellings of one --context key), or an input
     that eval cannot use (unreadable or invalid policy, unknown system policy)
  diff, check-not-granted, check-always-allows: 0 the property holds,
     1 it fails (witnesses printed), 2 unknown (reason printed) or usage

validate, eval and test read a file only when it is a regular file (not a
directory, named pipe or device) of at most 1 MiB (policies) or 16 MiB (case
files).

Flags may come before or after file names; "--flag" and "-flag" are the same.
Every command accepts --json for machine-readable output; "ramauthz help
COMMAND" documents its shape.
`

// run is the whole program, testable in-process: it parses args (without the
// program name), writes to stdout and stderr and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 || args[0] != "help" {
			fmt.Fprint(stdout, mainUsage)
			return exitOK
		}
		if len(args) > 2 {
			fmt.Fprintln(stderr, "ramauthz help: give at most one command")
			return exitUsage
		}
		c := lookup(args[1])
		if c == nil {
			fmt.Fprintf(stderr, "ramauthz help: unknown command %q\n", args[1])
			return exitUsage
		}
		fmt.Fprint(stdout, c.usage)
		return exitOK
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "ramauthz: unknown command %q\n\n%s", args[0], mainUsage)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

// parseFlags parses args with fs, allowing flags after positional
// arguments, and returns the positional arguments. "--" ends the flags. On
// -h it prints usage to stdout and reports done; on a bad flag it prints the
// error to stderr and reports the usage exit code.
func parseFlags(fs *flag.FlagSet, usage string, args []string, stdout, stderr io.Writer) (pos []string, code int, done bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return nil, exitOK, true
		}
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz %s: %v\nRun \"ramauthz help %s\" for usage.\n", fs.Name(), err, fs.Name())
			return nil, exitUsage, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func usageError(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "ramauthz %s: %s\nRun \"ramauthz help %s\" for usage.\n", cmd, msg, cmd)
	return exitUsage
}

// maxPolicyBytes is the most a policy file given to validate or eval may
// hold: the parser's input limit (policy.DefaultLimits, 1 MiB).
var maxPolicyBytes = policy.DefaultLimits(policy.Identity).MaxInputBytes

// maxCatalogueBytes is the most an action catalogue (--catalogue, one action
// per line) may hold: 16 MiB, far above every action of every service.
const maxCatalogueBytes = 16 << 20

// readPolicyFile reads a policy document the command was pointed at. It
// refuses directories, named pipes and devices without blocking, and reads
// at most maxPolicyBytes+1 bytes (see internal/fileinput).
func readPolicyFile(name string) ([]byte, error) {
	return fileinput.Read(name, maxPolicyBytes)
}
