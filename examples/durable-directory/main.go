// Command durable-directory shows that Enterprise A's identities survive a
// restart: a service keeps its directory in a file store (here in a
// temporary folder), creates users, groups, policies and AccessKeys, revokes
// some of them, and stops. A restarted service opens the same folder and
// finds every user, key, attachment and revocation in force, at the same
// revision.
//
//	go run ./examples/durable-directory
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store/filestore"
)

const a = "1234567890123456" // Enterprise A's account

func main() {
	tmp, err := os.MkdirTemp("", "durable-directory-")
	if err == nil {
		defer os.RemoveAll(tmp)
		err = run(os.Stdout, tmp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "durable-directory:", err)
		os.Exit(1)
	}
}

type job struct {
	label string
	req   evaluator.Request
}

var jobs = []job{
	{"start ECS", evaluator.Request{Action: "ecs:StartInstance", Resource: "acs:ecs:cn-hangzhou:" + a + ":instance/i-web1"}},
	{"read RDS", evaluator.Request{Action: "rds:DescribeDBInstances", Resource: "acs:rds:cn-hangzhou:" + a + ":dbinstance/rm-orders"}},
	{"read OSS", evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:" + a + ":reports/q1.csv"}},
}

func user(name string) principal.ID { return principal.MustParse("acs:ram::" + a + ":user/" + name) }

func group(name string) principal.ID { return principal.MustParse("acs:ram::" + a + ":group/" + name) }

func allow(action string) string {
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

// service is what a restart replaces: the open store and the directory on
// it.
type service struct {
	fs  *filestore.Store
	dir *directory.Directory
}

// start opens the directory kept in folder, as a service does at boot.
func start(folder string, kek []byte, clock func() time.Time) (*service, error) {
	fs, err := filestore.Open(folder, filestore.Options{})
	if err != nil {
		return nil, err
	}
	dir, err := directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: kek, Clock: clock})
	if err != nil {
		_ = fs.Close()
		return nil, err
	}
	return &service{fs, dir}, nil
}

func (s *service) stop() error {
	return errors.Join(s.dir.Close(), s.fs.Close())
}

// keys of the example, filled by setUp.
type keys struct {
	carol, dan string // AccessKeyIds: carol's stays, dan's is deleted
	session    directory.Credentials
}

func setUp(d *directory.Directory, clock *atomic.Int64) (keys, error) {
	var k keys
	steps := []func() error{
		func() error { _, err := d.CreateAccount(a); return err },
		func() error {
			_, err := d.CreatePolicy(a, directory.PolicySpec{Name: "ecs-operate", Document: allow("ecs:*")})
			return err
		},
		func() error {
			_, err := d.CreatePolicy(a, directory.PolicySpec{Name: "rds-read", Document: allow("rds:Describe*")})
			return err
		},
		func() error {
			_, err := d.CreatePolicy(a, directory.PolicySpec{Name: "oss-read", Document: allow("oss:Get*")})
			return err
		},
		func() error { _, err := d.CreateGroup(group("analysts")); return err },
		func() error {
			_, err := d.AttachPolicy(group("analysts"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "oss-read"})
			return err
		},
	}
	for _, u := range []string{"ops-alice", "dba-bob", "analyst-carol", "analyst-dan"} {
		steps = append(steps, func() error { _, err := d.CreateUser(user(u)); return err })
	}
	steps = append(steps,
		func() error {
			_, err := d.AttachPolicy(user("ops-alice"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "ecs-operate"})
			return err
		},
		func() error {
			_, err := d.AttachPolicy(user("dba-bob"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "rds-read"})
			return err
		},
		func() error { _, err := d.AddUserToGroup(user("analyst-carol"), group("analysts")); return err },
		func() error { _, err := d.AddUserToGroup(user("analyst-dan"), group("analysts")); return err },
		func() error {
			nk, _, err := d.CreateAccessKey(user("analyst-carol"))
			k.carol = nk.ID
			return err
		},
		func() error {
			nk, _, err := d.CreateAccessKey(user("analyst-dan"))
			k.dan = nk.ID
			return err
		},
		func() error {
			_, err := d.CreateRole(principal.MustParse("acs:ram::"+a+":role/oncall"), directory.RoleSpec{
				TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::` + a + `:root"}}]}`,
				Policies:    []directory.PolicyRef{{Type: directory.PolicyCustom, Name: "ecs-operate"}}})
			return err
		},
		func() error {
			_, err := d.AttachPolicy(user("ops-alice"), directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
			return err
		},
		func() error {
			out, err := d.AssumeRole(directory.AssumeRoleInput{Caller: user("ops-alice"),
				Role: principal.MustParse("acs:ram::" + a + ":role/oncall"), SessionName: "incident-42"})
			k.session = out.Credentials
			return err
		},
		// The revocations: dba-bob loses RDS, dan's key is deleted, and the
		// on-call sessions issued so far are cut off.
		func() error {
			_, err := d.DetachPolicy(user("dba-bob"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "rds-read"})
			return err
		},
		func() error { _, err := d.DeleteAccessKey(k.dan); return err },
		func() error {
			clock.Add(int64(time.Minute))
			_, err := d.RevokeAllSessions(principal.MustParse("acs:ram::" + a + ":role/oncall"))
			return err
		},
	)
	for i, s := range steps {
		if err := s(); err != nil {
			return k, fmt.Errorf("step %d: %w", i, err)
		}
	}
	return k, nil
}

// table prints one line per user and per key, and the role session.
func table(w io.Writer, d *directory.Directory, k keys) {
	fmt.Fprintf(w, "%-22s", "")
	for _, j := range jobs {
		fmt.Fprintf(w, " %-13s", j.label)
	}
	fmt.Fprintln(w)
	row := func(label string, decide func(evaluator.Request) (directory.Result, error)) {
		fmt.Fprintf(w, "%-22s", label)
		for _, j := range jobs {
			res, err := decide(j.req)
			cell := res.Decision.String()
			if err != nil {
				cell = "refused"
			}
			fmt.Fprintf(w, " %-13s", cell)
		}
		fmt.Fprintln(w)
	}
	users, _ := d.ListUsers(a)
	for _, u := range users {
		id := u.ID
		row(id.Name(), func(r evaluator.Request) (directory.Result, error) { return d.Authorize(id, r) })
	}
	row("carol's AccessKey", func(r evaluator.Request) (directory.Result, error) { return d.AuthorizeAccessKey(k.carol, r) })
	row("dan's deleted key", func(r evaluator.Request) (directory.Result, error) { return d.AuthorizeAccessKey(k.dan, r) })
	row("revoked role session", func(r evaluator.Request) (directory.Result, error) {
		return d.AuthorizeSession(k.session.AccessKeyID, k.session.SecurityToken.Reveal(), r)
	})
}

func run(w io.Writer, folder string) error {
	// A fixed clock keeps the output stable; the directory reads it from
	// its background goroutines too, so it is read atomically.
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	// The key-encryption key comes from a KMS or a secret store in a real
	// service; it must be the same at every start.
	kek := make([]byte, 32)
	if _, err := rand.Read(kek); err != nil {
		return err
	}

	svc, err := start(folder, kek, clock)
	if err != nil {
		return err
	}
	k, err := setUp(svc.dir, &now)
	if err != nil {
		return err
	}
	rev := svc.dir.Revision()
	fmt.Fprintf(w, "Before the restart (revision %d):\n", rev)
	var before strings.Builder
	table(&before, svc.dir, k)
	fmt.Fprint(w, before.String())
	if err := svc.stop(); err != nil {
		return err
	}

	svc, err = start(folder, kek, clock)
	if err != nil {
		return err
	}
	defer svc.stop()
	fmt.Fprintf(w, "\nAfter the restart (revision %d):\n", svc.dir.Revision())
	var after strings.Builder
	table(&after, svc.dir, k)
	fmt.Fprint(w, after.String())
	g, err := svc.dir.GetGroup(group("analysts"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\ngroup analysts: %s\n", strings.Join(g.Members, ", "))
	fmt.Fprintf(w, "same decisions after the restart: %v\n", before.String() == after.String() && rev == svc.dir.Revision())
	return nil
}
