package role_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
)

// Issue 11 item 12: values that carry a secret or a security token never
// print it, in any fmt verb, in GoString, or through slog's text and JSON
// handlers, also when nested in another struct or behind a pointer. Before
// the fix %v printed the secret.
func TestSecretsNeverPrint(t *testing.T) {
	const a = "1234567890123456"
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	require.NoError(t, dir.CreateAccount(a))
	_, err := dir.CreateUser(a, "dave")
	require.NoError(t, err)
	key, err := dir.CreateAccessKey(a, "dave")
	require.NoError(t, err)
	dave := principal.MustParse("acs:ram::" + a + ":user/dave")
	require.NoError(t, dir.AttachPolicy(dave, principal.System, "AliyunSTSAssumeRoleAccess"))
	_, err = dir.CreateRole(a, principal.RoleSpec{Name: "ops", TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",` +
		`"Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + a + `:root"]}}]}`})
	require.NoError(t, err)
	out, err := role.New(dir).AssumeRole(role.AssumeRoleInput{Caller: dave.String(), RoleARN: "acs:ram::" + a + ":role/ops",
		RoleSessionName: "s1"})
	require.NoError(t, err)
	sess, err := dir.CreateSession(principal.SessionSpec{Role: principal.MustParse("acs:ram::" + a + ":role/ops"),
		Name: "s2", Caller: dave, Duration: 900}, dir.Generation())
	require.NoError(t, err)

	values := []struct {
		name    string
		v       any
		secrets []string
		id      string // an identifier that must stay visible
	}{
		{"principal.NewAccessKey", key, []string{key.Secret}, key.ID},
		{"principal.SessionCredentials", sess, []string{sess.AccessKeySecret, sess.SecurityToken}, sess.AccessKeyID},
		{"role.Credentials", out.Credentials, []string{out.Credentials.AccessKeySecret, out.Credentials.SecurityToken}, out.Credentials.AccessKeyID},
		{"role.AssumeRoleOutput", out, []string{out.Credentials.AccessKeySecret, out.Credentials.SecurityToken}, out.Credentials.AccessKeyID},
	}
	for _, tc := range values {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.secrets {
				require.NotEmpty(t, s)
			}
			var printed []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10.3v"} {
				printed = append(printed, fmt.Sprintf(verb, tc.v))
			}
			// Behind a pointer and nested in the caller's own struct.
			nested := struct {
				Label string
				V     any
			}{"n", tc.v}
			ptr := reflect.New(reflect.TypeOf(tc.v))
			ptr.Elem().Set(reflect.ValueOf(tc.v))
			printed = append(printed, fmt.Sprintf("%v", ptr.Interface()), fmt.Sprintf("%+v", ptr.Interface()), fmt.Sprintf("%+v", nested), fmt.Sprintf("%#v", nested),
				fmt.Sprint(tc.v), fmt.Sprintln(tc.v))
			if s, ok := tc.v.(fmt.Stringer); ok {
				printed = append(printed, s.String())
			} else {
				t.Errorf("%s has no String method", tc.name)
			}
			if g, ok := tc.v.(fmt.GoStringer); ok {
				printed = append(printed, g.GoString())
			} else {
				t.Errorf("%s has no GoString method", tc.name)
			}
			if _, ok := tc.v.(slog.LogValuer); !ok {
				t.Errorf("%s has no LogValue method", tc.name)
			}
			for _, h := range []func(*bytes.Buffer) slog.Handler{
				func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
				func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			} {
				var b bytes.Buffer
				slog.New(h(&b)).Info("issued", "value", tc.v)
				printed = append(printed, b.String())
			}
			for _, p := range printed {
				for _, s := range tc.secrets {
					assert.NotContains(t, p, s)
				}
				if !strings.Contains(p, "REDACTED") {
					t.Errorf("no redaction mark in %q", p)
				}
			}
			// The identifier stays readable where the value is shown in full.
			assert.Contains(t, printed[0], tc.id)
		})
	}
}
