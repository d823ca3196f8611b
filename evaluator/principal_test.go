package evaluator

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecidePrincipal(t *testing.T) {
	const acct = "1234567890123456"
	const other = "6543210987654321"
	trust := func(principal string) string {
		return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":` + principal + `}]}`
	}
	user := Principal{Type: PrincipalUser, AccountID: acct, ARN: "acs:ram::" + acct + ":user/alice"}
	role := Principal{Type: PrincipalRole, AccountID: acct, ARN: "acs:ram::" + acct + ":role/ops"}
	root := Principal{Type: PrincipalAccount, AccountID: acct, ARN: "acs:ram::" + acct + ":root"}
	tests := []struct {
		name      string
		doc       string
		principal Principal
		want      Decision
	}{
		{"root covers user", trust(`{"RAM":"acs:ram::` + acct + `:root"}`), user, Allow},
		{"root covers role", trust(`{"RAM":"acs:ram::` + acct + `:root"}`), role, Allow},
		{"root does not cover the account itself", trust(`{"RAM":"acs:ram::` + acct + `:root"}`), root, ImplicitDeny},
		{"root of other account", trust(`{"RAM":"acs:ram::` + other + `:root"}`), user, ImplicitDeny},
		{"exact user", trust(`{"RAM":["acs:ram::` + acct + `:user/alice"]}`), user, Allow},
		{"exact user other name", trust(`{"RAM":["acs:ram::` + acct + `:user/bob"]}`), user, ImplicitDeny},
		{"exact role", trust(`{"RAM":"acs:ram::` + acct + `:role/ops"}`), role, Allow},
		{"user entry does not cover role", trust(`{"RAM":"acs:ram::` + acct + `:user/ops"}`), role, ImplicitDeny},
		{"service", trust(`{"Service":"ecs.aliyuncs.com"}`), Principal{Type: PrincipalService, ARN: "ecs.aliyuncs.com"}, Allow},
		{"other service", trust(`{"Service":"ecs.aliyuncs.com"}`), Principal{Type: PrincipalService, ARN: "fc.aliyuncs.com"}, ImplicitDeny},
		{"service entry is not a user", trust(`{"Service":"ecs.aliyuncs.com"}`), user, ImplicitDeny},
		{"federated", trust(`{"Federated":"acs:ram::` + acct + `:saml-provider/idp"}`), Principal{Type: PrincipalFederated, ARN: "acs:ram::" + acct + ":saml-provider/idp"}, Allow},
		{"federated ARN as user does not match", trust(`{"Federated":"acs:ram::` + acct + `:saml-provider/idp"}`), Principal{Type: PrincipalUser, AccountID: other, ARN: "acs:ram::" + acct + ":saml-provider/idp"}, ImplicitDeny},
		{"no principal never matches", trust(`{"RAM":"acs:ram::` + acct + `:root"}`), Principal{AccountID: acct, ARN: "acs:ram::" + acct + ":root"}, ImplicitDeny},
		{"root entry needs AccountID", trust(`{"RAM":"acs:ram::` + acct + `:root"}`), Principal{Type: PrincipalUser, ARN: "acs:ram::" + acct + ":user/alice"}, ImplicitDeny},
		{"mixed list", trust(`{"RAM":["acs:ram::` + other + `:root"],"Service":["ecs.aliyuncs.com"]}`), Principal{Type: PrincipalService, ARN: "ecs.aliyuncs.com"}, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := compileJSON(t, tc.doc)
			r := Request{Action: "sts:AssumeRole", Resource: "acs:ram::" + acct + ":role/target", Principal: tc.principal}
			assert.Equal(t, tc.want, e.Decide(r))
			assert.Equal(t, tc.want, e.Explain(r).Decision)
			assert.Equal(t, tc.want, referenceDecide(refPolicies(t, []string{tc.doc}), r))
		})
	}

	t.Run("identity statements ignore the principal", func(t *testing.T) {
		e := compileJSON(t, allow(`"*"`, `"*"`))
		assert.Equal(t, Allow, e.Decide(Request{Action: "a:b", Resource: "x"}))
		assert.Equal(t, Allow, e.Decide(Request{Action: "a:b", Resource: "x", Principal: user}))
	})
	t.Run("trust with condition", func(t *testing.T) {
		e := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::`+acct+`:root"},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}`)
		var c Context
		c.Set("sts:ExternalId", "abc")
		assert.Equal(t, Allow, e.Decide(Request{Action: "sts:AssumeRole", Principal: user, Context: &c}))
		c.Set("sts:ExternalId", "abd")
		assert.Equal(t, ImplicitDeny, e.Decide(Request{Action: "sts:AssumeRole", Principal: user, Context: &c}))
	})
}

func TestPrincipalTypeString(t *testing.T) {
	assert.Equal(t, "None", PrincipalNone.String())
	assert.Equal(t, "Account", PrincipalAccount.String())
	assert.Equal(t, "User", PrincipalUser.String())
	assert.Equal(t, "Role", PrincipalRole.String())
	assert.Equal(t, "Service", PrincipalService.String())
	assert.Equal(t, "Federated", PrincipalFederated.String())
	assert.Equal(t, "PrincipalType(9)", PrincipalType(9).String())
}
