package strictjson_test

import (
	"errors"
	"fmt"

	"github.com/ramauthz/ramauthz/internal/strictjson"
)

func ExampleUnmarshal() {
	type user struct {
		Name     string   `json:"name,required"`
		Policies []string `json:"policies"`
	}
	var u user
	err := strictjson.Unmarshal([]byte(`{"name": "alice", "policies": ["AliyunSTSAssumeRoleAccess"]}`), &u)
	fmt.Println(u, err)

	// encoding/json would fill Policies from the second member ("ſ" folds
	// to "s"); strictjson refuses the document.
	err = strictjson.Unmarshal([]byte(`{"name": "alice", "policies": [], "policieſ": ["AliyunARMSFullAccess"]}`), &u)
	fmt.Println(err)
	fmt.Println(errors.Is(err, strictjson.ErrDuplicateMember))
	// Output:
	// {alice [AliyunSTSAssumeRoleAccess]} <nil>
	// 1:35: $["policieſ"]: duplicate member name: member "policieſ" repeats "policies" (the names are equal when case is ignored, so readers disagree on which one counts)
	// true
}
