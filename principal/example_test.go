package principal_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// Enterprise A gives each employee a RAM user with exactly the permissions
// the job needs, never the account's own AccessKey, and can revoke any
// permission or delete any user; the next decision sees the change.
func Example_enterpriseA() {
	const a = "1234567890123456"
	clock := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	dir := principal.New(principal.Config{Clock: clock})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(dir.CreateAccount(a))
	for _, name := range []string{"ecs-ops", "rds-reader", "arms-reader"} {
		_, err := dir.CreateUser(a, name)
		must(err)
	}
	_, err := dir.CreatePolicy(a, "EcsOperations", "run the ECS fleet",
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"acs:ecs:*:`+a+`:instance/*"}]}`)
	must(err)
	_, err = dir.CreatePolicy(a, "RdsReadOnly", "look at databases",
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["rds:Describe*","rds:List*"],"Resource":"*"}]}`)
	must(err)
	user := func(name string) principal.ID { return principal.MustParse("acs:ram::" + a + ":user/" + name) }
	must(dir.AttachPolicy(user("ecs-ops"), principal.Custom, "EcsOperations"))
	must(dir.AttachPolicy(user("rds-reader"), principal.Custom, "RdsReadOnly"))
	// ARMS read-only comes through a group.
	_, err = dir.CreateGroup(a, "observability")
	must(err)
	must(dir.AttachPolicy(principal.MustParse("acs:ram::"+a+":group/observability"), principal.System, "AliyunARMSReadOnlyAccess"))
	must(dir.AddUserToGroup(a, "arms-reader", "observability"))
	key, err := dir.CreateAccessKey(a, "arms-reader")
	must(err)

	jobs := []evaluator.Request{
		{Action: "ecs:StartInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-001"},
		{Action: "rds:DescribeDBInstances", Resource: "acs:rds:cn-hangzhou:" + a + ":dbinstance/rm-001"},
		{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:" + a + ":armsapp/shop"},
	}
	for _, who := range []string{"ecs-ops", "rds-reader", "arms-reader"} {
		line := fmt.Sprintf("%-12s", who)
		for _, req := range jobs {
			dec, _ := dir.Authorize(user(who).String(), req)
			line += fmt.Sprintf(" %-13s", dec)
		}
		fmt.Println(strings.TrimSpace(line))
	}

	// Revoke one permission: the very next decision is a deny.
	must(dir.DetachPolicy(user("rds-reader"), principal.Custom, "RdsReadOnly"))
	dec, _ := dir.Authorize(user("rds-reader").String(), jobs[1])
	fmt.Println("rds-reader after detach:", dec)

	// Delete a user: denied, and its AccessKey no longer resolves.
	dec, _ = dir.Authorize(key.ID, jobs[2])
	fmt.Println("arms-reader by AccessKey:", dec)
	must(dir.DeleteUser(a, "arms-reader", principal.Cascade))
	dec, err = dir.Authorize(key.ID, jobs[2])
	fmt.Println("arms-reader after delete:", dec, errors.Is(err, principal.ErrNotFound))
	_, err = dir.ResolveAccessKey(key.ID)
	fmt.Println("key resolves:", err == nil)

	// Output:
	// ecs-ops      Allow         ImplicitDeny  ImplicitDeny
	// rds-reader   ImplicitDeny  Allow         ImplicitDeny
	// arms-reader  ImplicitDeny  ImplicitDeny  Allow
	// rds-reader after detach: ImplicitDeny
	// arms-reader by AccessKey: Allow
	// arms-reader after delete: ImplicitDeny true
	// key resolves: false
}

// Policies are versioned; only the default version is in force.
func ExampleDirectory_SetDefaultPolicyVersion() {
	const a = "1234567890123456"
	dir := principal.New(principal.Config{})
	_ = dir.CreateAccount(a)
	_, _ = dir.CreateUser(a, "alice")
	_, _ = dir.CreatePolicy(a, "Oss", "", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}`)
	_, _ = dir.CreatePolicyVersion(a, "Oss", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`,
		false, principal.RotateNone)
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	_ = dir.AttachPolicy(alice, principal.Custom, "Oss")
	put := evaluator.Request{Action: "oss:PutObject", Resource: "acs:oss:*:" + a + ":bucket/key"}

	dec, _ := dir.Authorize(alice.String(), put)
	fmt.Println("v1 in force:", dec)
	_ = dir.SetDefaultPolicyVersion(a, "Oss", "v2")
	dec, _ = dir.Authorize(alice.String(), put)
	fmt.Println("v2 in force:", dec)
	// Output:
	// v1 in force: ImplicitDeny
	// v2 in force: Allow
}

// Export and Import persist a directory; the round trip is lossless.
func ExampleDirectory_Export() {
	const a = "1234567890123456"
	dir := principal.New(principal.Config{})
	_ = dir.CreateAccount(a)
	_, _ = dir.CreateUser(a, "alice")
	data, _ := dir.Export()

	restored := principal.New(principal.Config{})
	fmt.Println(restored.Import(data))
	u, _ := restored.GetUser(a, "alice")
	fmt.Println(u.ID)
	again, _ := restored.Export()
	fmt.Println(string(again) == string(data))
	// Output:
	// <nil>
	// acs:ram::1234567890123456:user/alice
	// true
}

// Parse accepts every documented identifier form and prints the canonical one.
func ExampleParse() {
	for _, s := range []string{
		"acs:ram::1234567890123456:user/alice",
		"acs:sts::1234567890123456:assumed-role/AdminRole/alice",
		"ecs.aliyuncs.com",
	} {
		id, err := principal.Parse(s)
		fmt.Println(id.Kind(), id, err)
	}
	_, err := principal.Parse("acs:ram::123:root")
	fmt.Println(errors.Is(err, principal.ErrInvalid))
	// Output:
	// user acs:ram::1234567890123456:user/alice <nil>
	// session acs:ram::1234567890123456:role/AdminRole/alice <nil>
	// service ecs.aliyuncs.com <nil>
	// true
}

// B's user dave may do anything to ECS, but only in B: A's instance is
// beyond the account boundary, and Explain says so.
func ExampleDirectory_Explain_accountBoundary() {
	const a, b = "1111111111111111", "2222222222222222"
	dir := principal.New(principal.Config{})
	for _, uid := range []string{a, b} {
		if err := dir.CreateAccount(uid); err != nil {
			panic(err)
		}
	}
	if _, err := dir.CreateUser(b, "dave"); err != nil {
		panic(err)
	}
	if _, err := dir.CreatePolicy(b, "EcsAll", "", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`); err != nil {
		panic(err)
	}
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")
	if err := dir.AttachPolicy(dave, principal.Custom, "EcsAll"); err != nil {
		panic(err)
	}
	for _, uid := range []string{b, a} {
		x, err := dir.Explain(dave.String(), evaluator.Request{Action: "ecs:DeleteInstance",
			Resource: "acs:ecs:cn-hangzhou:" + uid + ":instance/i-1"})
		if err != nil {
			panic(err)
		}
		fmt.Print(x)
	}
	// Output:
	// Allow
	//   decided by: identity policies
	//   applied: Allow policy "EcsAll" Statement[0]
	// ImplicitDeny
	//   decided by: account boundary: the resource belongs to account 1111111111111111, not to the principal's account 2222222222222222, and no resource-based policy of that account allows the request
	//   applied: Allow policy "EcsAll" Statement[0]
}
