package evaluator

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

type decideCase struct {
	name     string
	docs     []string
	action   string
	resource string
	context  map[string][]string
	want     Decision
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := compileJSON(t, tc.docs...)
			r := Request{Action: tc.action, Resource: tc.resource, Context: ctx(tc.context)}
			assert.Equal(t, tc.want, e.Decide(r), "Decide")
			x := e.Explain(r)
			assert.Equal(t, tc.want, x.Decision, "Explain:\n%s", x)
			assert.Equal(t, tc.want, referenceDecide(refPolicies(t, tc.docs), r), "reference")
		})
	}
}

func allow(action, resource string) string {
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":` + action + `,"Resource":` + resource + `}]}`
}

func deny(action, resource string) string {
	return `{"Version":"1","Statement":[{"Effect":"Deny","Action":` + action + `,"Resource":` + resource + `}]}`
}

const res = "acs:arms:cn-hangzhou:1234567890123456:dashboard/abc"

func TestDecideMatching(t *testing.T) {
	runDecideCases(t, []decideCase{
		{"no policies", nil, "arms:GetTrace", res, nil, ImplicitDeny},
		{"exact allow", []string{allow(`"arms:GetTrace"`, `"*"`)}, "arms:GetTrace", res, nil, Allow},
		{"prefix star", []string{allow(`"arms:Get*"`, `"*"`)}, "arms:GetTrace", res, nil, Allow},
		{"star matches empty", []string{allow(`"arms:Get*"`, `"*"`)}, "arms:Get", res, nil, Allow},
		{"action case-insensitive request", []string{allow(`"arms:Get*"`, `"*"`)}, "ARMS:gettrace", res, nil, Allow},
		{"action case-insensitive pattern", []string{allow(`"ARMS:GETTRACE"`, `"*"`)}, "arms:gettrace", res, nil, Allow},
		{"Get* does not match get without star expansion mismatch", []string{allow(`"arms:Get*"`, `"*"`)}, "arms:ge", res, nil, ImplicitDeny},
		{"other service", []string{allow(`"arms:Get*"`, `"*"`)}, "cms:GetTrace", res, nil, ImplicitDeny},
		{"bare star action", []string{allow(`"*"`, `"*"`)}, "anything:AtAll", res, nil, Allow},
		{"star in service", []string{allow(`"*:Get*"`, `"*"`)}, "oss:GetObject", res, nil, Allow},
		{"question mark", []string{allow(`"arms:Get?race"`, `"*"`)}, "arms:GetTrace", res, nil, Allow},
		{"question mark needs one char", []string{allow(`"arms:GetT?race"`, `"*"`)}, "arms:GetTrace", res, nil, ImplicitDeny},
		{"anchored at end", []string{allow(`"arms:Get"`, `"*"`)}, "arms:GetTrace", res, nil, ImplicitDeny},
		{"anchored at start", []string{allow(`"rms:Get*"`, `"*"`)}, "arms:GetTrace", res, nil, ImplicitDeny},
		{"resource exact", []string{allow(`"arms:*"`, `"`+res+`"`)}, "arms:GetTrace", res, nil, Allow},
		{"resource case-sensitive", []string{allow(`"arms:*"`, `"acs:arms:cn-hangzhou:1234567890123456:DASHBOARD/abc"`)}, "arms:GetTrace", res, nil, ImplicitDeny},
		{"resource star crosses colon and slash", []string{allow(`"arms:*"`, `"acs:arms:*abc"`)}, "arms:GetTrace", res, nil, Allow},
		{"resource region wildcard matches empty region", []string{allow(`"sts:AssumeRole"`, `"acs:ram:*:1234567890123456:role/admin"`)}, "sts:AssumeRole", "acs:ram::1234567890123456:role/admin", nil, Allow},
		{"bucket does not cover objects", []string{allow(`"oss:*"`, `"acs:oss:*:*:bucket"`)}, "oss:GetObject", "acs:oss:*:*:bucket/key", nil, ImplicitDeny},
		{"bucket/* covers nested objects", []string{allow(`"oss:*"`, `"acs:oss:*:*:bucket/*"`)}, "oss:GetObject", "acs:oss:cn:1:bucket/a/b/c", nil, Allow},
		{"second pattern in list", []string{allow(`["cms:*","arms:List*"]`, `["acs:x:*","acs:arms:*"]`)}, "arms:ListDashboards", res, nil, Allow},
		{"action matches but resource not", []string{allow(`"arms:*"`, `"acs:cms:*"`)}, "arms:GetTrace", res, nil, ImplicitDeny},
		{"deny wins", []string{allow(`"arms:*"`, `"*"`), deny(`"arms:Get*"`, `"*"`)}, "arms:GetTrace", res, nil, ExplicitDeny},
		{"deny wins regardless of order", []string{deny(`"arms:Get*"`, `"*"`), allow(`"arms:*"`, `"*"`)}, "arms:GetTrace", res, nil, ExplicitDeny},
		{"deny alone", []string{deny(`"*"`, `"*"`)}, "arms:GetTrace", res, nil, ExplicitDeny},
		{"deny elsewhere", []string{allow(`"arms:*"`, `"*"`), deny(`"arms:Delete*"`, `"*"`)}, "arms:GetTrace", res, nil, Allow},
		{"deny on other resource", []string{allow(`"arms:*"`, `"*"`), deny(`"arms:*"`, `"acs:arms:*:*:prometheus/*"`)}, "arms:GetTrace", res, nil, Allow},
		{"NotAction allow", []string{`{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}]}`}, "ecs:StopInstance", res, nil, Allow},
		{"NotAction excludes", []string{`{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}]}`}, "RAM:CreateUser", res, nil, ImplicitDeny},
		{"NotAction deny", []string{allow(`"*"`, `"*"`), `{"Version":"1","Statement":[{"Effect":"Deny","NotAction":["arms:Get*","arms:List*"],"Resource":"*"}]}`}, "arms:DeleteApp", res, nil, ExplicitDeny},
		{"NotAction deny spares listed", []string{allow(`"*"`, `"*"`), `{"Version":"1","Statement":[{"Effect":"Deny","NotAction":["arms:Get*","arms:List*"],"Resource":"*"}]}`}, "arms:ListApps", res, nil, Allow},
		{"NotResource allow", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}`}, "oss:GetObject", "acs:oss:*:*:public/x", nil, Allow},
		{"NotResource excludes", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}`}, "oss:GetObject", "acs:oss:*:*:secret/x", nil, ImplicitDeny},
		{"NotResource star never applies", []string{`{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","NotResource":"*"}]}`, allow(`"oss:*"`, `"*"`)}, "oss:GetObject", "acs:oss:*:*:x", nil, Allow},
		{"empty action request", []string{allow(`"arms:*"`, `"*"`)}, "", res, nil, ImplicitDeny},
		{"empty action request star", []string{allow(`"*"`, `"*"`)}, "", "", nil, Allow},
		{"multibyte resource with question", []string{allow(`"oss:*"`, `"acs:oss:*:*:桶/?"`)}, "oss:GetObject", "acs:oss:*:*:桶/é", nil, Allow},
	})
}
