// Package diagseal is the one sealing format of encoded diagnostic messages
// (the EncodedDiagnosticMessage of an access-denied detail), shared by
// package apierror, which seals and opens them with a key the application
// holds, and package directory, which derives a key per account and offers
// RAM's DecodeDiagnosticMessage. It knows nothing of what a message says.
//
// A sealed message is the standard base64 (with padding) of a version byte
// (1), a 12-byte random nonce and the AES-256-GCM ciphertext of the
// message, with the account ID as additional data, so a message cannot be
// moved to another account. The functions are safe for concurrent use.
package diagseal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
)

// Version is the first byte of a sealed message.
const Version = 1

// ErrInvalid: a message is malformed (not Seal's base64 spelling, too
// short, another version) or was not sealed with this key for this account
// (or was altered).
var ErrInvalid = errors.New("invalid diagnostic message")

// Seal encrypts plain for accountID under key.
// Errors: only the random source's (none in practice).
func Seal(key *[32]byte, accountID string, plain []byte) (string, error) {
	aead, err := newGCM(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = Version
	if _, err := rand.Read(out[1:]); err != nil {
		return "", err
	}
	out = aead.Seal(out, out[1:], plain, []byte(accountID))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a message Seal produced for accountID under key. Only
// Seal's spelling is accepted (strict standard base64), so one message has
// one encoding. Errors: ErrInvalid.
func Open(key *[32]byte, accountID, encoded string) ([]byte, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(encoded)
	aead, gerr := newGCM(key)
	if err != nil || gerr != nil || len(raw) < 1+aead.NonceSize()+aead.Overhead() || raw[0] != Version {
		return nil, ErrInvalid
	}
	plain, err := aead.Open(nil, raw[1:1+aead.NonceSize()], raw[1+aead.NonceSize():], []byte(accountID))
	if err != nil {
		return nil, ErrInvalid
	}
	return plain, nil
}

func newGCM(key *[32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
