package directory_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

func fixedClock() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }

// A user of an account, a custom policy, and two decisions: one inside the
// account and one on another account's resource (the account boundary).
func ExampleDirectory_Authorize() {
	d := directory.MustNew(directory.Options{Clock: fixedClock})
	_, _ = d.CreateAccount("1234567890123456")
	alice := principal.MustParse("acs:ram::1234567890123456:user/alice")
	_, _ = d.CreateUser(alice)
	_, _ = d.CreatePolicy("1234567890123456", directory.PolicySpec{Name: "ecs-all",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`})
	rev, _ := d.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicyCustom, Name: "ecs-all"})

	own, _ := d.Authorize(alice, evaluator.Request{Action: "ecs:StopInstance",
		Resource: "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1"})
	foreign, _ := d.Authorize(alice, evaluator.Request{Action: "ecs:StopInstance",
		Resource: "acs:ecs:cn-hangzhou:2222222222222222:instance/i-1"})
	fmt.Println(own.Decision, own.Revision == rev)
	fmt.Println(foreign.Decision)
	// Output:
	// Allow true
	// ImplicitDeny
}

// A user of account B assumes a role of account A that trusts B, then acts
// through the session's credentials.
func ExampleDirectory_AssumeRole() {
	const a, b = "1111111111111111", "2222222222222222"
	d := directory.MustNew(directory.Options{Clock: fixedClock})
	_, _ = d.CreateAccount(a)
	_, _ = d.CreateAccount(b)
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")
	_, _ = d.CreateUser(dave)
	_, _ = d.AttachPolicy(dave, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	ops := principal.MustParse("acs:ram::" + a + ":role/ops")
	_, _ = d.CreateRole(ops, directory.RoleSpec{
		TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + b + `:root"]}}]}`,
		Policies:    []directory.PolicyRef{{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"}},
	})

	out, err := d.AssumeRole(directory.AssumeRoleInput{Caller: dave, Role: ops, SessionName: "dave"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Session, out.Credentials.Expiration.Format(time.RFC3339))
	fmt.Println("secret:", out.Credentials.AccessKeySecret) // redacted when printed

	c := out.Credentials
	res, _ := d.AuthorizeSession(c.AccessKeyID, c.SecurityToken.Reveal(),
		evaluator.Request{Action: "arms:ListDashboards", Resource: "acs:arms:cn-hangzhou:" + a + ":dashboard/x"})
	fmt.Println(res.Decision)

	// A user of A is not trusted: the trust policy refuses, implicitly.
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	_, _ = d.CreateUser(alice)
	_, err = d.AssumeRole(directory.AssumeRoleInput{Caller: alice, Role: ops, SessionName: "alice"})
	var refusal *directory.AssumeRoleError
	if errors.As(err, &refusal) {
		fmt.Println(refusal.Code, refusal.Side, refusal.Explicit)
	}
	// Output:
	// acs:ram::1111111111111111:role/ops/dave 2026-03-01T10:00:00Z
	// secret: [REDACTED]
	// Allow
	// NoPermission trust policy false
}
