package apierror

import (
	"encoding/json"
	"encoding/xml"
	"errors"
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
	pk, err := ParseDiagnosticKey(k.String())
	require.NoError(t, err)
	assert.Equal(t, k, pk)
	_, err = ParseDiagnosticKey("zz")
	assert.ErrorIs(t, err, ErrDiagnostic)
}
