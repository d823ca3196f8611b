package signature

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxSignedHeaders bounds the names in SignedHeaders.
const MaxSignedHeaders = 32

// authorization is a parsed V3 Authorization header.
type authorization struct {
	keyID     string
	signature [sha256.Size]byte
	signed    [MaxSignedHeaders]string // the first n returned by parseAuthorization

}

// parseAuthorization parses
// "ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b;c>,Signature=<hex>"
// into a, and returns the number of signed header names.
func parseAuthorization(h string, a *authorization) (int, *Error) {
	rest, ok := strings.CutPrefix(h, AlgorithmV3+" ")
	if !ok {
		return 0, unsupportedAlgorithm(h)
	}
	var haveCred, haveSigned, haveSig bool
	count := 0
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return 0, refuse(ErrIncomplete, "Authorization: expected key=value")
		case k == "Credential" && !haveCred:
			a.keyID, haveCred = val, true
		case k == "SignedHeaders" && !haveSigned:
			n := 0
			for val != "" {
				if n == MaxSignedHeaders {
					return 0, refuse(ErrIncomplete, "more than 32 SignedHeaders")
				}
				a.signed[n], val, _ = strings.Cut(val, ";")
				n++
			}
			count, haveSigned = n, true
		case k == "Signature" && !haveSig:
			if len(val) != 2*sha256.Size {
				return 0, refuse(ErrSignatureMismatch, "the signature must be 64 hex digits")
			}
			// Lower-case only, as every signer writes it, so one signature
			// has one spelling.
			if _, err := hex.Decode(a.signature[:], []byte(val)); err != nil || !lowerASCII(val) {
				return 0, refuse(ErrSignatureMismatch, "the signature must be 64 lower-case hex digits")
			}
			haveSig = true
		default:
			return 0, refuse(ErrIncomplete, "Authorization: unexpected or repeated "+k)
		}
	}
	if !haveCred || !haveSigned || !haveSig || a.keyID == "" || len(a.keyID) > MaxKeyIDLength {
		return 0, refuse(ErrIncomplete, "Authorization needs Credential, SignedHeaders and Signature")
	}
	for i, name := range a.signed[:count] {
		if name == "" || !lowerASCII(name) || (i > 0 && a.signed[i-1] >= name) {
			return 0, refuse(ErrIncomplete, "SignedHeaders must be lower-case ASCII, sorted and without repeats")
		}
	}
	return count, nil
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

// signedValue returns the value of the signed header name (lower case),
// "" when it is not signed; vals[i] is the value of signed[i].
func signedValue(signed, vals []string, name string) string {
	for i, s := range signed {
		if s == name {
			return vals[i]
		}
	}
	return ""
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
	return hasPrefixFold(name, "x-acs-") || len(name) == len("content-type") && strings.EqualFold(name, "content-type")
}

// lowerASCII reports whether s has only ASCII bytes and no upper-case
// letter.
func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// required V3 headers: each must be present and signed.
var requiredV3 = [...]string{"host", HeaderDate, HeaderNonce, HeaderContentSHA256}

// verifyV3 reads the body only once the signature has been checked: the
// signature covers the body's declared hash, so a caller without the key
// cannot make the server read (and hold) a large body.
func (v *Verifier) verifyV3(r *http.Request, auth string) (*Identity, error) {
	var a authorization
	n, e := parseAuthorization(auth, &a)
	if e != nil {
		return nil, e
	}
	signed := a.signed[:n]
	// The value of each signed header, looked up once.
	var valsBuf [16]string
	vals := valsBuf[:0]
	for _, name := range signed {
		if name == "host" {
			if r.Host == "" {
				return nil, refuse(ErrIncomplete, "the signed header host is missing")
			}
			if len(v.cfg.Hosts) > 0 && !slices.ContainsFunc(v.cfg.Hosts, func(h string) bool { return strings.EqualFold(h, r.Host) }) {
				return nil, refuse(ErrSignatureMismatch, "the request was signed for host "+r.Host)
			}
			vals = append(vals, r.Host)
			continue
		}
		vs := headerValues(r.Header, name)
		if len(vs) != 1 {
			return nil, refuse(ErrIncomplete, "the signed header "+name+" must appear exactly once")
		}
		vals = append(vals, vs[0])
	}
	header := func(name string) string { return signedValue(signed, vals, name) }
	for _, name := range requiredV3 {
		if !isSigned(signed, name) {
			return nil, refuse(ErrIncomplete, name+" must be signed")
		}
	}
	// Every x-acs-* header and content-type must be signed: an unsigned one
	// could change what the request does.
	// Each signed name was found above under its own key, exactly once, so
	// the request's x-acs-* and content-type keys are all signed exactly
	// when there are as many of them as signed such names; the search for
	// the culprit runs only when they are not.
	need, have := 0, 0
	for _, name := range signed {
		if mustBeSigned(name) {
			need++
		}
	}
	for name := range r.Header {
		if mustBeSigned(name) {
			have++
		}
	}
	if have != need {
		for name := range r.Header {
			if mustBeSigned(name) && !isSigned(signed, name) {
				return nil, refuse(ErrUnsignedHeader, strings.ToLower(name)+" is not in SignedHeaders")
			}
		}
		return nil, refuse(ErrUnsignedHeader, "a header is present under two spellings")
	}
	if id := header(HeaderAccessKeyID); id != "" && id != a.keyID {
		return nil, refuse(ErrIncomplete, HeaderAccessKeyID+" differs from the Credential")
	}
	ts, e := parseTime(header(HeaderDate))
	if e != nil {
		return nil, e
	}
	nonce := header(HeaderNonce)
	if nonce == "" || len(nonce) > MaxNonceLength {
		return nil, refuse(ErrIncomplete, HeaderNonce+" must be 1 to 128 bytes")
	}
	id := new(Identity)
	query, ok := parseParams(r.URL.RawQuery, id.paramBuf[:0])
	if !ok {
		return nil, refuse(ErrIncomplete, "the query does not decode (bad escape, ';' or a repeated key)")
	}
	uri, ok := canonicalURI(r.URL.EscapedPath())
	if !ok {
		return nil, refuse(ErrIncomplete, "the path does not decode")
	}
	token := header(HeaderSecurityToken)
	who, secret, e := v.lookup(a.keyID, token)
	if e != nil {
		return nil, e
	}
	payloadHash := header(HeaderContentSHA256)
	var buf [1024]byte
	cr := canonicalRequestV3(buf[:0], r.Method, uri, query, signed, vals, payloadHash)
	want := signV3(secret, cr)
	if subtle.ConstantTimeCompare(want[:], a.signature[:]) != 1 {
		return nil, refuse(ErrSignatureMismatch, "")
	}
	body, e := v.readBody(r)
	if e != nil {
		return nil, e
	}
	sum := sha256.Sum256(body)
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	if string(hexSum[:]) != payloadHash {
		return nil, refuse(ErrBodyHash, "")
	}
	// A signed form body carries parameters too (its hash was signed).
	if isForm(header("content-type")) {
		if query, ok = parseParams(string(body), query); !ok {
			return nil, refuse(ErrIncomplete, "the form does not decode, or repeats a parameter")
		}
	}
	id.Principal, id.AccessKeyID, id.SecurityToken, id.Version = who, a.keyID, token, V3
	id.Action, id.APIVersion, id.params = header(HeaderAction), header(HeaderVersion), query
	id.Body, id.Time, id.Nonce = body, ts, nonce
	return v.finish(r, id)
}
