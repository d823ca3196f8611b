// Command enterprise-users walks through Enterprise A's use of RAM users:
// one Alibaba Cloud account, one RAM user per job with only the permissions
// the job needs (attached directly or through a group), AccessKeys for
// programs, and then revocation and deletion, each seen by the very next
// decision.
//
//	go run ./examples/enterprise-users
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

const a = "1234567890123456" // Enterprise A's account

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "enterprise-users:", err)
		os.Exit(1)
	}
}

// job is one request a person's work needs.
type job struct {
	label string
	req   evaluator.Request
}

var jobs = []job{
	{"start ECS", evaluator.Request{Action: "ecs:StartInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-web1"}},
	{"read RDS", evaluator.Request{Action: "rds:DescribeDBInstances", Resource: "acs:rds:cn-hangzhou:" + a + ":dbinstance/rm-orders"}},
	{"read traces", evaluator.Request{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:" + a + ":armsapp/checkout"}},
	{"edit alerts", evaluator.Request{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn-hangzhou:" + a + ":alert/*"}},
}

func user(name string) principal.ID { return principal.MustParse("acs:ram::" + a + ":user/" + name) }

func run(w io.Writer) error {
	clock := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	dir := principal.New(principal.Config{Clock: clock})
	var err error // the first error of the setup steps
	step := func(f func() error) {
		if err == nil {
			err = f()
		}
	}
	created := func(_ any, e error) error { return e }

	// The account, and one user per job; nobody uses the account's own keys.
	step(func() error { return dir.CreateAccount(a) })
	for _, n := range []string{"ops-alice", "dba-bob", "sre-carol", "sre-dan"} {
		step(func() error { return created(dir.CreateUser(a, n)) })
	}
	step(func() error {
		return created(dir.CreatePolicy(a, "EcsOperator", "start and stop the web fleet",
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*","ecs:StartInstance","ecs:StopInstance"],`+
				`"Resource":"acs:ecs:*:`+a+`:instance/*"}]}`))
	})
	step(func() error {
		return created(dir.CreatePolicy(a, "RdsReader", "look at databases",
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":["rds:Describe*","rds:List*"],"Resource":"*"}]}`))
	})
	step(func() error { return dir.AttachPolicy(user("ops-alice"), principal.Custom, "EcsOperator") })
	step(func() error { return dir.AttachPolicy(user("dba-bob"), principal.Custom, "RdsReader") })
	// SREs get ARMS through a group: read-only for everyone, full access for the on-call group.
	step(func() error { return created(dir.CreateGroup(a, "sre")) })
	step(func() error { return created(dir.CreateGroup(a, "sre-oncall")) })
	step(func() error {
		return dir.AttachPolicy(principal.MustParse("acs:ram::"+a+":group/sre"), principal.System, "AliyunARMSReadOnlyAccess")
	})
	step(func() error {
		return dir.AttachPolicy(principal.MustParse("acs:ram::"+a+":group/sre-oncall"), principal.System, "AliyunARMSFullAccess")
	})
	step(func() error { return dir.AddUserToGroup(a, "sre-carol", "sre") })
	step(func() error { return dir.AddUserToGroup(a, "sre-dan", "sre") })
	step(func() error { return dir.AddUserToGroup(a, "sre-dan", "sre-oncall") })
	var key principal.NewAccessKey
	step(func() (e error) { key, e = dir.CreateAccessKey(a, "sre-carol"); return e })
	if err != nil {
		return err
	}

	table := func(title string, names ...string) {
		fmt.Fprintln(w, title)
		head := fmt.Sprintf("  %-10s", "")
		for _, j := range jobs {
			head += fmt.Sprintf(" %-13s", j.label)
		}
		fmt.Fprintln(w, strings.TrimRight(head, " "))
		for _, n := range names {
			line := fmt.Sprintf("  %-10s", n)
			for _, j := range jobs {
				d, _ := dir.Authorize(user(n).String(), j.req)
				line += fmt.Sprintf(" %-13s", d)
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	table("Each job gets exactly what it needs:", "ops-alice", "dba-bob", "sre-carol", "sre-dan")

	// Programs use AccessKeys; the key resolves to its user.
	d, _ := dir.Authorize(key.ID, jobs[2].req)
	fmt.Fprintf(w, "\nsre-carol's AccessKey reads traces: %s\n", d)

	// Revoke: dan leaves the on-call rotation; bob's policy is detached.
	if err := dir.RemoveUserFromGroup(a, "sre-dan", "sre-oncall"); err != nil {
		return err
	}
	if err := dir.DetachPolicy(user("dba-bob"), principal.Custom, "RdsReader"); err != nil {
		return err
	}
	fmt.Fprintln(w)
	table("After dan leaves on-call and bob's RDS policy is detached:", "dba-bob", "sre-dan")

	// Delete: carol leaves the company. Strict deletion (the RAM API's rule)
	// refuses while she belongs to a group or has policies attached; her
	// AccessKeys never block a delete and go with her either way. Cascading
	// deletion (the console's rule) leaves her groups first.
	err = dir.DeleteUser(a, "sre-carol", principal.Strict)
	fmt.Fprintf(w, "\nstrict delete of sre-carol: refused (%v)\n", errors.Is(err, principal.ErrInUse))
	if err := dir.DeleteUser(a, "sre-carol", principal.Cascade); err != nil {
		return err
	}
	d, err = dir.Authorize(key.ID, jobs[2].req)
	fmt.Fprintf(w, "after cascading delete, her AccessKey reads traces: %s (not found: %v)\n", d, errors.Is(err, principal.ErrNotFound))
	d, err = dir.Authorize(user("sre-carol").String(), jobs[2].req)
	fmt.Fprintf(w, "and her user ARN: %s (not found: %v)\n", d, errors.Is(err, principal.ErrNotFound))
	return nil
}
