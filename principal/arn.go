package principal

import "strings"

// ARNAccount returns the account field of a resource ARN
// acs:<service>:<region>:<account>:<relative-id> (spec §3.1), or "" when
// arn is not of that shape or the field is empty. A "*" field is returned
// as "*". It does not allocate.
func ARNAccount(arn string) string {
	rest, ok := strings.CutPrefix(arn, "acs:")
	if !ok {
		return ""
	}
	for range 2 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return ""
	}
	return rest[:i]
}
