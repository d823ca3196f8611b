package role

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ramauthz/ramauthz/internal/redact"
)

// Credentials and AssumeRoleOutput carry the session's AccessKeySecret and
// SecurityToken. Printing them (String, GoString, every fmt verb through
// Format, slog through LogValue) shows "[REDACTED]" for both; the fields
// themselves are unchanged.

func fmtTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// String returns the credentials with the secret and the token redacted.
func (c Credentials) String() string {
	return "Credentials{AccessKeyID: " + c.AccessKeyID + ", AccessKeySecret: " + redact.Mark +
		", SecurityToken: " + redact.Mark + ", Expiration: " + fmtTime(c.Expiration) + "}"
}

// GoString returns a Go-syntax form with the secret and the token redacted.
func (c Credentials) GoString() string {
	return "role.Credentials{AccessKeyID: " + strconv.Quote(c.AccessKeyID) + ", AccessKeySecret: " +
		strconv.Quote(redact.Mark) + ", SecurityToken: " + strconv.Quote(redact.Mark) +
		", Expiration: " + strconv.Quote(fmtTime(c.Expiration)) + "}"
}

// Format prints the credentials for every fmt verb, never their secrets:
// %#v is GoString, %q the quoted String, any other verb String.
func (c Credentials) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue gives slog the credentials with the secret and the token
// redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("accessKeyId", c.AccessKeyID), slog.String("accessKeySecret", redact.Mark),
		slog.String("securityToken", redact.Mark), slog.Time("expiration", c.Expiration))
}

// String returns the output with the credentials' secrets redacted.
func (o AssumeRoleOutput) String() string {
	return "AssumeRoleOutput{AssumedRoleUser: {ARN: " + o.AssumedRoleUser.ARN.String() + ", AssumedRoleID: " +
		o.AssumedRoleUser.AssumedRoleID + "}, Credentials: " + o.Credentials.String() + "}"
}

// GoString returns a Go-syntax form with the credentials' secrets redacted.
func (o AssumeRoleOutput) GoString() string {
	return "role.AssumeRoleOutput{AssumedRoleUser: role.AssumedRoleUser{ARN: principal.MustParse(" +
		strconv.Quote(o.AssumedRoleUser.ARN.String()) + "), AssumedRoleID: " + strconv.Quote(o.AssumedRoleUser.AssumedRoleID) +
		"}, Credentials: " + o.Credentials.GoString() + "}"
}

// Format prints the output for every fmt verb, never the secrets: %#v is
// GoString, %q the quoted String, any other verb String.
func (o AssumeRoleOutput) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, o.String(), o.GoString())
}

// LogValue gives slog the output with the credentials' secrets redacted.
func (o AssumeRoleOutput) LogValue() slog.Value {
	return slog.GroupValue(slog.String("arn", o.AssumedRoleUser.ARN.String()),
		slog.String("assumedRoleId", o.AssumedRoleUser.AssumedRoleID), slog.Any("credentials", o.Credentials))
}
