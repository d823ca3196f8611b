package signature

import (
	"net/http"
	"net/netip"
	"strings"
)

// This file reads headers: the signed ones by name, and the client's
// address and scheme from the connection or a trusted proxy's headers.

// headerValues returns the values of the header named lower (lower case),
// spelling the names requests usually sign the way net/http stores them
// without allocating.
func headerValues(h http.Header, lower string) []string {
	var key string
	switch lower {
	case "content-type":
		key = "Content-Type"
	case HeaderDate:
		key = "X-Acs-Date"
	case HeaderNonce:
		key = "X-Acs-Signature-Nonce"
	case HeaderContentSHA256:
		key = "X-Acs-Content-Sha256"
	case HeaderSecurityToken:
		key = "X-Acs-Security-Token"
	case HeaderAction:
		key = "X-Acs-Action"
	case HeaderVersion:
		key = "X-Acs-Version"
	case HeaderAccessKeyID:
		key = "X-Acs-Accesskey-Id"
	default:
		key = http.CanonicalHeaderKey(lower)
	}
	return h[key]
}

// hasPrefixFold reports whether s starts with the lower-case prefix,
// ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// rightMost returns the last comma-separated entry of the last value of a
// header a proxy appends to, trimmed: the one the trusted proxy wrote, not
// what the client sent before it. "" when there is none.
func rightMost(values []string) string {
	if len(values) == 0 {
		return ""
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last)
}

// sourceIP returns the client address: from the first configured proxy
// header present (its right-most entry), else from the connection.
func (v *Verifier) sourceIP(r *http.Request) netip.Addr {
	for _, h := range v.cfg.ProxyHeaders {
		vs := r.Header.Values(h)
		if len(vs) == 0 {
			continue
		}
		a, err := netip.ParseAddr(rightMost(vs))
		if err != nil {
			return netip.Addr{}
		}
		return a.Unmap()
	}
	if r.RemoteAddr == "" {
		return netip.Addr{} // no address; parsing "" would allocate two errors
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
