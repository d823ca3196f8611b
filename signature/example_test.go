package signature_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

// A service verifies a request a client signed with signature V3.
func Example() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	creds := &signature.MemoryCredentials{}
	creds.AddAccessKey("LTAI5tExampleKey", "example-secret", principal.MustParse("acs:ram::1234567890123456:user/alice"))
	v, _ := signature.New(signature.Config{Credentials: creds, Clock: func() time.Time { return now }})

	// The client's side: what an SDK does.
	r := httptest.NewRequest("POST", "http://arms.example.com/?RegionId=cn-hangzhou", nil)
	r.Header.Set("x-acs-action", "ListTraceApps")
	r.Header.Set("x-acs-version", "2019-08-08")
	_ = signature.SignV3(r, nil, signature.Key{AccessKeyID: "LTAI5tExampleKey", AccessKeySecret: "example-secret"},
		now, "4f3c1b2a-example-nonce")

	id, err := v.Verify(r)
	fmt.Println(id.Principal, id.Action, id.Param("RegionId"), err)

	// The same request again is a replay.
	_, err = v.Verify(r)
	fmt.Println(err)
	// Output:
	// acs:ram::1234567890123456:user/alice ListTraceApps cn-hangzhou <nil>
	// SignatureNonceUsed: signature nonce already used
}

// A service verifies a ROA-style call signed the way darabonba-openapi signs
// with SignatureAlgorithm "v2"; a body it does not cover is refused.
func ExampleSignROA() {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	creds := &signature.MemoryCredentials{}
	creds.AddAccessKey("LTAI5tExampleKey", "example-secret", principal.MustParse("acs:ram::1234567890123456:user/alice"))
	v, _ := signature.New(signature.Config{Credentials: creds, Clock: func() time.Time { return now }})
	key := signature.Key{AccessKeyID: "LTAI5tExampleKey", AccessKeySecret: "example-secret"}

	r := httptest.NewRequest("GET", "http://cs.example.com/clusters/c-1/triggers?RegionId=cn-hangzhou", nil)
	r.Header.Set("x-acs-action", "DescribeClusterTriggers")
	r.Header.Set("x-acs-version", "2015-12-15")
	_ = signature.SignROA(r, nil, key, now, "roa-example-nonce-1")
	fmt.Println(r.Header.Get("Authorization")[:len("acs LTAI5tExampleKey:")])
	id, err := v.Verify(r)
	fmt.Println(id.Version, id.Principal, id.Action, id.Param("RegionId"), err)

	// A body added after signing: ROA covers a body only through Content-MD5.
	r = httptest.NewRequest("GET", "http://cs.example.com/clusters/c-1/triggers", nil)
	_ = signature.SignROA(r, nil, key, now, "roa-example-nonce-2")
	r.Body = io.NopCloser(strings.NewReader(`{"ClusterId":"c-2"}`))
	_, err = v.Verify(r)
	fmt.Println(err != nil, strings.Contains(err.Error(), "IncompleteSignature"))
	// Output:
	// acs LTAI5tExampleKey:
	// ROA acs:ram::1234567890123456:user/alice DescribeClusterTriggers cn-hangzhou <nil>
	// true true
}
