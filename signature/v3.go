package signature

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxSignedHeaders bounds the names in SignedHeaders.
const MaxSignedHeaders = 32

// authorization is a parsed V3 Authorization header. It keeps the signed
// names as positions in the SignedHeaders value (no pointers), so that it
// is small to return and to fill.
type authorization struct {
	keyID, signedHeaders string
	signature            [sha256.Size]byte
	ends                 [MaxSignedHeaders]uint32 // where each signed name ends in signedHeaders (the first n)
}

// name returns the i-th signed name.
func (a *authorization) name(i int) string {
	start := uint32(0)
	if i > 0 {
		start = a.ends[i-1] + 1
	}
	return a.signedHeaders[start:a.ends[i]]
}

// parseAuthorization parses
// "ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b;c>,Signature=<hex>"
// and returns it with the number of signed header names. It reads each
// byte of the header about once (parseAuthorizationSlow in the tests is
// the reference it must agree with).
func parseAuthorization(h string) (a authorization, count int, e *Error) {
	rest, ok := strings.CutPrefix(h, AlgorithmV3+" ")
	if !ok {
		return a, 0, unsupportedAlgorithm(h)
	}
	var haveCred, haveSigned, haveSig bool
	namesOK := true // lower-case ASCII, none empty, sorted without repeats
	for rest != "" {
		part := rest
		if i := strings.IndexByte(rest, ','); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		part = trimSpace(part)
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			return a, 0, refuse(ErrIncomplete, "Authorization: expected key=value")
		}
		k, val := part[:eq], part[eq+1:]
		switch {
		case k == "Credential" && !haveCred:
			a.keyID, haveCred = val, true
		case k == "SignedHeaders" && !haveSigned:
			a.signedHeaders = val
			namesOK = lowerASCII(val) // all the names at once (';' is lower-case ASCII)
			// The names between ';' (a trailing ';' ends the list).
			n, start, prev := 0, 0, ""
			for start < len(val) {
				if n == MaxSignedHeaders {
					return a, 0, refuse(ErrIncomplete, "more than 32 SignedHeaders")
				}
				end := len(val)
				if j := strings.IndexByte(val[start:], ';'); j >= 0 {
					end = start + j
				}
				name := val[start:end]
				namesOK = namesOK && name != "" && (n == 0 || prev < name)
				a.ends[n], prev = uint32(end), name
				n++
				start = end + 1
			}
			count, haveSigned = n, true
		case k == "Signature" && !haveSig:
			if len(val) != 2*sha256.Size {
				return a, 0, refuse(ErrSignatureMismatch, "the signature must be 64 hex digits")
			}
			// Lower-case only, as every signer writes it, so one signature
			// has one spelling.
			if !decodeLowerHex(a.signature[:], val) {
				return a, 0, refuse(ErrSignatureMismatch, "the signature must be 64 lower-case hex digits")
			}
			haveSig = true
		default:
			return a, 0, refuse(ErrIncomplete, "Authorization: unexpected or repeated "+k)
		}
	}
	if !haveCred || !haveSigned || !haveSig || a.keyID == "" || len(a.keyID) > MaxKeyIDLength {
		return a, 0, refuse(ErrIncomplete, "Authorization needs Credential, SignedHeaders and Signature")
	}
	if !namesOK {
		return a, 0, refuse(ErrIncomplete, "SignedHeaders must be lower-case ASCII, sorted and without repeats")
	}
	return a, count, nil
}

// lowerHexValue maps '0'-'9' and 'a'-'f' to their values, every other
// byte to 0xff.
var lowerHexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("0123456789abcdef") {
		t[c] = byte(i)
	}
	return t
}()

// decodeLowerHex decodes s, 2*len(dst) lower-case hex digits, into dst and
// reports whether s was exactly that (upper-case digits are refused).
func decodeLowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	bad := byte(0)
	for i := range dst {
		hi, lo := lowerHexValue[s[2*i]], lowerHexValue[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0xf
	}
	return bad&0xf0 == 0
}

// AlgorithmV3SM3 is the V3 variant hashing with SM3 (GB/T 32905) instead of
// SHA-256. The Go standard library has no SM3 and this module takes no
// dependency for it, so such requests are refused (ErrIncomplete,
// "IncompleteSignature") with a message asking for AlgorithmV3.
const AlgorithmV3SM3 = "ACS3-HMAC-SM3"

// unsupportedAlgorithm is the refusal of an Authorization header that is
// not ACS3-HMAC-SHA256 (V3) or "acs <AccessKeyId>:<signature>" (ROA),
// naming the algorithm if it is one the SDKs can send.
func unsupportedAlgorithm(authorization string) *Error {
	alg, _, _ := strings.Cut(authorization, " ")
	switch {
	case alg == AlgorithmV3SM3:
		return refuse(ErrIncomplete, "the signature algorithm "+AlgorithmV3SM3+
			" is not supported (no SM3 here); sign with "+AlgorithmV3)
	case strings.HasPrefix(alg, "ACS"):
		if len(alg) > 32 {
			alg = alg[:32] + "..."
		}
		return refuse(ErrIncomplete, "the signature algorithm "+strconv.Quote(alg)+" is not supported; sign with "+AlgorithmV3)
	}
	return refuse(ErrIncomplete, "the algorithm must be "+AlgorithmV3)
}

// isSigned reports whether name (any case) is among the signed headers.
func isSigned(signed []string, name string) bool {
	for _, s := range signed {
		if len(s) == len(name) && strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// mustBeSigned reports whether a V3 request's header name (any case) must
// be in SignedHeaders: x-acs-* and content-type.
func mustBeSigned(name string) bool {
	if name == "" {
		return false
	}
	if strings.HasPrefix(name, "X-Acs-") || name == "Content-Type" {
		return true // as net/http spells them
	}
	switch name[0] | 0x20 { // most names start with neither letter: no folding for them
	case 'x':
		return hasPrefixFold(name, "x-acs-")
	case 'c':
		return len(name) == len("content-type") && strings.EqualFold(name, "content-type")
	}
	return false
}

// lowerASCII reports whether s has only ASCII bytes and no upper-case
// letter. It tests eight bytes at a time: with the high bits clear, adding
// 0x80-'A' to a byte sets its high bit exactly when it is at least 'A',
// adding 0x80-('Z'+1) exactly when it is above 'Z', and no sum carries into
// the next byte.
func lowerASCII(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(s) >= 8 {
		x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if x&highs != 0 || (x+(0x80-'A')*ones)&^(x+(0x80-'Z'-1)*ones)&highs != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// allSigned reports whether h has exactly want keys that must be signed
// (x-acs-* and content-type): verifyV3 calls it with the number of such
// names it found signed, each under its own key.
func allSigned(h http.Header, want int) bool {
	have := 0
	for name := range h {
		if mustBeSigned(name) {
			have++
		}
	}
	return have == want
}

// v3Field is a header verifyV3 reads when it is signed.
type v3Field uint8

const (
	fieldHost v3Field = iota
	fieldDate
	fieldNonce
	fieldContentSHA256
	fieldToken
	fieldAction
	fieldVersion
	fieldAccessKeyID
	fieldContentType
	numFields

	numRequired = 4 // the fields before it: each must be present and signed
)

// v3FieldNames are the header names of the fields, lower case.
var v3FieldNames = [numFields]string{"host", HeaderDate, HeaderNonce, HeaderContentSHA256,
	HeaderSecurityToken, HeaderAction, HeaderVersion, HeaderAccessKeyID, "content-type"}

// v3Signed says where, among the signed headers, verifyV3 finds the
// headers it reads, and counts the signed names that must be signed. It
// holds positions rather than the values, so that noting a header writes
// no pointer (no write barrier while the collector runs).
type v3Signed struct {
	at           [numFields]uint8 // 1 + the position of each field's name in SignedHeaders; 0 when not signed
	mustBeSigned int              // x-acs-* and content-type names
	// authorizationSigned says whether "authorization" is a signed name.
	authorizationSigned bool
	common              uint16 // bit i: commonHeaders[i] is a signed name
}

// note records that the signed header name (lower case) is at position i.
func (s *v3Signed) note(i int, name string) {
	f := fieldHost
	switch name {
	case "host":
	case "content-type":
		f = fieldContentType
	case "authorization":
		s.authorizationSigned = true
		return
	default:
		if !strings.HasPrefix(name, "x-acs-") {
			if c := commonHeader(name); c >= 0 {
				s.common |= 1 << c
			}
			return
		}
		s.mustBeSigned++
		switch name {
		case HeaderDate:
			f = fieldDate
		case HeaderNonce:
			f = fieldNonce
		case HeaderContentSHA256:
			f = fieldContentSHA256
		case HeaderSecurityToken:
			f = fieldToken
		case HeaderAction:
			f = fieldAction
		case HeaderVersion:
			f = fieldVersion
		case HeaderAccessKeyID:
			f = fieldAccessKeyID
		default:
			return
		}
	}
	if f == fieldContentType {
		s.mustBeSigned++
	}
	s.at[f] = uint8(i + 1)
}

// value returns the value of field f from the values of the signed
// headers, or "" when f is not signed.
func (s *v3Signed) value(f v3Field, vals []string) string {
	if i := s.at[f]; i > 0 {
		return vals[i-1]
	}
	return ""
}

// missingRequired names a required header that is not signed, or "".
func (s *v3Signed) missingRequired() string {
	for f := range v3Field(numRequired) {
		if s.at[f] == 0 {
			return v3FieldNames[f]
		}
	}
	return ""
}

// verifyV3 reads the body only once the signature has been checked: the
// signature covers the body's declared hash, so a caller without the key
// cannot make the server read (and hold) a large body.
func (v *Verifier) verifyV3(r *http.Request, auth string) (*Identity, error) {
	a, n, e := parseAuthorization(auth)
	if e != nil {
		return nil, e
	}
	// The signed names and, below, their values sit in local arrays
	// indexed directly: such stores need no write barrier.
	var names [MaxSignedHeaders]string
	for i := range n {
		names[i] = a.name(i)
	}
	signed := names[:n]
	// The value of each signed header, looked up once.
	var vals [MaxSignedHeaders]string
	var sh v3Signed
	for i, name := range signed {
		if name == "host" {
			if r.Host == "" {
				return nil, refuse(ErrIncomplete, "the signed header host is missing")
			}
			if len(v.cfg.Hosts) > 0 && !slices.ContainsFunc(v.cfg.Hosts, func(h string) bool { return strings.EqualFold(h, r.Host) }) {
				return nil, refuse(ErrSignatureMismatch, "the request was signed for host "+r.Host)
			}
			vals[i] = r.Host
		} else {
			vs := headerValues(r.Header, name)
			if len(vs) != 1 {
				return nil, refuse(ErrIncomplete, "the signed header "+name+" must appear exactly once")
			}
			vals[i] = vs[0]
		}
		sh.note(i, name)
	}
	if name := sh.missingRequired(); name != "" {
		return nil, refuse(ErrIncomplete, name+" must be signed")
	}
	// Every x-acs-* header and content-type must be signed: an unsigned one
	// could change what the request does.
	// Each signed name was found above under its own key, exactly once, so
	// the request's x-acs-* and content-type keys are all signed exactly
	// when there are as many of them as signed such names; the search for
	// the culprit runs only when they are not.
	// Before that: Verify found the Authorization key, and each signed
	// name other than host has its own key (distinct lower-case names
	// canonicalize to distinct keys). When the map holds no more keys than
	// those, each of its keys is signed or is Authorization (which need not
	// be), and there is nothing to scan. Nor is there when the other keys
	// are all among commonHeaders (looked up, not scanned), none of which
	// needs a signature; those that are signed are among the known keys
	// already and are not counted twice.
	known := n + 1 // the signed names and Authorization
	if sh.at[fieldHost] > 0 {
		known--
	}
	if sh.authorizationSigned {
		known--
	}
	if extra := len(r.Header) - known; extra != 0 && !onlyCommonExtra(r.Header, extra, sh.common) &&
		!allSigned(r.Header, sh.mustBeSigned) {
		for name := range r.Header {
			if mustBeSigned(name) && !isSigned(signed, name) {
				return nil, refuse(ErrUnsignedHeader, strings.ToLower(name)+" is not in SignedHeaders")
			}
		}
		return nil, refuse(ErrUnsignedHeader, "a header is present under two spellings")
	}
	date, nonce := sh.value(fieldDate, vals[:]), sh.value(fieldNonce, vals[:])
	contentSHA256, token := sh.value(fieldContentSHA256, vals[:]), sh.value(fieldToken, vals[:])
	if keyID := sh.value(fieldAccessKeyID, vals[:]); keyID != "" && keyID != a.keyID {
		return nil, refuse(ErrIncomplete, HeaderAccessKeyID+" differs from the Credential")
	}
	ts, e := parseTime(date)
	if e != nil {
		return nil, e
	}
	if nonce == "" || len(nonce) > MaxNonceLength {
		return nil, refuse(ErrIncomplete, HeaderNonce+" must be 1 to 128 bytes")
	}
	id := new(Identity)
	// The body (when small) and the decoded parameters of the query and of
	// a form body share one allocation.
	form := isForm(sh.value(fieldContentType, vals[:]))
	bodyBuf, text := requestBuffers(r, form)
	query, ok := decodeParams(r.URL.RawQuery, id.paramBuf[:0], &text, len(r.URL.RawQuery))
	if !ok {
		return nil, refuse(ErrIncomplete, "the query does not decode (bad escape, ';' or a repeated key)")
	}
	uri, ok := canonicalURI(r.URL.EscapedPath())
	if !ok {
		return nil, refuse(ErrIncomplete, "the path does not decode")
	}
	who, secret, e := v.lookup(a.keyID, token)
	if e != nil {
		return nil, e
	}
	var buf [1024]byte
	cr := canonicalRequestV3(buf[:0], r.Method, uri, query, signed, vals[:n], contentSHA256)
	// One clock reading serves the key states' lifetime and the time
	// window.
	now := v.now()
	sts := stringToSignV3(cr)
	want := v.keys.mac(a.keyID, secret, &sts, now.Unix())
	if subtle.ConstantTimeCompare(want[:], a.signature[:]) != 1 {
		return nil, refuse(ErrSignatureMismatch, "")
	}
	body, e := v.readBody(r, bodyBuf)
	if e != nil {
		return nil, e
	}
	// The declared hash must be the body's SHA-256 in lower-case hex, as
	// the signers write it: decoded once rather than encoding the sum.
	var declared [sha256.Size]byte
	if !decodeLowerHex(declared[:], contentSHA256) || sha256.Sum256(body) != declared {
		return nil, refuse(ErrBodyHash, "")
	}
	// A signed form body carries parameters too (its hash was signed).
	if form {
		form := appendToArena(&text, body, 2*len(body))
		if query, ok = decodeParams(form, query, &text, len(body)); !ok {
			return nil, refuse(ErrIncomplete, "the form does not decode, or repeats a parameter")
		}
	}
	id.Principal, id.AccessKeyID, id.SecurityToken, id.Version = who, a.keyID, token, V3
	id.Action, id.APIVersion, id.params = sh.value(fieldAction, vals[:]), sh.value(fieldVersion, vals[:]), query
	id.Body, id.Time, id.Nonce = body, ts, nonce
	return v.finish(r, id, now)
}
