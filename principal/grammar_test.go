package principal_test

import (
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// TestOneGrammarWithThePolicyParser: every principal a trust policy may
// name is accepted by Parse with the matching kind, and everything Parse
// refuses the policy parser refuses too. Before, "ECS.aliyuncs.com" was a
// service to Parse and an error to the policy parser.
func TestOneGrammarWithThePolicyParser(t *testing.T) {
	const uid = "1234567890123456"
	cases := []struct {
		element string // RAM, Service or Federated
		value   string
		kinds   []principal.Kind // kinds Parse may give; nil: Parse must refuse
	}{
		{"RAM", "acs:ram::" + uid + ":root", []principal.Kind{principal.KindAccount}},
		{"RAM", "acs:ram::" + uid + ":user/alice", []principal.Kind{principal.KindUser}},
		{"RAM", "acs:ram::" + uid + ":role/ops", []principal.Kind{principal.KindRole}},
		{"RAM", "acs:ram::" + uid + ":user/a b", nil},
		{"RAM", "acs:ram::" + uid + ":role/a_b", nil},
		{"RAM", "acs:ram::12:root", nil},
		{"RAM", "acs:ram::" + uid + ":user/*", nil},
		{"Service", "ecs.aliyuncs.com", []principal.Kind{principal.KindService}},
		{"Service", "ECS.aliyuncs.com", nil},
		{"Service", "Ecs.Aliyuncs.Com", nil},
		{"Service", "ecs", nil},
		{"Service", "-ecs.aliyuncs.com", nil},
		{"Service", "ecs..aliyuncs.com", nil},
		{"Federated", "acs:ram::" + uid + ":saml-provider/idp", []principal.Kind{principal.KindSAMLProvider}},
		{"Federated", "acs:ram::" + uid + ":oidc-provider/idp", []principal.Kind{principal.KindOIDCProvider}},
		{"Federated", "acs:ram::" + uid + ":saml-provider/a b", nil},
	}
	for _, c := range cases {
		t.Run(c.element+" "+c.value, func(t *testing.T) {
			id, err := principal.Parse(c.value)
			parseOK := err == nil
			if parseOK && c.kinds != nil && id.Kind() != c.kinds[0] {
				t.Fatalf("Parse gave kind %v, want %v", id.Kind(), c.kinds[0])
			}
			doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"` +
				c.element + `":["` + strings.ReplaceAll(c.value, `"`, `\"`) + `"]}}]}`
			_, perr := policy.Parse([]byte(doc), policy.WithKind(policy.Trust))
			if want := c.kinds != nil; parseOK != want || (perr == nil) != want {
				t.Fatalf("Parse ok=%v, policy.Parse ok=%v (%v), want both %v", parseOK, perr == nil, perr, want)
			}
		})
	}
}
