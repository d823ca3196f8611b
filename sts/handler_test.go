package sts

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

const (
	acctA = "1234567890123456"
	acctB = "6543210987654321"
)

type fixture struct {
	dir     *directory.Directory
	roles   DirectoryRoles
	handler *Handler
	now     *time.Time
	dave    directory.NewAccessKey // B's employee, may assume A's role
	mallory directory.NewAccessKey // B's employee without sts permission
	roleARN string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f := &fixture{now: &now, roleARN: "acs:ram::" + acctA + ":role/partner-ops"}
	clock := func() time.Time { return *f.now }
	f.dir = directory.MustNew(directory.Options{Clock: clock})
	for _, uid := range []string{acctA, acctB} {
		_, err := f.dir.CreateAccount(uid)
		require.NoError(t, err)
	}
	_, err := f.dir.CreateRole(principal.MustParse(f.roleARN), directory.RoleSpec{TrustPolicy: `{"Version":"1","Statement":[
	  {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:root"]}}]}`,
		Policies: []directory.PolicyRef{{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"}}})
	require.NoError(t, err)
	for _, p := range []struct {
		name string
		k    *directory.NewAccessKey
	}{{"dave", &f.dave}, {"mallory", &f.mallory}} {
		user := principal.MustParse("acs:ram::" + acctB + ":user/" + p.name)
		_, err := f.dir.CreateUser(user)
		require.NoError(t, err)
		*p.k, _, err = f.dir.CreateAccessKey(user)
		require.NoError(t, err)
	}
	_, err = f.dir.AttachPolicy(principal.MustParse("acs:ram::"+acctB+":user/dave"),
		directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	require.NoError(t, err)
	f.roles = DirectoryRoles{Directory: f.dir}
	v, err := signature.New(signature.Config{Credentials: signature.DirectoryCredentials{Directory: f.dir}, Clock: clock})
	require.NoError(t, err)
	f.handler = &Handler{Verifier: v, Roles: f.roles, HostID: "sts.example.com"}
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

func key(k directory.NewAccessKey) signature.Key {
	return signature.Key{AccessKeyID: k.ID, AccessKeySecret: k.Secret.Reveal()}
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
	_, err := f.dir.RevokeSessions(principal.MustParse(f.roleARN), *f.now)
	require.NoError(t, err)
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

// TestRefusalDoesNotSayWhosePolicy: the 403 message used to carry
// role.Error's text ("the role's trust policy does not allow acs:ram::B:user/dave"
// versus "the caller's policies do not allow ..."), telling a caller of
// account B how account A's trust policy treats it. Both refusals now read
// the same.
func TestRefusalDoesNotSayWhosePolicy(t *testing.T) {
	f := newFixture(t)
	_, err := f.dir.CreateRole(principal.MustParse("acs:ram::"+acctA+":role/internal"), directory.RoleSpec{TrustPolicy: `{"Version":"1","Statement":[
	  {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctA + `:root"]}}]}`})
	require.NoError(t, err)
	message := func(k directory.NewAccessKey, roleARN string) string {
		code, body := f.call(t, key(k), url.Values{"RoleArn": {roleARN}, "RoleSessionName": {"xx"}}, "JSON")
		require.Equal(t, http.StatusForbidden, code, string(body))
		var resp struct{ Code, Message string }
		require.NoError(t, json.Unmarshal(body, &resp))
		assert.NotContains(t, resp.Message, "trust")
		assert.NotContains(t, resp.Message, acctA)
		return resp.Message
	}
	byTrust := message(f.dave, "acs:ram::"+acctA+":role/internal")
	byCaller := message(f.mallory, f.roleARN)
	assert.Equal(t, byCaller, byTrust)
}

type fakeRoles struct{ err error }

func (f fakeRoles) AssumeRole(AssumeRoleInput) (AssumeRoleOutput, error) {
	return AssumeRoleOutput{}, f.err
}

// TestRefusalCauseShownOnlyForCallerInput: the message of a non-403
// refusal was role.Error's full text, cause included, so a caller read the
// compile error of the role's trust policy (account A's) or the
// directory's own error. The cause is now shown only when it is about the
// caller's own input, such as its session policy.
func TestRefusalCauseShownOnlyForCallerInput(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		err  *directory.AssumeRoleError
		want string
	}{
		{&directory.AssumeRoleError{Code: directory.CodeInvalidParameter, Msg: "the role's trust policy cannot be used",
			Cause: errors.New("Statement[0].Condition: acs:SourceVpc vpc-a-secret")},
			"InvalidParameter: the role's trust policy cannot be used"},
		{&directory.AssumeRoleError{Code: directory.CodeInvalidParameter, Cause: errors.New("directory internals")}, "InvalidParameter"},
		{&directory.AssumeRoleError{Code: directory.CodeInvalidPolicyGrammar, Cause: errors.New("Statement[0]: Effect must be Allow or Deny")},
			"InvalidParameter.PolicyGrammar: Statement[0]: Effect must be Allow or Deny"},
	} {
		f.handler.Roles = fakeRoles{tc.err}
		code, body := f.call(t, key(f.dave), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dd"}}, "JSON")
		assert.Equal(t, http.StatusBadRequest, code)
		var resp struct{ Code, Message string }
		require.NoError(t, json.Unmarshal(body, &resp))
		assert.Equal(t, tc.err.Code, resp.Code)
		assert.Equal(t, tc.want, resp.Message)
	}
}
