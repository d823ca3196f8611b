package principal

// ARNAccount returns the account field of a resource ARN
// acs:<service>:<region>:<account>:<relative-id> (spec §3.1), or "" when
// arn is not of that shape or the field is empty. A "*" field is returned
// as "*". It does not allocate.
func ARNAccount(arn string) string {
	if len(arn) < 4 || arn[:4] != "acs:" {
		return ""
	}
	colons, start := 1, 0
	for i := 4; i < len(arn); i++ {
		if arn[i] != ':' {
			continue
		}
		colons++
		switch colons {
		case 3:
			start = i + 1
		case 4:
			return arn[start:i]
		}
	}
	return ""
}
