package principal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ramauthz/ramauthz/internal/redact"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns prefix followed by n characters drawn uniformly from
// letters and digits with crypto/rand.
func randomString(prefix string, n int) (string, error) {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	var buf [64]byte
	for len(b) < len(prefix)+n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			// 248 = 4*62: rejecting larger bytes keeps the draw uniform.
			if c < 248 && len(b) < len(prefix)+n {
				b = append(b, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(b), nil
}

func hashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// hashEqual reports whether secret hashes to h, comparing in constant time.
func hashEqual(h [32]byte, secret string) bool {
	g := hashSecret(secret)
	return subtle.ConstantTimeCompare(h[:], g[:]) == 1
}

// Values that carry a secret print it as redact.Mark in every form: String,
// GoString, every fmt verb (Format) and slog (LogValue). Their fields stay
// readable in code; only printing is redacted.

func fmtTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// String returns the key's metadata with the secret redacted.
func (k NewAccessKey) String() string {
	return "NewAccessKey{ID: " + k.ID + ", User: " + k.User.String() + ", Status: " + k.Status.String() +
		", Created: " + fmtTime(k.Created) + ", Secret: " + redact.Mark + "}"
}

// GoString returns a Go-syntax form with the secret redacted (for %#v).
func (k NewAccessKey) GoString() string {
	return "principal.NewAccessKey{AccessKey: principal.AccessKey{ID: " + strconv.Quote(k.ID) +
		", User: principal.MustParse(" + strconv.Quote(k.User.String()) + "), Status: principal." + k.Status.String() +
		", Created: " + strconv.Quote(fmtTime(k.Created)) + "}, Secret: " + strconv.Quote(redact.Mark) + "}"
}

// Format prints the key for every fmt verb, never its secret: %#v is
// GoString, %q the quoted String, any other verb String.
func (k NewAccessKey) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, k.String(), k.GoString())
}

// LogValue gives slog the key's metadata, with the secret redacted.
func (k NewAccessKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("user", k.User.String()),
		slog.String("status", k.Status.String()), slog.Time("created", k.Created), slog.String("secret", redact.Mark))
}

// String returns the session credentials with the AccessKeySecret and the
// SecurityToken redacted.
func (c SessionCredentials) String() string {
	return "SessionCredentials{ARN: " + c.ARN.String() + ", AssumedRoleID: " + c.AssumedRoleID +
		", AccessKeyID: " + c.AccessKeyID + ", AccessKeySecret: " + redact.Mark + ", SecurityToken: " + redact.Mark +
		", Issued: " + fmtTime(c.Issued) + ", Expiration: " + fmtTime(c.Expiration) + "}"
}

// GoString returns a Go-syntax form with the secrets redacted (for %#v).
func (c SessionCredentials) GoString() string {
	return "principal.SessionCredentials{ARN: principal.MustParse(" + strconv.Quote(c.ARN.String()) +
		"), AssumedRoleID: " + strconv.Quote(c.AssumedRoleID) + ", AccessKeyID: " + strconv.Quote(c.AccessKeyID) +
		", AccessKeySecret: " + strconv.Quote(redact.Mark) + ", SecurityToken: " + strconv.Quote(redact.Mark) +
		", Issued: " + strconv.Quote(fmtTime(c.Issued)) + ", Expiration: " + strconv.Quote(fmtTime(c.Expiration)) + "}"
}

// Format prints the credentials for every fmt verb, never their secrets:
// %#v is GoString, %q the quoted String, any other verb String.
func (c SessionCredentials) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, c.String(), c.GoString())
}

// LogValue gives slog the credentials with the secrets redacted.
func (c SessionCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("arn", c.ARN.String()), slog.String("assumedRoleId", c.AssumedRoleID),
		slog.String("accessKeyId", c.AccessKeyID), slog.String("accessKeySecret", redact.Mark),
		slog.String("securityToken", redact.Mark), slog.Time("issued", c.Issued), slog.Time("expiration", c.Expiration))
}
