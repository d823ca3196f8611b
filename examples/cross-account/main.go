// Command cross-account walks through entrustment between two accounts:
// Enterprise A creates a role that trusts Enterprise B's account and gives
// it ARMS full access; B delegates the right to assume it to one employee;
// that employee, whose own policies count in B only (the account
// boundary), works in A through role sessions, optionally narrowed by a
// session policy; then each side ends the arrangement its own way.
//
//	go run ./examples/cross-account
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
)

const (
	a = "1234567890123456" // Enterprise A owns the resources
	b = "6543210987654321" // Enterprise B operates them
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cross-account:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	sts := role.New(dir)
	roleARN := "acs:ram::" + a + ":role/arms-operator"
	roleID := principal.MustParse(roleARN)
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")

	// Setup: A's role trusts B's whole account; B lets only dave use it.
	var err error
	step := func(f func() error) {
		if err == nil {
			err = f()
		}
	}
	created := func(_ any, e error) error { return e }
	step(func() error { return dir.CreateAccount(a) })
	step(func() error { return dir.CreateAccount(b) })
	step(func() error {
		return created(dir.CreateRole(a, principal.RoleSpec{Name: "arms-operator",
			Description: "Enterprise B operates our monitoring",
			TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
				`"Principal":{"RAM":["acs:ram::` + b + `:root"]}}]}`}))
	})
	step(func() error { return dir.AttachPolicy(roleID, principal.System, "AliyunARMSFullAccess") })
	step(func() error { return created(dir.CreateUser(b, "dave")) })
	step(func() error { return created(dir.CreateUser(b, "erin")) })
	step(func() error {
		return created(dir.CreatePolicy(b, "OperateEnterpriseA", "assume A's ARMS role",
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}]}`))
	})
	step(func() error { return dir.AttachPolicy(dave, principal.Custom, "OperateEnterpriseA") })
	// dave also runs B's own monitoring.
	step(func() error { return dir.AttachPolicy(dave, principal.System, "AliyunARMSFullAccess") })
	if err != nil {
		return err
	}

	assume := func(who, sessionPolicy string) (role.AssumeRoleOutput, error) {
		return sts.AssumeRole(role.AssumeRoleInput{Caller: "acs:ram::" + b + ":user/" + who, RoleARN: roleARN,
			RoleSessionName: who + "-session", Policy: sessionPolicy})
	}
	editAlerts := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn-hangzhou:" + a + ":alert/*"}
	readTraces := evaluator.Request{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:" + a + ":armsapp/checkout"}
	stopECS := evaluator.Request{Action: "ecs:StopInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-web1"}
	show := func(label, who string, r evaluator.Request) {
		d, err := dir.Authorize(who, r)
		note := ""
		switch {
		case errors.Is(err, principal.ErrExpired):
			note = " (session revoked)"
		case errors.Is(err, principal.ErrNotFound):
			note = " (session gone)"
		}
		fmt.Fprintf(w, "  %-34s %s%s\n", label, d, note)
	}

	// ARMS full access in B is no access to A: A's resources are beyond the
	// account boundary until dave goes through A's role.
	fmt.Fprintln(w, "dave as himself:")
	show("edit B's alert rules", dave.String(), evaluator.Request{Action: "arms:CreateAlertRules",
		Resource: "acs:arms:cn-hangzhou:" + b + ":alert/*"})
	x, err := dir.Explain(dave.String(), editAlerts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-34s %s (%s)\n", "edit A's alert rules", x.Decision, x.Layer)

	out, err := assume("dave", "")
	if err != nil {
		return err
	}
	session := out.Credentials.AccessKeyID
	fmt.Fprintln(w, "dave assumes A's role:", out.AssumedRoleUser.ARN)
	show("edit A's alert rules", session, editAlerts)
	show("read A's traces", session, readTraces)
	show("stop A's ECS instance", session, stopECS)

	_, err = assume("erin", "")
	fmt.Fprintln(w, "erin assumes A's role: refused:", errors.Is(err, role.ErrNoPermission))

	// A session policy narrows one session to reading.
	ro, err := assume("dave", `{"Version":"1","Statement":[{"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"}]}`)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "dave's read-only session (session policy):")
	show("read A's traces", ro.Credentials.AccessKeyID, readTraces)
	show("edit A's alert rules", ro.Credentials.AccessKeyID, editAlerts)

	// Revocation, side B: dave loses the right to assume; running sessions
	// live on until they expire or A revokes them.
	if err := dir.DetachPolicy(dave, principal.Custom, "OperateEnterpriseA"); err != nil {
		return err
	}
	_, err = assume("dave", "")
	fmt.Fprintln(w, "B detaches dave's policy; new session refused:", errors.Is(err, role.ErrNoPermission))
	show("existing session edits alerts", session, editAlerts)

	// Revocation, side A: revoke the sessions issued so far, then delete the role.
	now = now.Add(time.Minute)
	if err := sts.RevokeSessions(roleARN, now); err != nil {
		return err
	}
	fmt.Fprintln(w, "A revokes the role's sessions:")
	show("existing session edits alerts", session, editAlerts)
	if err := dir.DeleteRole(a, "arms-operator", principal.Cascade); err != nil {
		return err
	}
	fmt.Fprintln(w, "A deletes the role:")
	show("read-only session reads traces", ro.Credentials.AccessKeyID, readTraces)
	return nil
}
