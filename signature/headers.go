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
	if a, ok := parseIPv4Port(r.RemoteAddr); ok {
		return a
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

// parseIPv4Port reads the common form of Request.RemoteAddr, "a.b.c.d:port"
// (decimal octets without leading zeros, a port of 1 to 5 digits up to
// 65535, without a leading zero), without netip's general parser; ok is
// false for anything else, which sourceIP then hands to netip. For what it
// accepts it agrees with netip.ParseAddrPort (FuzzParseIPv4Port).
func parseIPv4Port(s string) (a netip.Addr, ok bool) {
	var ip [4]byte
	i := 0
	for k := range ip {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return a, false
			}
			i++
		}
		start, v := i, 0
		for i < len(s) && i-start < 3 && '0' <= s[i] && s[i] <= '9' {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == start || v > 255 || s[start] == '0' && i-start > 1 {
			return a, false
		}
		ip[k] = byte(v)
	}
	if i >= len(s) || s[i] != ':' {
		return a, false
	}
	port := s[i+1:]
	if len(port) == 0 || len(port) > 5 || port[0] == '0' && len(port) > 1 {
		return a, false
	}
	v := 0
	for j := 0; j < len(port); j++ {
		if port[j] < '0' || port[j] > '9' {
			return a, false
		}
		v = v*10 + int(port[j]-'0')
	}
	if v > 65535 {
		return a, false
	}
	return netip.AddrFrom4(ip), true
}

// commonHeaders are header keys, as net/http spells them, that requests
// often carry unsigned and that need no signature (none is x-acs-* or
// content-type): what an SDK, Go's transport and common proxies add.
// verifyV3 looks them up by key to account for a request's unsigned
// headers, which is cheaper than walking the whole header map; the most
// frequent come first.
var commonHeaders = [...]string{"Content-Length", "User-Agent", "Accept-Encoding", "Accept",
	"Connection", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "Accept-Language", "Via"}

// commonHeader returns the index in commonHeaders of the lower-case header
// name, or -1.
func commonHeader(lower string) int {
	switch lower {
	case "content-length":
		return 0
	case "user-agent":
		return 1
	case "accept-encoding":
		return 2
	case "accept":
		return 3
	case "connection":
		return 4
	case "x-forwarded-for":
		return 5
	case "x-forwarded-proto":
		return 6
	case "x-real-ip":
		return 7
	case "accept-language":
		return 8
	case "via":
		return 9
	}
	return -1
}

// onlyCommonExtra reports whether extra keys of h, besides those already
// accounted for, are all in commonHeaders. signed has bit i set when
// commonHeaders[i] is a signed name (already accounted for). It looks up
// at most len(commonHeaders) keys and never walks the map.
func onlyCommonExtra(h map[string][]string, extra int, signed uint16) bool {
	if extra <= 0 || extra > len(commonHeaders) {
		return false
	}
	for i, key := range commonHeaders {
		if signed&(1<<i) != 0 {
			continue
		}
		if _, ok := h[key]; ok {
			if extra--; extra == 0 {
				return true
			}
		}
	}
	return false
}
