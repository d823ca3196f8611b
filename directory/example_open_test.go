package directory_test

import (
	"context"
	"fmt"
	"os"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store/filestore"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// A directory kept in a file store: a restarted service opens the same
// folder and decides as before, at the same revision.
func ExampleOpen() {
	folder, _ := os.MkdirTemp("", "directory-example-")
	defer os.RemoveAll(folder)
	kek := []byte("an example key: use a KMS one!!!") // 32 bytes, the same at every start
	alice := principal.MustParse("acs:ram::1234567890123456:user/alice")
	req := evaluator.Request{Action: "ecs:StopInstance", Resource: "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1"}

	fs, _ := filestore.Open(folder, filestore.Options{})
	d, err := directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: kek, Clock: fixedClock})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = d.CreateAccount("1234567890123456")
	_, _ = d.CreateUser(alice)
	_, _ = d.CreatePolicy("1234567890123456", directory.PolicySpec{Name: "ecs-all",
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`})
	rev, _ := d.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicyCustom, Name: "ecs-all"})
	_ = d.Close()
	_ = fs.Close()

	// The restart.
	fs, _ = filestore.Open(folder, filestore.Options{})
	defer fs.Close()
	d, _ = directory.Open(context.Background(), fs, directory.Options{KeyEncryptionKey: kek, Clock: fixedClock})
	defer d.Close()
	res, _ := d.Authorize(alice, req)
	fmt.Println(res.Decision, res.Revision == rev)
	// Output: Allow true
}

// Two replicas on one store: a revocation on one, WaitReplicated, and the
// other refuses.
func ExampleDirectory_WaitReplicated() {
	ms := memstore.New()
	defer ms.Close()
	kek := []byte("an example key: use a KMS one!!!")
	open := func(id string) *directory.Directory {
		d, _ := directory.Open(context.Background(), ms, directory.Options{KeyEncryptionKey: kek, ReplicaID: id})
		return d
	}
	one, two := open("api-1"), open("api-2")
	defer one.Close()
	defer two.Close()
	alice := principal.MustParse("acs:ram::1234567890123456:user/alice")
	ecs := directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"}
	_, _ = one.CreateAccount("1234567890123456")
	_, _ = one.CreateUser(alice)
	_, _ = one.AttachPolicy(alice, ecs)
	req := evaluator.Request{Action: "sts:AssumeRole", Resource: "acs:ram::1234567890123456:role/ops"}
	before, _ := two.AuthorizeAtLeast(context.Background(), one.Token(), alice, req)

	rev, _ := one.DetachPolicy(alice, ecs)
	receipt, err := one.WaitReplicated(context.Background(), rev)
	after, _ := two.Authorize(alice, req)
	fmt.Println(before.Decision, receipt.Applied, receipt.Pending, err, after.Decision)
	// Output: Allow [api-1 api-2] [] <nil> ImplicitDeny
}
