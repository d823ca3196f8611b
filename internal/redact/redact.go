// Package redact formats values that carry a secret (an AccessKey secret, a
// security token) so that the secret never reaches a log or an error
// message: fmt's verbs, slog handlers and GoString all see Mark instead.
//
// The types that carry secrets (principal.NewAccessKey,
// principal.SessionCredentials, role.Credentials, role.AssumeRoleOutput)
// implement fmt.Stringer, fmt.GoStringer, fmt.Formatter and slog.LogValuer
// with the helpers here. Their fields stay readable in code: redaction is of
// printing, not of the values.
package redact

import (
	"fmt"
	"io"
	"strconv"
)

// Mark replaces a secret in printed output.
const Mark = "[REDACTED]"

// Format writes a value that carries a secret for any fmt verb: gostring
// for %#v, s quoted for %q, s for every other verb (%v, %+v, %s, %d, ...).
// Width, precision and other flags are ignored. s and gostring must
// already be redacted.
func Format(f fmt.State, verb rune, s, gostring string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, gostring)
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(s))
	default:
		_, _ = io.WriteString(f, s)
	}
}
