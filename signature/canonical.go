package signature

import (
	"net/url"
	"slices"
	"strings"
)

// This file holds the canonical forms both signature versions sign: RFC 3986
// percent-encoding, the sorted parameter string, the canonical URI, and the
// strict parsing of a query or form body into parameters. Signing (sign.go)
// and verifying (verify.go) build the same strings from here, so there is one
// definition of each.

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is left as is by percentEncode: RFC 3986's
// unreserved set, letters, digits and "-_.~".
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendPercentEncoded appends s to b with every byte outside the unreserved
// set written as %XX (upper-case hex): a space is %20, never '+', and '*' is
// %2A. This is the encoding of Alibaba's signature documents (V1 "percentEncode",
// V3 canonical query string and URI) and what the SDK signers produce.
func appendPercentEncoded[T string | []byte](b []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func percentEncode(s string) string { return string(appendPercentEncoded(nil, s)) }

// param is one decoded request parameter.
type param struct{ key, value string }

// params is a request's parameters in the order they appeared.
type params []param

func (ps params) get(key string) (string, bool) {
	for _, p := range ps {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// values returns the parameters as url.Values (a fresh map the caller owns).
func (ps params) values() url.Values {
	v := make(url.Values, len(ps))
	backing := make([]string, len(ps)) // one allocation for all the one-value slices
	for i, p := range ps {
		backing[i] = p.value
		v[p.key] = backing[i : i+1 : i+1]
	}
	return v
}

// parseParams decodes a query string or an application/x-www-form-urlencoded
// body the way net/url does ('+' is a space, %XX a byte), but strictly: a
// malformed escape, a ';', or a key that appears twice (in raw or already in
// into) is an error instead of a pair silently dropped or a value silently
// chosen, so a handler that reads the request with url.ParseQuery or
// Request.FormValue sees exactly the values that were signed. The pairs are
// appended to into; a value without escapes is a substring of raw, not a
// copy.
func parseParams(raw string, into params) (params, bool) {
	if into == nil {
		into = make(params, 0, strings.Count(raw, "&")+1)
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			return nil, false
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || key == "" {
			return nil, false
		}
		into = append(into, param{key, value})
	}
	if hasDuplicateKey(into) {
		return nil, false
	}
	return into, true
}

// hasDuplicateKey reports whether two parameters share a key: by comparing
// every pair for a few parameters (no allocation), by sorting the keys for
// more, so that a form of a million parameters costs n log n, not n².
func hasDuplicateKey(ps params) bool {
	if len(ps) <= 16 {
		for i := 1; i < len(ps); i++ {
			for j := range i {
				if ps[i].key == ps[j].key {
					return true
				}
			}
		}
		return false
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.key
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return true
		}
	}
	return false
}

func compareParams(a, b param) int { return strings.Compare(a.key, b.key) }

// appendCanonicalParams appends the sorted "key=value&..." string, keys and
// values percent-encoded, skipping the key skip (V1's Signature). Keys must
// be unique (parseParams sees to it). Up to 16 parameters are sorted on the
// stack.
func appendCanonicalParams(b []byte, ps params, skip string) []byte {
	var stack [16]param
	sorted := append(stack[:0], ps...)
	slices.SortFunc(sorted, compareParams)
	first := true
	for _, p := range sorted {
		if p.key == skip {
			continue
		}
		if !first {
			b = append(b, '&')
		}
		first = false
		b = appendPercentEncoded(b, p.key)
		b = append(b, '=')
		b = appendPercentEncoded(b, p.value)
	}
	return b
}

// isForm reports whether a Content-Type value is
// application/x-www-form-urlencoded, with or without parameters.
func isForm(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// canonicalURI returns V3's canonical URI of an escaped path: each segment
// between '/' characters decoded and percent-encoded again, so an encoded
// '/' (%2F) inside a segment stays distinct from a separator and every
// spelling of the same segment ('%7E' or '~', '%41' or 'A') canonicalizes to
// one form. An empty path is "/". ok is false for a malformed escape.
func canonicalURI(escapedPath string) (string, bool) {
	if escapedPath == "" {
		return "/", true
	}
	// Most paths are already canonical: only unreserved bytes and '/'.
	canonical := true
	for i := 0; i < len(escapedPath) && canonical; i++ {
		canonical = escapedPath[i] == '/' || unreserved(escapedPath[i])
	}
	if canonical {
		return escapedPath, true
	}
	b := make([]byte, 0, len(escapedPath)+8)
	for i, seg := range strings.Split(escapedPath, "/") {
		if i > 0 {
			b = append(b, '/')
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", false
		}
		b = appendPercentEncoded(b, dec)
	}
	return string(b), true
}
