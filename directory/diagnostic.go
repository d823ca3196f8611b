package directory

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/ramauthz/ramauthz/internal/diagseal"
)

// Encoded diagnostic messages (the EncodedDiagnosticMessage of RAM's
// access-denied detail) are sealed per account with a key the directory
// derives from its key-encryption key: HMAC-SHA256 of the account ID under
// HMAC-SHA256("ramauthz diagnostic messages") of the key-encryption key.
// The keys are not state: they are the same in every Directory made with
// the same Options.KeyEncryptionKey (so a message sealed before a restart
// decodes after it) and never leave the directory. The sealed format is
// the one apierror.Seal writes (internal/diagseal: AES-256-GCM with the
// account ID as additional data); only the key differs.

// diagnosticRoot derives the root of the accounts' diagnostic keys.
func diagnosticRoot(kek []byte) [32]byte {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("ramauthz diagnostic messages"))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// diagnosticKey returns account uid's diagnostic key.
func (d *Directory) diagnosticKey(uid string) *[32]byte {
	m := hmac.New(sha256.New, d.diagnostic[:])
	m.Write([]byte(uid))
	var k [32]byte
	m.Sum(k[:0])
	return &k
}

// EncodeDiagnosticMessage seals message (the JSON of an
// apierror.Diagnostic, or any text) for the administrator of account uid,
// for the EncodedDiagnosticMessage of an access-denied response: standard
// base64, at most about 4/3 of (len(message) + 29) bytes. Only
// DecodeDiagnosticMessage of a directory with the same key-encryption key
// opens it, and only for the same account.
// Errors: ErrNotFound (no such account), ErrInvalid (the random source
// failed).
func (d *Directory) EncodeDiagnosticMessage(uid string, message []byte) (string, error) {
	const op = "EncodeDiagnosticMessage"
	if d.cur.Load().account(uid) == nil {
		return "", errf(op, uid, ErrNotFound, "no such account")
	}
	out, err := diagseal.Seal(d.diagnosticKey(uid), uid, message)
	if err != nil {
		return "", &Error{Op: op, Subject: uid, Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	return out, nil
}

// DecodeDiagnosticMessage is RAM's DecodeDiagnosticMessage: it opens an
// encoded diagnostic message sealed by EncodeDiagnosticMessage for account
// uid and returns the decoded message (for the directory's services, the
// JSON of an apierror.Diagnostic: who was refused what, when, and which
// statements decided). Call it on behalf of the account's administrator
// only: the message says which of the account's policies refused.
// Errors: ErrNotFound (no such account), ErrInvalid (the message is
// malformed, altered, sealed for another account, or by a directory with
// another key-encryption key).
func (d *Directory) DecodeDiagnosticMessage(uid, encoded string) (string, error) {
	const op = "DecodeDiagnosticMessage"
	if d.cur.Load().account(uid) == nil {
		return "", errf(op, uid, ErrNotFound, "no such account")
	}
	plain, err := diagseal.Open(d.diagnosticKey(uid), uid, encoded)
	if err != nil {
		return "", &Error{Op: op, Subject: uid, Err: ErrInvalid, Msg: "not a diagnostic message of this account", Cause: err}
	}
	return string(plain), nil
}
