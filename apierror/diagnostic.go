package apierror

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/diagseal"
)

// ErrDiagnostic: an encoded diagnostic message or a diagnostic key is
// malformed, or the message was not sealed with this key for this account
// (or was altered).
var ErrDiagnostic = errors.New("invalid diagnostic message")

// DiagnosticKey is an account's AES-256 key for diagnostic messages, for
// services that keep the keys themselves. Only the account's administrator
// should hold it. (A service on package directory can instead let the
// directory hold one key per account: Directory.EncodeDiagnosticMessage
// seals the JSON of a Diagnostic in the same format, and
// Directory.DecodeDiagnosticMessage, RAM's API, opens it.) Printing a key (fmt with any
// verb, String, GoString, slog) shows "[REDACTED]", so a logged
// configuration does not give it away; Hex writes it out on purpose.
type DiagnosticKey [32]byte

const redacted = "[REDACTED]"

// NewDiagnosticKey returns a random key.
func NewDiagnosticKey() (DiagnosticKey, error) {
	var k DiagnosticKey
	_, err := rand.Read(k[:])
	return k, err
}

// ParseDiagnosticKey reads a key written as 64 hex digits (Hex's form).
// Errors: ErrDiagnostic.
func ParseDiagnosticKey(s string) (DiagnosticKey, error) {
	var k DiagnosticKey
	if len(s) != 2*len(k) {
		return DiagnosticKey{}, ErrDiagnostic
	}
	if _, err := hex.Decode(k[:], []byte(s)); err != nil {
		return DiagnosticKey{}, ErrDiagnostic
	}
	return k, nil
}

// Hex returns the key as 64 lower-case hex digits, the form of the
// administrator's key file (ParseDiagnosticKey, ramauthz decode-diagnostic).
func (k DiagnosticKey) Hex() string { return hex.EncodeToString(k[:]) }

// String returns "[REDACTED]"; use Hex to write the key out.
func (k DiagnosticKey) String() string { return redacted }

// GoString returns "[REDACTED]".
func (k DiagnosticKey) GoString() string { return redacted }

// Format prints "[REDACTED]" for every verb (%x included).
func (k DiagnosticKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue logs "[REDACTED]".
func (k DiagnosticKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// Diagnostic is what an encoded diagnostic message says: who was refused
// what, when, and which statements decided.
type Diagnostic struct {
	Principal  string   `json:"principal"` // ARN of the refused identity
	Action     string   `json:"action"`
	Resource   string   `json:"resource"`
	Decision   string   `json:"decision"`             // ImplicitDeny or ExplicitDeny
	Statements []string `json:"statements,omitempty"` // "Deny policy P Statement[0] (Sid S)", in order
	NearMisses []string `json:"nearMisses,omitempty"` // statements a condition stopped
	// Reason says in one line why, when the deciding layer has no
	// statements of its own (such as the account boundary), or is "".
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
}

// NewDiagnostic describes a refusal from its explanation (the statements;
// set Reason from a directory's explanation when it has one).
func NewDiagnostic(principalARN, action, resource string, x evaluator.Explanation, at time.Time) Diagnostic {
	d := Diagnostic{Principal: principalARN, Action: action, Resource: resource, Decision: x.Decision.String(), Time: at.UTC()}
	for _, m := range x.Matched {
		d.Statements = append(d.Statements, describe(m))
	}
	for _, n := range x.NearMisses {
		d.NearMisses = append(d.NearMisses, describe(n.Match)+" stopped by "+n.Operator.String())
	}
	return d
}

func describe(m evaluator.Match) string {
	s := m.Effect.String() + " policy " + m.PolicyID + " " + m.Path
	if m.Sid != "" {
		s += " (Sid " + m.Sid + ")"
	}
	return s
}

// Seal encrypts d for accountID: base64 (standard alphabet) of a version
// byte, a 12-byte random nonce and the AES-256-GCM ciphertext of d's JSON,
// with the account ID as additional data, so a message cannot be moved to
// another account. (directory.Directory.EncodeDiagnosticMessage seals in
// the same format under a key the directory derives per account.)
// Errors: only the random source's and JSON's (none in practice).
func Seal(k DiagnosticKey, accountID string, d Diagnostic) (string, error) {
	plain, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	return diagseal.Seal((*[32]byte)(&k), accountID, plain)
}

// Open decrypts a message Seal produced for accountID. This is what RAM's
// DecodeDiagnosticMessage does for the account's administrator. Only Seal's
// spelling (strict standard base64) is accepted.
// Errors: ErrDiagnostic.
func Open(k DiagnosticKey, accountID, encoded string) (Diagnostic, error) {
	plain, err := diagseal.Open((*[32]byte)(&k), accountID, encoded)
	if err != nil {
		return Diagnostic{}, ErrDiagnostic
	}
	var d Diagnostic
	if err := json.Unmarshal(plain, &d); err != nil {
		return Diagnostic{}, ErrDiagnostic
	}
	return d, nil
}
