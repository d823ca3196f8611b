package role_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
)

// Enterprise A entrusts the operation of its ARMS resources to Enterprise
// B: A's role trusts B's account, B lets employee dave (not erin) assume
// it, dave works on A's resources (optionally narrowed by a session
// policy), and either side can end the arrangement.
func Example_entrustment() {
	const (
		a = "1234567890123456" // Enterprise A
		b = "6543210987654321" // Enterprise B
	)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	sts := role.New(dir)
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(dir.CreateAccount(a))
	must(dir.CreateAccount(b))

	// A: a role that trusts B's account, with ARMS full access.
	_, err := dir.CreateRole(a, principal.RoleSpec{Name: "arms-ops",
		TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
			`"Principal":{"RAM":["acs:ram::` + b + `:root"]}}]}`})
	must(err)
	roleARN := "acs:ram::" + a + ":role/arms-ops"
	roleID := principal.MustParse(roleARN)
	must(dir.AttachPolicy(roleID, principal.System, "AliyunARMSFullAccess"))

	// B: dave may assume A's role, erin may not.
	for _, n := range []string{"dave", "erin"} {
		_, err := dir.CreateUser(b, n)
		must(err)
	}
	_, err = dir.CreatePolicy(b, "AssumeArmsOps", "",
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram:*:`+a+`:role/arms-ops"}]}`)
	must(err)
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")
	must(dir.AttachPolicy(dave, principal.Custom, "AssumeArmsOps"))

	assume := func(who, sessionPolicy string) (role.AssumeRoleOutput, error) {
		return sts.AssumeRole(role.AssumeRoleInput{Caller: "acs:ram::" + b + ":user/" + who, RoleARN: roleARN,
			RoleSessionName: who, Policy: sessionPolicy})
	}
	manage := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn-hangzhou:" + a + ":alert/rule-1"}
	read := evaluator.Request{Action: "arms:ListDashboards", Resource: "acs:arms:cn-hangzhou:" + a + ":dashboard/d-1"}
	ecs := evaluator.Request{Action: "ecs:StopInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-1"}
	show := func(label, who string, r evaluator.Request) {
		dec, err := dir.Authorize(who, r)
		switch {
		case errors.Is(err, principal.ErrExpired):
			fmt.Printf("%s: %v (session expired or revoked)\n", label, dec)
			return
		case errors.Is(err, principal.ErrNotFound):
			fmt.Printf("%s: %v (session not found)\n", label, dec)
			return
		}
		fmt.Printf("%s: %v\n", label, dec)
	}

	out, err := assume("dave", "")
	must(err)
	fmt.Println("dave's session:", out.AssumedRoleUser.ARN)
	key := out.Credentials.AccessKeyID
	show("dave manages A's ARMS", key, manage)
	show("dave touches A's ECS", key, ecs)

	_, err = assume("erin", "")
	fmt.Println("erin assumes:", errors.Is(err, role.ErrNoPermission))

	// A session policy narrows dave to read-only.
	ro, err := assume("dave", `{"Version":"1","Statement":[{"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"}]}`)
	must(err)
	show("read-only session reads", ro.Credentials.AccessKeyID, read)
	show("read-only session manages", ro.Credentials.AccessKeyID, manage)

	// Revocation paths.
	must(dir.DetachPolicy(roleID, principal.System, "AliyunARMSFullAccess"))
	show("after A detaches the role's policy", key, manage)
	must(dir.AttachPolicy(roleID, principal.System, "AliyunARMSFullAccess"))

	must(dir.DetachPolicy(dave, principal.Custom, "AssumeArmsOps"))
	_, err = assume("dave", "")
	fmt.Println("after B detaches dave's permission, new session:", errors.Is(err, role.ErrNoPermission))
	show("  existing session still works", key, manage)
	must(dir.AttachPolicy(dave, principal.Custom, "AssumeArmsOps"))

	_, err = dir.UpdateRole(a, "arms-ops", principal.RoleUpdate{TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",` +
		`"Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + a + `:root"]}}]}`})
	must(err)
	_, err = assume("dave", "")
	fmt.Println("after A stops trusting B, new session:", errors.Is(err, role.ErrNoPermission))

	now = now.Add(time.Minute)
	must(sts.RevokeSessions(roleARN, now))
	show("after RevokeSessions", key, manage)

	must(dir.DeleteRole(a, "arms-ops", principal.Cascade))
	show("after A deletes the role", ro.Credentials.AccessKeyID, read)

	// Output:
	// dave's session: acs:ram::1234567890123456:role/arms-ops/dave
	// dave manages A's ARMS: Allow
	// dave touches A's ECS: ImplicitDeny
	// erin assumes: true
	// read-only session reads: Allow
	// read-only session manages: ImplicitDeny
	// after A detaches the role's policy: ImplicitDeny
	// after B detaches dave's permission, new session: true
	//   existing session still works: Allow
	// after A stops trusting B, new session: true
	// after RevokeSessions: ImplicitDeny (session expired or revoked)
	// after A deletes the role: ImplicitDeny (session not found)
}
