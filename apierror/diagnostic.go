package apierror

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
)

// ErrDiagnostic: an encoded diagnostic message or a diagnostic key is
// malformed, or the message was not sealed with this key for this account
// (or was altered).
var ErrDiagnostic = errors.New("invalid diagnostic message")

// DiagnosticKey is an account's AES-256 key for diagnostic messages. Only
// the account's administrator should hold it.
type DiagnosticKey [32]byte

// NewDiagnosticKey returns a random key.
func NewDiagnosticKey() (DiagnosticKey, error) {
	var k DiagnosticKey
	_, err := rand.Read(k[:])
	return k, err
}

// ParseDiagnosticKey reads a key written as 64 hex digits (String's form).
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

// String returns the key as 64 lower-case hex digits.
func (k DiagnosticKey) String() string { return hex.EncodeToString(k[:]) }

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
	// statements of its own (principal.Explanation.Reason), or is "".
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

// diagnosticVersion is the first byte of a sealed message.
const diagnosticVersion = 1

// Seal encrypts d for accountID: base64 (standard alphabet) of a version
// byte, a 12-byte random nonce and the AES-256-GCM ciphertext of d's JSON,
// with the account ID as additional data, so a message cannot be moved to
// another account. Errors: only the random source's and JSON's (none in
// practice).
func Seal(k DiagnosticKey, accountID string, d Diagnostic) (string, error) {
	plain, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	aead, err := newGCM(k)
	if err != nil {
		return "", err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = diagnosticVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return "", err
	}
	out = aead.Seal(out, out[1:], plain, []byte(accountID))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a message Seal produced for accountID. This is what RAM's
// DecodeDiagnosticMessage does for the account's administrator.
// Errors: ErrDiagnostic.
func Open(k DiagnosticKey, accountID, encoded string) (Diagnostic, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	aead, gerr := newGCM(k)
	if err != nil || gerr != nil || len(raw) < 1+aead.NonceSize()+aead.Overhead() || raw[0] != diagnosticVersion {
		return Diagnostic{}, ErrDiagnostic
	}
	nonce := raw[1 : 1+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, raw[1+aead.NonceSize():], []byte(accountID))
	if err != nil {
		return Diagnostic{}, ErrDiagnostic
	}
	var d Diagnostic
	if err := json.Unmarshal(plain, &d); err != nil {
		return Diagnostic{}, ErrDiagnostic
	}
	return d, nil
}

func newGCM(k DiagnosticKey) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
