package policy

import "strings"

// CanonicalKey returns the form of a condition key name under which two
// names are the same key (spec §13 D23): ASCII letters before the first '/'
// are folded to lower case, and everything from the first '/' on (the tag
// name of acs:ResourceTag/<tag> or ecs:tag/<tag>) is kept exactly. So
// "oss:Prefix" and "oss:prefix" are one key, as are "acs:SourceIp" and
// "ACS:sourceip", while "acs:ResourceTag/Env" and "acs:ResourceTag/env" are
// two. Only ASCII folds; other characters compare exactly.
//
// The rule applies to every key, whatever its prefix. CanonicalKey returns
// k itself (without allocating) when k is already canonical.
func CanonicalKey(k string) string {
	end := strings.IndexByte(k, '/')
	if end < 0 {
		end = len(k)
	}
	i := 0
	for i < end && !(k[i] >= 'A' && k[i] <= 'Z') {
		i++
	}
	if i == end {
		return k
	}
	b := []byte(k)
	for ; i < end; i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// AppendCanonicalKey appends CanonicalKey(k) to b and returns the extended
// buffer, for callers that must not allocate a string per key.
func AppendCanonicalKey(b []byte, k string) []byte {
	end := strings.IndexByte(k, '/')
	if end < 0 {
		end = len(k)
	}
	for i := 0; i < end; i++ {
		c := k[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return append(b, k[end:]...)
}
