package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store/filestore"
)

// The commands on a directory kept in a file store: authorize (read only),
// export and import.

const keyFileHelp = `  --key-file FILE     the directory's key-encryption key: 64 hexadecimal
                      digits (32 bytes; surrounding white space ignored).
                      Secrets and token keys are sealed under it; without
                      the right key the store does not open.`

var authorizeCmd = &command{
	name:    "authorize",
	summary: "decide for a principal of a stored directory",
	usage: `Usage: ramauthz authorize (--store DIR | --export FILE) --key-file FILE
                          (--principal ARN | --access-key-id ID)
                          --action ACTION --resource ARN
                          [--context KEY=VALUE]... [--explain] [--json]

Decides one request for an identity of a directory kept in a file store
(the folder a service opens with filestore.Open) or saved by "ramauthz
export", exactly as the service would: the identity's attached and group
policies, access-key status, and the cross-account rules. Nothing is
written. A file store admits one process at a time: for a store a running
service holds, decide against an export of it.

Flags:
  --store DIR         a file store folder (it must exist and hold a directory)
  --export FILE       an export document (scope directory or account)
` + keyFileHelp + `
  --principal ARN     a RAM user or account root: acs:ram::<uid>:user/<name>
                      or acs:ram::<uid>:root
  --access-key-id ID  decide for the owner of an AccessKey (an inactive or
                      deleted key is refused)
  --action ACTION     the action, such as ecs:DescribeInstances (required)
  --resource ARN      the resource (required; may be "*")
  --context KEY=VALUE a condition key of the request; repeat a key for a
                      multi-valued key
  --explain           also print the layer that decided and the statements
  --json              print one JSON object (see below)

Exit codes: 0 Allow; 1 ExplicitDeny, ImplicitDeny, or an identity the
directory refuses (unknown, inactive key); 2 usage error, or a store or
export that cannot be read.

JSON output (--json):
  {"decision": "Allow" | "ExplicitDeny" | "ImplicitDeny", "revision": N,
   "principal": ARN, "access_key_id": ID, "action": A, "resource": R,
   "error": TEXT, "explanation": TEXT}
"access_key_id", "error" and "explanation" are present only when given or
when they apply. Secrets never appear.
`,
}

var exportCmd = &command{
	name:    "export",
	summary: "write a stored directory as an export document",
	usage: `Usage: ramauthz export --store DIR --key-file FILE [--account UID] [--out FILE]

Writes the directory kept in a file store as an export document (JSON,
secrets and token keys sealed, the revision it was taken at inside), to
standard output or to --out (created 0600). With --account, only that
account. The store must not be open in another process.

Flags:
  --store DIR     the file store folder (required)
` + keyFileHelp + `
  --account UID   export one account (16 digits)
  --out FILE      write here instead of standard output

Exit codes: 0 written; 1 no such account; 2 usage error, or a store that
cannot be opened.
`,
}

var importCmd = &command{
	name:    "import",
	summary: "load an export document into a file store",
	usage: `Usage: ramauthz import --store DIR --key-file FILE [--force] FILE

Imports an export document into the directory kept in a file store (the
folder is created when missing): a document of scope directory replaces
everything, one of scope account replaces that account. An export older
than the state it replaces is refused unless --force; even then deleted
AccessKeys stay deleted and session cut-offs never move back. Prints the
revision the store reached. The store must not be open in another process.

Flags:
  --store DIR     the file store folder (required)
` + keyFileHelp + `
  --force         import an outdated export anyway

Exit codes: 0 imported; 1 the document was refused (invalid, outdated,
sealed under another key); 2 usage error, or a store that cannot be opened.
`,
}

func init() {
	authorizeCmd.run = runAuthorize
	exportCmd.run = runExport
	importCmd.run = runImport
}

// readKEK reads a key file of 64 hexadecimal digits.
func readKEK(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, readMessage(err))
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s: want 64 hexadecimal digits (a 32-byte key)", path)
	}
	return k, nil
}

// openStore opens the directory in a file store folder. mustExist refuses
// a missing folder (a read-only command must not create one).
func openStore(dir string, kek []byte, mustExist bool) (*directory.Directory, func(), error) {
	if mustExist {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, nil, fmt.Errorf("%s: no such store folder", dir)
		}
	}
	fs, err := filestore.Open(dir, filestore.Options{})
	if err != nil {
		return nil, nil, err
	}
	if mustExist {
		if h, err := fs.Head(context.Background()); err != nil || h.Rev == 0 {
			_ = fs.Close()
			if err == nil {
				err = fmt.Errorf("%s: the store is empty", dir)
			}
			return nil, nil, err
		}
	}
	d, err := directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: kek})
	if err != nil {
		_ = fs.Close()
		return nil, nil, err
	}
	return d, func() { _ = d.Close(); _ = fs.Close() }, nil
}

type authorizeOutput struct {
	Decision    string `json:"decision"`
	Revision    uint64 `json:"revision"`
	Principal   string `json:"principal,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"`
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	Error       string `json:"error,omitempty"`
	Explanation string `json:"explanation,omitempty"`
}

func runAuthorize(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("authorize", flag.ContinueOnError)
	var ctxs listFlag
	fs.Var(&ctxs, "context", "")
	storeDir := fs.String("store", "", "")
	exportFile := fs.String("export", "", "")
	keyFile := fs.String("key-file", "", "")
	who := fs.String("principal", "", "")
	keyID := fs.String("access-key-id", "", "")
	action := fs.String("action", "", "")
	resource := fs.String("resource", "", "")
	explain := fs.Bool("explain", false, "")
	asJSON := fs.Bool("json", false, "")
	extra, code, done := parseFlags(fs, authorizeCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(extra) > 0:
		return usageError(stderr, "authorize", "unexpected argument "+extra[0])
	case (*storeDir == "") == (*exportFile == ""):
		return usageError(stderr, "authorize", "give one of --store DIR and --export FILE")
	case *keyFile == "":
		return usageError(stderr, "authorize", "--key-file is required")
	case (*who == "") == (*keyID == ""):
		return usageError(stderr, "authorize", "give one of --principal ARN and --access-key-id ID")
	case *action == "":
		return usageError(stderr, "authorize", "--action is required")
	case *resource == "":
		return usageError(stderr, "authorize", "--resource is required")
	}
	kek, err := readKEK(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz authorize: %v\n", err)
		return exitUsage
	}
	req := evaluator.Request{Action: *action, Resource: *resource}
	if len(ctxs) > 0 {
		req.Context = new(evaluator.Context)
		values := map[string][]string{}
		var order []string
		for _, kv := range ctxs {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usageError(stderr, "authorize", fmt.Sprintf("--context wants KEY=VALUE; got %q", kv))
			}
			if _, seen := values[k]; !seen {
				order = append(order, k)
			}
			values[k] = append(values[k], v)
		}
		for _, k := range order {
			req.Context.Set(k, values[k]...)
		}
	}
	var id principal.ID
	if *who != "" {
		if id, err = principal.Parse(*who); err != nil {
			return usageError(stderr, "authorize", err.Error())
		}
	}

	var d *directory.Directory
	if *storeDir != "" {
		var closeFn func()
		if d, closeFn, err = openStore(*storeDir, kek, true); err != nil {
			fmt.Fprintf(stderr, "ramauthz authorize: %v\n", err)
			return exitUsage
		}
		defer closeFn()
	} else {
		data, err := os.ReadFile(*exportFile)
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz authorize: %s: %s\n", *exportFile, readMessage(err))
			return exitUsage
		}
		if d, err = directory.New(directory.Options{KeyEncryptionKey: kek}); err == nil {
			_, err = d.Import(data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz authorize: %s: %v\n", *exportFile, err)
			return exitUsage
		}
	}

	out := authorizeOutput{Principal: *who, AccessKeyID: *keyID, Action: *action, Resource: *resource}
	var res directory.Result
	var derr error
	if *keyID != "" {
		res, derr = d.AuthorizeAccessKey(*keyID, req)
		if derr == nil && *explain {
			owner, _, err := d.AccessKeySecret(*keyID) // the secret is dropped unread
			if err == nil {
				id, out.Principal = owner, owner.String()
			}
		}
	} else {
		res, derr = d.Authorize(id, req)
	}
	out.Decision, out.Revision = res.Decision.String(), uint64(res.Revision)
	if derr != nil {
		out.Error = derr.Error()
	}
	if *explain && derr == nil && id.IsValid() {
		if x, err := d.Explain(id, req); err == nil {
			out.Explanation = x.String()
		}
	}
	if *asJSON {
		writeJSON(stdout, out)
	} else {
		fmt.Fprintf(stdout, "%s (revision %d)\n", out.Decision, out.Revision)
		if out.Error != "" {
			fmt.Fprintf(stdout, "refused: %s\n", out.Error)
		}
		if out.Explanation != "" {
			fmt.Fprintln(stdout, out.Explanation)
		}
	}
	if res.Decision == evaluator.Allow {
		return exitOK
	}
	return exitFail
}

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	storeDir := fs.String("store", "", "")
	keyFile := fs.String("key-file", "", "")
	account := fs.String("account", "", "")
	outFile := fs.String("out", "", "")
	extra, code, done := parseFlags(fs, exportCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(extra) > 0:
		return usageError(stderr, "export", "unexpected argument "+extra[0])
	case *storeDir == "":
		return usageError(stderr, "export", "--store is required")
	case *keyFile == "":
		return usageError(stderr, "export", "--key-file is required")
	}
	kek, err := readKEK(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz export: %v\n", err)
		return exitUsage
	}
	d, closeFn, err := openStore(*storeDir, kek, true)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz export: %v\n", err)
		return exitUsage
	}
	defer closeFn()
	var data []byte
	if *account != "" {
		data, err = d.ExportAccount(*account)
	} else {
		data, err = d.Export()
	}
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz export: %v\n", err)
		return exitFail
	}
	data = append(data, '\n')
	if *outFile == "" {
		_, _ = stdout.Write(data)
		return exitOK
	}
	if err := os.WriteFile(*outFile, data, 0o600); err != nil {
		fmt.Fprintf(stderr, "ramauthz export: %v\n", err)
		return exitUsage
	}
	return exitOK
}

func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	storeDir := fs.String("store", "", "")
	keyFile := fs.String("key-file", "", "")
	force := fs.Bool("force", false, "")
	files, code, done := parseFlags(fs, importCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(files) != 1:
		return usageError(stderr, "import", "give exactly one export FILE")
	case *storeDir == "":
		return usageError(stderr, "import", "--store is required")
	case *keyFile == "":
		return usageError(stderr, "import", "--key-file is required")
	}
	kek, err := readKEK(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz import: %v\n", err)
		return exitUsage
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz import: %s: %s\n", files[0], readMessage(err))
		return exitUsage
	}
	d, closeFn, err := openStore(*storeDir, kek, false)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz import: %v\n", err)
		return exitUsage
	}
	defer closeFn()
	// One batch per account (PerAccount): a whole-directory export restored into a store
	// is several accounts. The file store has this one process as its writer, so nobody
	// sees a half-done import; one interrupted by a crash is completed by running it again
	// (what is already there is not written twice).
	rev, err := d.ImportWith(data, directory.ImportOptions{Force: *force, PerAccount: true})
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz import: %s: %v\n", files[0], err)
		if errors.Is(err, directory.ErrUnavailable) {
			return exitUsage
		}
		return exitFail
	}
	fmt.Fprintf(stdout, "imported %s at revision %d\n", files[0], rev)
	return exitOK
}
