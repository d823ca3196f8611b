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

	"github.com/ramauthz/ramauthz/directory"
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

func group(name string) principal.ID { return principal.MustParse("acs:ram::" + a + ":group/" + name) }

func run(w io.Writer) error {
	clock := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	dir, err := directory.New(directory.Options{Clock: clock})
	if err != nil {
		return err
	}
	step := func(f func() (directory.Revision, error)) { // keeps the first error of the setup steps
		if err == nil {
			_, err = f()
		}
	}
	custom := func(n string) directory.PolicyRef { return directory.PolicyRef{Type: directory.PolicyCustom, Name: n} }
	system := func(n string) directory.PolicyRef { return directory.PolicyRef{Type: directory.PolicySystem, Name: n} }

	// The account, and one user per job; nobody uses the account's own keys.
	step(func() (directory.Revision, error) { return dir.CreateAccount(a) })
	for _, n := range []string{"ops-alice", "dba-bob", "sre-carol", "sre-dan"} {
		step(func() (directory.Revision, error) { return dir.CreateUser(user(n)) })
	}
	step(func() (directory.Revision, error) {
		return dir.CreatePolicy(a, directory.PolicySpec{Name: "EcsOperator", Description: "start and stop the web fleet",
			Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*","ecs:StartInstance","ecs:StopInstance"],` +
				`"Resource":"acs:ecs:*:` + a + `:instance/*"}]}`})
	})
	step(func() (directory.Revision, error) {
		return dir.CreatePolicy(a, directory.PolicySpec{Name: "RdsReader", Description: "look at databases",
			Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":["rds:Describe*","rds:List*"],"Resource":"*"}]}`})
	})
	step(func() (directory.Revision, error) { return dir.AttachPolicy(user("ops-alice"), custom("EcsOperator")) })
	step(func() (directory.Revision, error) { return dir.AttachPolicy(user("dba-bob"), custom("RdsReader")) })
	// SREs get ARMS through a group: read-only for everyone, full access for the on-call group.
	step(func() (directory.Revision, error) { return dir.CreateGroup(group("sre")) })
	step(func() (directory.Revision, error) { return dir.CreateGroup(group("sre-oncall")) })
	step(func() (directory.Revision, error) {
		return dir.AttachPolicy(group("sre"), system("AliyunARMSReadOnlyAccess"))
	})
	step(func() (directory.Revision, error) {
		return dir.AttachPolicy(group("sre-oncall"), system("AliyunARMSFullAccess"))
	})
	step(func() (directory.Revision, error) { return dir.AddUserToGroup(user("sre-carol"), group("sre")) })
	step(func() (directory.Revision, error) { return dir.AddUserToGroup(user("sre-dan"), group("sre")) })
	step(func() (directory.Revision, error) { return dir.AddUserToGroup(user("sre-dan"), group("sre-oncall")) })
	var key directory.NewAccessKey
	step(func() (rev directory.Revision, e error) {
		key, rev, e = dir.CreateAccessKey(user("sre-carol"))
		return rev, e
	})
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
				res, _ := dir.Authorize(user(n), j.req)
				line += fmt.Sprintf(" %-13s", res.Decision)
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	table("Each job gets exactly what it needs:", "ops-alice", "dba-bob", "sre-carol", "sre-dan")

	// Programs use AccessKeys; the key resolves to its user.
	res, _ := dir.AuthorizeAccessKey(key.ID, jobs[2].req)
	fmt.Fprintf(w, "\nsre-carol's AccessKey reads traces: %s\n", res.Decision)

	// Revoke: dan leaves the on-call rotation; bob's policy is detached.
	if _, err := dir.RemoveUserFromGroup(user("sre-dan"), group("sre-oncall")); err != nil {
		return err
	}
	if _, err := dir.DetachPolicy(user("dba-bob"), custom("RdsReader")); err != nil {
		return err
	}
	fmt.Fprintln(w)
	table("After dan leaves on-call and bob's RDS policy is detached:", "dba-bob", "sre-dan")

	// Delete: carol leaves the company. DeleteStrict (the RAM API's rule)
	// refuses while she belongs to a group or has policies attached, and
	// lists every blocker; her AccessKeys never block a delete and go with
	// her either way. DeleteCascade (the console's rule) leaves her groups
	// first.
	_, err = dir.DeleteUser(user("sre-carol"), directory.DeleteStrict)
	fmt.Fprintf(w, "\nstrict delete of sre-carol: refused (%v)\n", errors.Is(err, directory.ErrInUse))
	if _, err := dir.DeleteUser(user("sre-carol"), directory.DeleteCascade); err != nil {
		return err
	}
	res, err = dir.AuthorizeAccessKey(key.ID, jobs[2].req)
	fmt.Fprintf(w, "after cascading delete, her AccessKey reads traces: %s (not found: %v)\n", res.Decision, errors.Is(err, directory.ErrKeyNotFound))
	res, err = dir.Authorize(user("sre-carol"), jobs[2].req)
	fmt.Fprintf(w, "and her user ARN: %s (not found: %v)\n", res.Decision, errors.Is(err, directory.ErrNotFound))
	return nil
}
