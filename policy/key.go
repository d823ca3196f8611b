package policy

// CanonicalKey returns the form of a condition key name under which two
// names are the same key (spec §13 D23): ASCII letters before the first '/'
// are folded to lower case, and everything from the first '/' on (the tag
// name of acs:ResourceTag/<tag> or ecs:tag/<tag>) is kept exactly. So
// "oss:Prefix" and "oss:prefix" are one key, as are "acs:SourceIp" and
// "ACS:sourceip", while "acs:ResourceTag/Env" and "acs:ResourceTag/env" are
// two. Only ASCII folds; other characters compare exactly.
//
// The rule applies to every key, whatever its prefix. CanonicalKey returns
// k itself (without allocating) when k is already canonical; see also
// IsCanonicalKey and AppendCanonicalKey, which never allocate beyond b.
func CanonicalKey(k string) string {
	if IsCanonicalKey(k) {
		return k
	}
	return string(AppendCanonicalKey(make([]byte, 0, len(k)), k))
}

// IsCanonicalKey reports whether CanonicalKey(k) == k: no ASCII upper-case
// letter before the first '/'.
func IsCanonicalKey(k string) bool {
	for i := 0; i < len(k) && k[i] != '/'; i++ {
		if c := k[i]; c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// AppendCanonicalKey appends CanonicalKey(k) to b and returns the extended
// buffer.
func AppendCanonicalKey(b []byte, k string) []byte {
	i := 0
	for ; i < len(k) && k[i] != '/'; i++ {
		c := k[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return append(b, k[i:]...)
}

// sameCanonicalKey reports whether CanonicalKey(a) == CanonicalKey(b),
// without allocating: the names agree up to ASCII case before the first
// '/', and exactly from it on.
func sameCanonicalKey(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '/' || y == '/' {
			return x == y && a[i:] == b[i:]
		}
		if x != y && (x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z') {
			return false
		}
	}
	return true
}
