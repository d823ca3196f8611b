// Package jsonpath holds the one rule the library's JSON paths share for
// writing a member name: an identifier ([A-Za-z_][A-Za-z0-9_]*) is written
// bare, anything else quoted. The policy parser writes paths such as
// Statement[2].Condition.IpAddress."acs:SourceIp"[0]; the strict reader
// writes JSONPath such as $.users[3]["odd name"]; lint reports the parser's
// form.
package jsonpath

// IsIdent reports whether name can be written bare in a path: it is not
// empty, starts with an ASCII letter or '_', and has only ASCII letters,
// digits and '_'.
func IsIdent(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
