package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/ramauthz/ramauthz/apierror"
)

var decodeDiagnosticCmd = &command{
	name:    "decode-diagnostic",
	summary: "read the EncodedDiagnosticMessage of an access-denied error",
	usage: `Usage: ramauthz decode-diagnostic --key-file FILE --account UID [--json] MESSAGE

Decrypts the EncodedDiagnosticMessage of an AccessDeniedDetail (RAM's
DecodeDiagnosticMessage): which identity was refused which action on which
resource, when, and which statements decided. Only the account's
administrator holds the key (64 hex digits in FILE, a regular file of at
most 4 KiB, surrounding white space ignored); the message was sealed for the
account UID and opens only for it. MESSAGE "-" reads the message (at most
1 MiB) from standard input.

Output: lines "principal: ARN", "action: ACTION", "resource: ARN",
"decision: ImplicitDeny|ExplicitDeny", "time: RFC3339", then one
"statement: ..." line per statement that applied and one "near miss: ..."
line per statement a condition stopped. A field holding a character that is
not printable (it may come from what the refused caller sent) is printed
quoted, in Go syntax.

Flags:
  --key-file FILE  the account's diagnostic key
  --account UID    the account the message was sealed for
  --json           print the diagnostic as one JSON object:
                   {"principal", "action", "resource", "decision",
                    "statements": [...], "nearMisses": [...], "time"}

Exit codes: 0 decoded; 1 the message does not open with this key and
account (malformed, altered, or sealed for another account); 2 usage error
or an unreadable or malformed key file.
`,
}

func init() { decodeDiagnosticCmd.run = runDecodeDiagnostic }

func runDecodeDiagnostic(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode-diagnostic", flag.ContinueOnError)
	keyFile := fs.String("key-file", "", "")
	account := fs.String("account", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, code, done := parseFlags(fs, decodeDiagnosticCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "ramauthz decode-diagnostic: %s\nRun \"ramauthz help decode-diagnostic\" for usage.\n", msg)
		return exitUsage
	}
	switch {
	case *keyFile == "" || *account == "":
		return usage("--key-file and --account are required")
	case len(pos) != 1:
		return usage("give exactly one MESSAGE")
	}
	raw, err := readKeyFile(*keyFile)
	if err != nil {
		return usage(*keyFile + ": " + readMessage(err))
	}
	key, err := apierror.ParseDiagnosticKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return usage(*keyFile + ": want 64 hex digits")
	}
	msg := pos[0]
	if msg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, maxDiagnosticMessage+1))
		if err != nil {
			return usage(err.Error())
		}
		if len(b) > maxDiagnosticMessage {
			return usage("the message on standard input is longer than 1 MiB")
		}
		msg = string(b)
	}
	d, err := apierror.Open(key, *account, strings.TrimSpace(msg))
	if err != nil {
		fmt.Fprintln(stderr, "ramauthz decode-diagnostic: the message does not open with this key for account "+*account)
		return exitFail
	}
	if *asJSON {
		b, err := json.Marshal(d)
		if err != nil {
			fmt.Fprintln(stderr, "ramauthz decode-diagnostic:", err)
			return exitFail
		}
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	fmt.Fprintf(stdout, "principal: %s\naction: %s\nresource: %s\ndecision: %s\ntime: %s\n",
		printable(d.Principal), printable(d.Action), printable(d.Resource), printable(d.Decision),
		d.Time.Format("2006-01-02T15:04:05Z07:00"))
	for _, s := range d.Statements {
		fmt.Fprintln(stdout, "statement:", printable(s))
	}
	for _, s := range d.NearMisses {
		fmt.Fprintln(stdout, "near miss:", printable(s))
	}
	return exitOK
}

// stdin is where MESSAGE "-" is read from (a variable for tests).
var stdin io.Reader = os.Stdin

// Bounds of decode-diagnostic's inputs (bytes): a key file holds 64 hex
// digits and white space; a sealed message is far below 1 MiB.
const (
	maxKeyFile           = 4 << 10
	maxDiagnosticMessage = 1 << 20
)

// readKeyFile reads a small regular file: a FIFO, a device or a file longer
// than maxKeyFile is refused without reading it all.
func readKeyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, errors.New("longer than 4 KiB")
	}
	return b, nil
}

// printable returns s as is when every character is printable, else quoted
// in Go syntax: a field of a diagnostic can hold what a caller sent (the
// resource of a request path), and must not reach the administrator's
// terminal as control sequences.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
