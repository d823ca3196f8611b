package apierror_test

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// A service refuses a request the way Alibaba Cloud does, sealing the
// explanation so only the account's administrator can read it.
func Example() {
	const account = "1234567890123456"
	adminKey, _ := apierror.NewDiagnosticKey()
	who := principal.MustParse("acs:ram::" + account + ":user/oncall")
	x := evaluator.Explanation{Decision: evaluator.ImplicitDeny}
	diag := apierror.NewDiagnostic(who.String(), "arms:DeleteTraceApp", "acs:arms:cn-hangzhou:"+account+":armsapp/checkout",
		x, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sealed, _ := apierror.Seal(adminKey, account, diag)

	rec := httptest.NewRecorder()
	apierror.WriteDenied(rec, nil, apierror.Denial{Action: "arms:DeleteTraceApp", Principal: who, Explanation: x, Encoded: sealed},
		"6C3A8E5F-0000-4000-8000-000000000001", "arms.cn-hangzhou.aliyuncs.com")
	fmt.Println(rec.Code)

	// The administrator decodes the message (RAM's DecodeDiagnosticMessage).
	d, err := apierror.Open(adminKey, account, sealed)
	fmt.Println(d.Decision, d.Action, err)
	// Output:
	// 403
	// ImplicitDeny arms:DeleteTraceApp <nil>
}
