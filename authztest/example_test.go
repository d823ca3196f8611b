package authztest_test

import (
	"fmt"
	"testing"

	"github.com/ramauthz/ramauthz/authztest"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
)

// printer stands in for the *testing.T of a real test: it prints failures.
type printer struct{ testing.TB }

func (printer) Helper() {}

func (printer) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (printer) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func Example() {
	t := printer{} // in a test: the *testing.T
	ev := authztest.Compile(t, `{"Version": "1", "Statement": [
	  {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:reports/*"},
	  {"Effect": "Deny", "Action": "oss:*", "Resource": "*",
	   "Condition": {"Bool": {"acs:SecureTransport": "false"}}}]}`)

	authztest.Allowed(t, ev, authztest.Req("oss:GetObject", "acs:oss:*:1234567890123456:reports/q1.csv"))
	authztest.ExplicitlyDenied(t, ev, authztest.Req("oss:GetObject", "acs:oss:*:1234567890123456:reports/q1.csv",
		"acs:SecureTransport=false"))
	// This assertion is wrong on purpose, to show a failure message.
	authztest.Allowed(t, ev, authztest.Req("oss:PutObject", "acs:oss:*:1234567890123456:reports/q1.csv"))
	// Output:
	// authztest: oss:PutObject on acs:oss:*:1234567890123456:reports/q1.csv: expected Allow, got ImplicitDeny
	// ImplicitDeny
	//   near miss: Deny policy "policy[0]" Statement[1]: Bool "acs:SecureTransport": key absent
}

func ExampleSystem() {
	t := printer{}
	ev := authztest.System(t, "AliyunARMSReadOnlyAccess")
	fmt.Println(authztest.Allowed(t, ev, authztest.Req("arms:ListDashboards", "*")))
	fmt.Println(authztest.ImplicitlyDenied(t, ev, authztest.Req("xtrace:SearchTrace", "*")))
	// Output:
	// true
	// true
}

// A negative assertion on an identity the directory does not know fails,
// so a typo cannot pass as a denial; AllowUnknown opts in for tests of
// deleted identities.
func ExampleAllowUnknown() {
	t := printer{}
	const uid = "1234567890123456"
	dir := directory.MustNew(directory.Options{})
	_, _ = dir.CreateAccount(uid)
	opsID := principal.MustParse("acs:ram::" + uid + ":user/ecs-ops")
	_, _ = dir.CreateUser(opsID)
	del := authztest.Req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uid+":instance/i-1")

	fmt.Println(authztest.Denied(t, authztest.As(dir, "acs:ram::"+uid+":user/ecs-ops"), del))
	fmt.Println(authztest.Denied(t, authztest.As(dir, "acs:ram::"+uid+":user/ecs-opp"), del)) // typo
	_, _ = dir.DeleteUser(opsID, directory.DeleteCascade)
	fmt.Println(authztest.Denied(t, authztest.As(dir, "acs:ram::"+uid+":user/ecs-ops", authztest.AllowUnknown()), del))
	// Output:
	// true
	// authztest: ecs:DeleteInstance on acs:ecs:cn-hangzhou:1234567890123456:instance/i-1: expected a denial for acs:ram::1234567890123456:user/ecs-opp, but the directory does not know that identity: Authorize acs:ram::1234567890123456:user/ecs-opp: not found: no such user
	// (an unknown identity fails every assertion; pass authztest.AllowUnknown() to As to assert on one)
	// false
	// true
}
