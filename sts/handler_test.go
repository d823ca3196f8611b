package sts

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

const (
	acctA = "1234567890123456"
	acctB = "6543210987654321"
)

type fixture struct {
	dir     *principal.Directory
	bridge  *Bridge
	handler *Handler
	now     *time.Time
	dave    principal.NewAccessKey // B's employee, may assume A's role
	mallory principal.NewAccessKey // B's employee without sts permission
	roleARN string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f := &fixture{now: &now, roleARN: "acs:ram::" + acctA + ":role/partner-ops"}
	clock := func() time.Time { return *f.now }
	f.dir = principal.New(principal.Config{Clock: clock})
	require.NoError(t, f.dir.CreateAccount(acctA))
	require.NoError(t, f.dir.CreateAccount(acctB))
	_, err := f.dir.CreateRole(acctA, principal.RoleSpec{Name: "partner-ops", TrustPolicy: `{"Version":"1","Statement":[
	  {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:root"]}}]}`})
	require.NoError(t, err)
	require.NoError(t, f.dir.AttachPolicy(principal.MustParse(f.roleARN), principal.System, "AliyunARMSReadOnlyAccess"))
	for _, n := range []string{"dave", "mallory"} {
		_, err := f.dir.CreateUser(acctB, n)
		require.NoError(t, err)
	}
	require.NoError(t, f.dir.AttachPolicy(principal.MustParse("acs:ram::"+acctB+":user/dave"), principal.System, "AliyunSTSAssumeRoleAccess"))
	f.bridge = NewBridge(f.dir)
	for _, p := range []struct {
		name string
		k    *principal.NewAccessKey
	}{{"dave", &f.dave}, {"mallory", &f.mallory}} {
		*p.k, err = f.dir.CreateAccessKey(acctB, p.name)
		require.NoError(t, err)
		f.bridge.RememberAccessKey(*p.k)
	}
	v, err := signature.New(signature.Config{Credentials: f.bridge, Clock: clock})
	require.NoError(t, err)
	f.handler = &Handler{Verifier: v, Roles: f.bridge, HostID: "sts.example.com"}
	return f
}

var nonce int

// call signs an AssumeRole call with V1, common parameters in the query and
// the operation's in a form body, as credentials-go does.
func (f *fixture) call(t *testing.T, k signature.Key, form url.Values, format string) (int, []byte) {
	t.Helper()
	nonce++
	q := url.Values{"Action": {"AssumeRole"}, "Version": {APIVersion}, "Format": {format}}
	all := url.Values{}
	for key, v := range q {
		all[key] = v
	}
	for key, v := range form {
		all[key] = v
	}
	signed, err := signature.SignV1("POST", all, k, *f.now, "n"+time.Duration(nonce).String())
	require.NoError(t, err)
	for key := range form {
		signed.Del(key)
	}
	r := httptest.NewRequest("POST", "https://sts.example.com/?"+signed.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, r)
	return rec.Code, rec.Body.Bytes()
}

func key(k principal.NewAccessKey) signature.Key {
	return signature.Key{AccessKeyID: k.ID, AccessKeySecret: k.Secret}
}

type stsResponse struct {
	RequestID          string `json:"RequestId"`
	AssumedRoleUser    struct{ Arn, AssumedRoleId string }
	Credentials        struct{ AccessKeyId, AccessKeySecret, SecurityToken, Expiration string }
	Code               string
	AccessDeniedDetail map[string]string
}

func TestAssumeRole(t *testing.T) {
	f := newFixture(t)
	code, body := f.call(t, key(f.dave), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dave"},
		"DurationSeconds": {"900"}}, "JSON")
	require.Equal(t, http.StatusOK, code, string(body))
	var resp stsResponse
	require.NoError(t, json.Unmarshal(body, &resp))
	assert.Len(t, resp.RequestID, 36)
	assert.Equal(t, f.roleARN+"/dave", resp.AssumedRoleUser.Arn)
	assert.True(t, strings.HasSuffix(resp.AssumedRoleUser.AssumedRoleId, ":dave"))
	assert.True(t, strings.HasPrefix(resp.Credentials.AccessKeyId, "STS."))
	assert.NotEmpty(t, resp.Credentials.AccessKeySecret)
	assert.NotEmpty(t, resp.Credentials.SecurityToken)
	assert.Equal(t, "2026-03-02T10:15:00Z", resp.Credentials.Expiration)

	// The session's credentials sign requests, including a chained
	// AssumeRole, until the role's sessions are revoked: then exactly
	// InvalidSecurityToken.Expired, which credential providers refresh on.
	sess := signature.Key{AccessKeyID: resp.Credentials.AccessKeyId, AccessKeySecret: resp.Credentials.AccessKeySecret,
		SecurityToken: resp.Credentials.SecurityToken}
	code, body = f.call(t, sess, url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"again"}}, "JSON")
	require.Equal(t, http.StatusForbidden, code, "the role's own policies do not allow sts:AssumeRole: %s", body)
	*f.now = f.now.Add(time.Second)
	require.NoError(t, f.dir.RevokeSessions(principal.MustParse(f.roleARN), *f.now))
	code, body = f.call(t, sess, url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"again"}}, "JSON")
	require.Equal(t, http.StatusBadRequest, code)
	require.NoError(t, json.Unmarshal(body, &resp))
	assert.Equal(t, "InvalidSecurityToken.Expired", resp.Code)
}

func TestAssumeRoleXML(t *testing.T) {
	f := newFixture(t)
	code, body := f.call(t, key(f.dave), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dave"}}, "XML")
	require.Equal(t, http.StatusOK, code, string(body))
	var resp struct {
		XMLName     xml.Name `xml:"AssumeRoleResponse"`
		Credentials struct{ AccessKeyId, Expiration string }
	}
	require.NoError(t, xml.Unmarshal(body, &resp))
	assert.True(t, strings.HasPrefix(resp.Credentials.AccessKeyId, "STS."))
	assert.Equal(t, "2026-03-02T11:00:00Z", resp.Credentials.Expiration)
}

func TestAssumeRoleRefusals(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		k      signature.Key
		form   url.Values
		status int
		code   string
	}{
		{"no identity permission", key(f.mallory), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"mm"}}, 403, "NoPermission"},
		{"no such role", key(f.dave), url.Values{"RoleArn": {"acs:ram::" + acctA + ":role/nope"}, "RoleSessionName": {"dd"}}, 404, "EntityNotExist.Role"},
		{"bad duration", key(f.dave), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dd"}, "DurationSeconds": {"60"}}, 400, "InvalidParameter.DurationSeconds"},
		{"missing session name", key(f.dave), url.Values{"RoleArn": {f.roleARN}}, 400, "MissingParameter"},
		{"wrong secret", signature.Key{AccessKeyID: f.dave.ID, AccessKeySecret: "x"}, url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dd"}}, 400, "SignatureDoesNotMatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.call(t, tc.k, tc.form, "JSON")
			assert.Equal(t, tc.status, code, string(body))
			var resp stsResponse
			require.NoError(t, json.Unmarshal(body, &resp))
			assert.Equal(t, tc.code, resp.Code)
			if tc.code == "NoPermission" {
				assert.Equal(t, "sts:AssumeRole", resp.AccessDeniedDetail["AuthAction"])
				assert.Equal(t, "SubUser", resp.AccessDeniedDetail["AuthPrincipalType"])
				assert.Equal(t, acctB, resp.AccessDeniedDetail["AuthPrincipalOwnerId"])
				assert.Equal(t, "mallory", resp.AccessDeniedDetail["AuthPrincipalDisplayName"])
			}
		})
	}
}
