package principal_test

import (
	"errors"
	"fmt"

	"github.com/ramauthz/ramauthz/principal"
)

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

// The constructors build an ID from its parts and check the name rules.
func ExampleSessionID() {
	id, err := principal.SessionID("1234567890123456", "ops", "dave@example")
	fmt.Println(id, id.Role(), id.Root(), err)
	_, err = principal.SessionID("1234567890123456", "ops", "a b")
	fmt.Println(errors.Is(err, principal.ErrInvalid))
	// Output:
	// acs:ram::1234567890123456:role/ops/dave@example acs:ram::1234567890123456:role/ops acs:ram::1234567890123456:root <nil>
	// true
}
