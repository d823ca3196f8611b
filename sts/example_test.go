package sts_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
	"github.com/ramauthz/ramauthz/sts"
)

// An STS endpoint over a directory: dave, a RAM user of account B, assumes
// a role of account A that trusts B.
func Example() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := directory.MustNew(directory.Options{Clock: clock})
	_, _ = dir.CreateAccount("1234567890123456")
	_, _ = dir.CreateAccount("6543210987654321")
	_, _ = dir.CreateRole(principal.MustParse("acs:ram::1234567890123456:role/ops"), directory.RoleSpec{
		TrustPolicy: `{"Version":"1","Statement":[
	  {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::6543210987654321:root"]}}]}`})
	dave := principal.MustParse("acs:ram::6543210987654321:user/dave")
	_, _ = dir.CreateUser(dave)
	_, _ = dir.AttachPolicy(dave, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	key, _, _ := dir.CreateAccessKey(dave)

	v, _ := signature.New(signature.Config{Credentials: signature.DirectoryCredentials{Directory: dir}, Clock: clock})
	endpoint := &sts.Handler{Verifier: v, Roles: sts.DirectoryRoles{Directory: dir}, HostID: "sts.example.com"}

	// What credentials-go sends: common parameters in the query, the
	// operation's in a form body, all signed with V1.
	form := url.Values{"RoleArn": {"acs:ram::1234567890123456:role/ops"}, "RoleSessionName": {"dave"}}
	all := url.Values{"Action": {"AssumeRole"}, "Version": {sts.APIVersion}, "Format": {"JSON"}}
	for k, vs := range form {
		all[k] = vs
	}
	signed, _ := signature.SignV1("POST", all, signature.Key{AccessKeyID: key.ID, AccessKeySecret: key.Secret.Reveal()}, now, "nonce-1")
	for k := range form {
		signed.Del(k)
	}
	r := httptest.NewRequest("POST", "https://sts.example.com/?"+signed.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	endpoint.ServeHTTP(rec, r)

	var resp struct {
		AssumedRoleUser struct{ Arn string }
		Credentials     struct{ AccessKeyId, Expiration string }
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	fmt.Println(rec.Code, resp.AssumedRoleUser.Arn)
	fmt.Println(strings.HasPrefix(resp.Credentials.AccessKeyId, "STS."), resp.Credentials.Expiration)
	// Output:
	// 200 acs:ram::1234567890123456:role/ops/dave
	// true 2026-03-02T11:00:00Z
}
