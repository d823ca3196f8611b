package apierror

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

func TestDeniedResponseJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	x := evaluator.Explanation{Decision: evaluator.ExplicitDeny, Matched: []evaluator.Match{
		{PolicyID: principal.SessionPolicyID, Path: "Statement[0]", Effect: policy.Deny}}}
	WriteDenied(rec, httptest.NewRequest("GET", "/", nil), Denial{Action: "arms:GetTrace",
		Principal: principal.MustParse("acs:ram::1234567890123456:role/oncall/bob"), Explanation: x, Encoded: "sealed"}, "RID", "host")
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, "application/json;charset=utf-8", rec.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, "RID", body["RequestId"])
	assert.Equal(t, "host", body["HostId"])
	assert.Equal(t, "NoPermission", body["Code"])
	assert.NotEmpty(t, body["Message"])
	assert.Equal(t, map[string]any{
		"AuthAction": "arms:GetTrace", "AuthPrincipalType": "AssumedRoleUser", "AuthPrincipalOwnerId": "1234567890123456",
		"AuthPrincipalDisplayName": "oncall:bob", "NoPermissionType": "ExplicitDeny", "PolicyType": "SessionPolicy",
		"EncodedDiagnosticMessage": "sealed",
	}, body["AccessDeniedDetail"])
}

func TestDeniedResponseImplicitUser(t *testing.T) {
	r := DeniedResponse(Denial{Code: CodeForbiddenRAM, Action: "arms:DeleteTraceApp",
		Principal: principal.MustParse("acs:ram::1234567890123456:user/alice")}, "R", "H")
	assert.Equal(t, "Forbidden.RAM", r.Code)
	s := DeniedResponse(Denial{Action: "a:b", Principal: principal.MustParse("acs:ram::1234567890123456:role/ops/bob"),
		PolicyType: PolicyTypeSession}, "R", "H")
	assert.Equal(t, "SessionPolicy", s.AccessDeniedDetail.PolicyType, "an implicit deny by the session policy, as the directory says")
	assert.Equal(t, &AccessDeniedDetail{AuthAction: "arms:DeleteTraceApp", AuthPrincipalType: "SubUser",
		AuthPrincipalOwnerID: "1234567890123456", AuthPrincipalDisplayName: "alice", NoPermissionType: "ImplicitDeny",
		PolicyType: "AccountLevelIdentityBasedPolicy"}, r.AccessDeniedDetail)
}

func TestWriteXML(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/?Format=XML", nil), 400, Response{RequestID: "R", HostID: "H", Code: "C", Message: "M"})
	assert.Equal(t, 400, rec.Code)
	var got struct {
		XMLName   xml.Name `xml:"Error"`
		RequestId string
		Code      string
	}
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "R", got.RequestId)
	assert.Equal(t, "C", got.Code)
}

type coded struct{}

func (coded) Error() string        { return "x" }
func (coded) ErrorCode() string    { return "SignatureDoesNotMatch" }
func (coded) HTTPStatus() int      { return 400 }
func (coded) ErrorMessage() string { return "signature does not match" }

func TestFromError(t *testing.T) {
	r, status := FromError(errors.Join(errors.New("wrapped"), coded{}), "R", "H")
	assert.Equal(t, 400, status)
	assert.Equal(t, "SignatureDoesNotMatch", r.Code)
	assert.Equal(t, "signature does not match", r.Message)
	r, status = FromError(errors.New("secret internal detail"), "R", "H")
	assert.Equal(t, 500, status)
	assert.Equal(t, "InternalError", r.Code)
	assert.NotContains(t, r.Message, "secret")
}

func TestNewRequestID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	a, b := NewRequestID(), NewRequestID()
	assert.Regexp(t, re, a)
	assert.NotEqual(t, a, b)
}

func TestSealOpen(t *testing.T) {
	k, err := NewDiagnosticKey()
	require.NoError(t, err)
	d := Diagnostic{Principal: "acs:ram::1:user/a", Action: "arms:GetTrace", Resource: "*", Decision: "ImplicitDeny",
		Time: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	enc, err := Seal(k, "1234567890123456", d)
	require.NoError(t, err)
	assert.NotContains(t, enc, "arms:GetTrace", "the message is encrypted")
	got, err := Open(k, "1234567890123456", enc)
	require.NoError(t, err)
	assert.Equal(t, d, got)
	enc2, _ := Seal(k, "1234567890123456", d)
	assert.NotEqual(t, enc, enc2, "a fresh nonce each time")

	other, _ := NewDiagnosticKey()
	for name, tc := range map[string]struct {
		k       DiagnosticKey
		account string
		msg     string
	}{
		"other key":     {other, "1234567890123456", enc},
		"other account": {k, "6543210987654321", enc},
		"not base64":    {k, "1234567890123456", "%%%"},
		"short":         {k, "1234567890123456", "AQ=="},
		"flipped":       {k, "1234567890123456", strings.Replace(enc, enc[20:21], map[bool]string{true: "A", false: "B"}[enc[20] != 'A'], 1)},
	} {
		_, err := Open(tc.k, tc.account, tc.msg)
		assert.ErrorIs(t, err, ErrDiagnostic, name)
	}
	pk, err := ParseDiagnosticKey(k.Hex())
	require.NoError(t, err)
	assert.Equal(t, k, pk)
	_, err = ParseDiagnosticKey("zz")
	assert.ErrorIs(t, err, ErrDiagnostic)
}

// TestDiagnosticKeyNotPrinted: a DiagnosticKey printed its 64 hex digits
// from String, so logging a configuration that held one (or the demo's
// map of keys) gave away every account's diagnostics.
func TestDiagnosticKeyNotPrinted(t *testing.T) {
	k, err := NewDiagnosticKey()
	require.NoError(t, err)
	secret := k.Hex()
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "key", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %x %X %q", k, k, k, k, k, k, k),
		fmt.Sprint(map[string]DiagnosticKey{"a": k}), fmt.Sprintf("%+v", struct{ K DiagnosticKey }{k}), logged.String()} {
		assert.NotContains(t, strings.ToLower(s), secret)
		assert.Contains(t, s, "[REDACTED]")
	}
	pk, err := ParseDiagnosticKey(secret)
	require.NoError(t, err)
	assert.Equal(t, k, pk)
}

// TestSealedMessageHasOneSpelling: Open decoded base64 leniently, so a
// sealed message whose last character had non-zero unused bits opened as
// well as the one Seal wrote: anyone could make new "valid" messages
// without the key (same content, different text).
func TestSealedMessageHasOneSpelling(t *testing.T) {
	k, err := NewDiagnosticKey()
	require.NoError(t, err)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range 3 {
		enc, err := Seal(k, "1234567890123456", Diagnostic{Action: "arms:" + strings.Repeat("x", i)})
		require.NoError(t, err)
		_, err = Open(k, "1234567890123456", enc)
		require.NoError(t, err)
		body := strings.TrimRight(enc, "=")
		if len(body) == len(enc) {
			continue // no unused bits
		}
		last := strings.IndexByte(alphabet, body[len(body)-1])
		respelled := body[:len(body)-1] + string(alphabet[last^1]) + enc[len(body):]
		_, err = Open(k, "1234567890123456", respelled)
		assert.ErrorIs(t, err, ErrDiagnostic, "padding %d", len(enc)-len(body))
	}
}

// TestWriteWithoutURL: Write read r.URL without checking it, so a refusal
// of a hand-built request without a URL panicked.
func TestWriteWithoutURL(t *testing.T) {
	rec := httptest.NewRecorder()
	assert.NotPanics(t, func() {
		WriteError(rec, &http.Request{}, errors.New("x"), "id", "host")
	})
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), `"Code":"InternalError"`)
}
