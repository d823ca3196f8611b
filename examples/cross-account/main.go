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

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
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
	dir, err := directory.New(directory.Options{Clock: func() time.Time { return now }})
	if err != nil {
		return err
	}
	roleID := principal.MustParse("acs:ram::" + a + ":role/arms-operator")
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")
	erin := principal.MustParse("acs:ram::" + b + ":user/erin")
	armsFull := directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSFullAccess"}
	operate := directory.PolicyRef{Type: directory.PolicyCustom, Name: "OperateEnterpriseA"}

	// Setup: A's role trusts B's whole account; B lets only dave use it.
	step := func(f func() (directory.Revision, error)) {
		if err == nil {
			_, err = f()
		}
	}
	step(func() (directory.Revision, error) { return dir.CreateAccount(a) })
	step(func() (directory.Revision, error) { return dir.CreateAccount(b) })
	step(func() (directory.Revision, error) {
		return dir.CreateRole(roleID, directory.RoleSpec{
			Description: "Enterprise B operates our monitoring",
			TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
				`"Principal":{"RAM":["acs:ram::` + b + `:root"]}}]}`,
			Policies: []directory.PolicyRef{armsFull}})
	})
	step(func() (directory.Revision, error) { return dir.CreateUser(dave) })
	step(func() (directory.Revision, error) { return dir.CreateUser(erin) })
	step(func() (directory.Revision, error) {
		return dir.CreatePolicy(b, directory.PolicySpec{Name: operate.Name, Description: "assume A's ARMS role",
			Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleID.String() + `"}]}`})
	})
	step(func() (directory.Revision, error) { return dir.AttachPolicy(dave, operate) })
	// dave also runs B's own monitoring.
	step(func() (directory.Revision, error) { return dir.AttachPolicy(dave, armsFull) })
	if err != nil {
		return err
	}

	assume := func(who principal.ID, sessionPolicy string) (directory.AssumeRoleOutput, error) {
		return dir.AssumeRole(directory.AssumeRoleInput{Caller: who, Role: roleID,
			SessionName: who.Name() + "-session", Policy: sessionPolicy})
	}
	editAlerts := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn-hangzhou:" + a + ":alert/*"}
	readTraces := evaluator.Request{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:" + a + ":armsapp/checkout"}
	stopECS := evaluator.Request{Action: "ecs:StopInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-web1"}
	// A session acts by its credentials: AccessKeyId and SecurityToken.
	show := func(label string, c directory.Credentials, r evaluator.Request) {
		res, err := dir.AuthorizeSession(c.AccessKeyID, c.SecurityToken.Reveal(), r)
		note := ""
		if errors.Is(err, directory.ErrTokenRevoked) {
			note = " (session revoked)"
			if _, e := dir.GetRole(roleID); errors.Is(e, directory.ErrNotFound) {
				note = " (session gone)"
			}
		}
		fmt.Fprintf(w, "  %-34s %s%s\n", label, res.Decision, note)
	}

	// ARMS full access in B is no access to A: A's resources are beyond the
	// account boundary until dave goes through A's role.
	fmt.Fprintln(w, "dave as himself:")
	own, err := dir.Authorize(dave, evaluator.Request{Action: "arms:CreateAlertRules",
		Resource: "acs:arms:cn-hangzhou:" + b + ":alert/*"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-34s %s\n", "edit B's alert rules", own.Decision)
	x, err := dir.Explain(dave, editAlerts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-34s %s (%s)\n", "edit A's alert rules", x.Decision, x.Layer)

	out, err := assume(dave, "")
	if err != nil {
		return err
	}
	session := out.Credentials
	fmt.Fprintln(w, "dave assumes A's role:", out.Session)
	show("edit A's alert rules", session, editAlerts)
	show("read A's traces", session, readTraces)
	show("stop A's ECS instance", session, stopECS)

	_, err = assume(erin, "")
	fmt.Fprintln(w, "erin assumes A's role: refused:", errors.Is(err, directory.ErrNoPermission))

	// A session policy narrows one session to reading.
	ro, err := assume(dave, `{"Version":"1","Statement":[{"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"}]}`)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "dave's read-only session (session policy):")
	show("read A's traces", ro.Credentials, readTraces)
	show("edit A's alert rules", ro.Credentials, editAlerts)

	// Revocation, side B: dave loses the right to assume; running sessions
	// live on until they expire or A revokes them.
	if _, err := dir.DetachPolicy(dave, operate); err != nil {
		return err
	}
	_, err = assume(dave, "")
	fmt.Fprintln(w, "B detaches dave's policy; new session refused:", errors.Is(err, directory.ErrNoPermission))
	show("existing session edits alerts", session, editAlerts)

	// Revocation, side A: revoke the sessions issued so far, then delete the role.
	now = now.Add(time.Minute)
	if _, err := dir.RevokeAllSessions(roleID); err != nil {
		return err
	}
	fmt.Fprintln(w, "A revokes the role's sessions:")
	show("existing session edits alerts", session, editAlerts)
	if _, err := dir.DeleteRole(roleID, directory.DeleteCascade); err != nil {
		return err
	}
	fmt.Fprintln(w, "A deletes the role:")
	show("read-only session reads traces", ro.Credentials, readTraces)
	return nil
}
