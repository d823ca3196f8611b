package sts

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

// TestDirectoryRolesChains: a caller signing with a session's credentials
// chains from that session (the directory decides with the session's role
// as the caller), and the chained session's credentials sign requests in
// turn. DirectoryRoles remembers nothing (it has no state), so thousands
// of sessions cost it nothing and an ended one still reads as
// InvalidSecurityToken.Expired.
func TestDirectoryRolesChains(t *testing.T) {
	f := newFixture(t)
	role := principal.MustParse(f.roleARN)
	_, err := f.dir.AttachPolicy(role, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	require.NoError(t, err)
	_, err = f.dir.UpdateRole(role, directory.RoleUpdate{TrustPolicy: `{"Version":"1","Statement":[
	  {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + acctB + `:root","acs:ram::` + acctA + `:root"]}}]}`})
	require.NoError(t, err)

	var first stsResponse
	code, body := f.call(t, key(f.dave), url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"dave"}, "DurationSeconds": {"900"}}, "JSON")
	require.Equal(t, http.StatusOK, code, string(body))
	require.NoError(t, json.Unmarshal(body, &first))
	sess := signature.Key{AccessKeyID: first.Credentials.AccessKeyId, AccessKeySecret: first.Credentials.AccessKeySecret,
		SecurityToken: first.Credentials.SecurityToken}
	code, body = f.call(t, sess, url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"chained"}, "DurationSeconds": {"900"}}, "JSON")
	require.Equal(t, http.StatusOK, code, string(body))
	var chained stsResponse
	require.NoError(t, json.Unmarshal(body, &chained))
	assert.Equal(t, f.roleARN+"/chained", chained.AssumedRoleUser.Arn)
	id, _, err := signature.DirectoryCredentials{Directory: f.dir}.SessionCredential(chained.Credentials.AccessKeyId, chained.Credentials.SecurityToken)
	require.NoError(t, err)
	assert.Equal(t, f.roleARN+"/chained", id.String())

	*f.now = f.now.Add(15 * time.Minute)
	code, body = f.call(t, sess, url.Values{"RoleArn": {f.roleARN}, "RoleSessionName": {"late"}}, "JSON")
	assert.Equal(t, http.StatusBadRequest, code)
	var resp stsResponse
	require.NoError(t, json.Unmarshal(body, &resp))
	assert.Equal(t, "InvalidSecurityToken.Expired", resp.Code)
}

// TestDirectoryRolesRefusals: a RoleArn that is not a role's ARN is the
// caller's InvalidParameter.RoleArn (with the reason); a DirectoryRoles
// without a directory or a caller refuses instead of panicking.
func TestDirectoryRolesRefusals(t *testing.T) {
	f := newFixture(t)
	for _, arn := range []string{"acs:ram::" + acctA + ":user/dave", "not an arn", "acs:ram::" + acctA + ":role/"} {
		code, body := f.call(t, key(f.dave), url.Values{"RoleArn": {arn}, "RoleSessionName": {"dd"}}, "JSON")
		assert.Equal(t, http.StatusBadRequest, code, arn)
		var resp struct{ Code, Message string }
		require.NoError(t, json.Unmarshal(body, &resp))
		assert.Equal(t, directory.CodeInvalidRoleArn, resp.Code, arn)
	}
	in := AssumeRoleInput{Caller: &signature.Identity{Principal: principal.MustParse("acs:ram::" + acctB + ":user/dave")},
		RoleArn: f.roleARN, RoleSessionName: "dd", Context: new(evaluator.Context)}
	_, err := DirectoryRoles{}.AssumeRole(in)
	assert.ErrorIs(t, err, errNoDirectory)
	in.Caller = nil
	_, err = f.roles.AssumeRole(in)
	assert.ErrorIs(t, err, errNoDirectory)
}
