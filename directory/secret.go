package directory

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Secret holds a secret value (an AccessKeySecret, a SecurityToken) that
// must not end up in logs. It prints as "[REDACTED]" through String,
// GoString, every fmt verb and slog; Reveal returns the value. The zero
// Secret is empty.
type Secret struct{ v string }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

const redacted = "[REDACTED]"

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]".
func (s Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[REDACTED]" as a slog value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]", so encoders cannot leak the value
// either.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns prefix and n letters and digits drawn uniformly
// with crypto/rand.
func randomString(prefix string, n int) (string, error) {
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	var buf [64]byte
	for len(out) < len(prefix)+n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c < 248 && len(out) < len(prefix)+n { // 248 = 4*62 keeps the draw uniform
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// String returns the AccessKeyId with the SecurityToken redacted:
// "{STS.xxx [REDACTED]}". GoString, every fmt verb and slog print the
// same, so logging an AssumeRoleInput that carries a calling session's
// credentials does not leak its token.
func (c SessionCredentials) String() string {
	return "{" + c.AccessKeyID + " " + redacted + "}"
}

// GoString returns what String does.
func (c SessionCredentials) GoString() string { return c.String() }

// Format writes what String does, for every verb.
func (c SessionCredentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue groups the AccessKeyId with the SecurityToken redacted.
func (c SessionCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("AccessKeyID", c.AccessKeyID), slog.String("SecurityToken", redacted))
}

// MarshalJSON writes {"AccessKeyID": ..., "SecurityToken": "[REDACTED]"},
// so JSON encoders (slog's JSON handler among them) cannot leak the token
// either.
func (c SessionCredentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ AccessKeyID, SecurityToken string }{c.AccessKeyID, redacted})
}

var (
	_ fmt.Stringer   = SessionCredentials{}
	_ fmt.GoStringer = SessionCredentials{}
	_ fmt.Formatter  = SessionCredentials{}
	_ slog.LogValuer = SessionCredentials{}
)
