package lint

import (
	"strings"

	"github.com/ramauthz/ramauthz/policy"
)

// knownKey is a condition key whose type and presence are documented.
type knownKey struct {
	name   string        // canonical spelling
	family policy.Family // the operator family that fits its values
	always bool          // every request carries it, so "absent" never happens
}

// knownKeys lists the common keys of spec §4.7 and the service keys the
// library's examples and system policies use. The part after a '/' of the
// tag keys is free.
var knownKeys = []knownKey{
	{"acs:CurrentTime", policy.FamilyDate, true},
	{"acs:SecureTransport", policy.FamilyBool, true},
	{"acs:SourceIp", policy.FamilyIP, true},
	{"acs:PrincipalARN", policy.FamilyString, true},
	{"acs:MFAPresent", policy.FamilyBool, false},
	{"acs:SourceVpc", policy.FamilyString, false},
	{"acs:AccessId", policy.FamilyString, false},
	{"acs:RequestTag/", policy.FamilyString, false},
	{"acs:ResourceTag/", policy.FamilyString, false},
	{"sts:ExternalId", policy.FamilyString, false},
	{"saml:recipient", policy.FamilyString, false},
	{"oidc:aud", policy.FamilyString, false},
	{"oidc:iss", policy.FamilyString, false},
	{"oidc:sub", policy.FamilyString, false},
	{"ram:ServiceName", policy.FamilyString, false},
	{"oss:Prefix", policy.FamilyString, false},
	{"oss:Delimiter", policy.FamilyString, false},
}

// lookupKey finds the known key that key names, comparing the part before
// the first '/' without regard to ASCII case (spec §13 D23). It reports
// whether key is spelled exactly as the canonical name (up to the '/').
func lookupKey(key string) (k knownKey, exact, ok bool) {
	head, _, tagged := strings.Cut(key, "/")
	for _, kk := range knownKeys {
		name, isTag := strings.CutSuffix(kk.name, "/")
		if isTag != tagged {
			continue
		}
		if equalFold(head, name, true) {
			return kk, head == name, true
		}
	}
	return knownKey{}, false, false
}
