package casefile

import (
	"strings"

	"github.com/tidwall/gjson"
)

// policyFields hold embedded policy documents. They are parsed by the strict
// policy parser (or, for invalid cases, must fail it), so the case-level check
// leaves them alone.
var policyFields = map[string]bool{
	"policies": true, "trust_policy": true, "caller_policies": true,
	"role_policies": true, "session_policy": true, "policy": true,
}

// checkStrict rejects what encoding/json would silently accept in a case:
// a member name given twice (the last would win, so two "expect" members
// could hide each other) and field names in another letter case ("Expect"
// would match "expect"). Keys inside "context" objects are condition keys
// and keep their case, but may not repeat either.
func checkStrict(raw []byte) string {
	return walkStrict(gjson.ParseBytes(raw), "", true)
}

func walkStrict(v gjson.Result, where string, fields bool) string {
	switch {
	case v.IsObject():
		seen := map[string]bool{}
		msg := ""
		v.ForEach(func(k, val gjson.Result) bool {
			name := k.Str
			at := name
			if where != "" {
				at = where + "." + name
			}
			switch {
			case seen[name]:
				msg = "member " + at + " appears more than once"
			case fields && name != strings.ToLower(name):
				msg = "unknown field " + at + " (field names are lower case)"
			case fields && policyFields[name]:
			default:
				msg = walkStrict(val, at, fields && name != "context")
			}
			seen[name] = true
			return msg == ""
		})
		return msg
	case v.IsArray():
		msg := ""
		v.ForEach(func(_, val gjson.Result) bool {
			msg = walkStrict(val, where, fields)
			return msg == ""
		})
		return msg
	}
	return ""
}
