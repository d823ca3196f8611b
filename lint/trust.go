package lint

import (
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/policy"
)

// checkTrust runs the trust-policy checks on one statement.
func (c *checker) checkTrust(sv *stmtView) {
	st := sv.st
	if st.Effect != policy.Allow || st.Principal == nil {
		return
	}
	pm := sv.members["Principal"].value
	if len(st.Principal.RAM) > 0 && !c.hasExternalID(st) {
		ram := pm.Get("RAM")
		for i, p := range st.Principal.RAM {
			acct := strings.TrimPrefix(p, "acs:ram::")
			acct, _, _ = strings.Cut(acct, ":")
			if acct == c.opts.Account {
				continue
			}
			res, path := ram, sv.path+".Principal.RAM"
			if ram.IsArray() {
				res = ram.Array()[i]
				path += "[" + strconv.Itoa(i) + "]"
			}
			who := "an external account"
			if c.opts.Account == "" {
				who = "an account that may be external (Options.Account is not set)"
			}
			c.add(TrustExternalAccountNoExternalID, quote(p)+" belongs to "+who+" and may assume the role without an ExternalId; add \"StringEquals\": {\"sts:ExternalId\": \"<secret agreed with that account>\"} against the confused-deputy problem", path, res)
		}
	}
	if len(st.Principal.Federated) > 0 && len(st.Condition) == 0 {
		c.add(TrustFederatedWithoutCondition, "the identity provider is trusted without a condition, so any assertion it issues for any audience may assume the role; add a condition such as \"StringEquals\": {\"saml:recipient\": \"https://signin.alibabacloud.com/saml-role/sso\"}", sv.path+".Principal.Federated", pm.Get("Federated"))
	}
}

// hasExternalID reports whether the statement requires sts:ExternalId with
// StringEquals (any spelling of the key, spec D23).
func (c *checker) hasExternalID(st *policy.Statement) bool {
	for _, cond := range st.Condition {
		if (cond.Operator == policy.StringEquals || cond.Operator == policy.StringEqualsIgnoreCase) && !cond.IfExists && policy.CanonicalKey(cond.Key) == "sts:externalid" {
			return true
		}
	}
	return false
}
