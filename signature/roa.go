package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/match"
)

// The ROA signature: what the SDKs send to ROA-style (RESTful) APIs when
// signing with HMAC-SHA1 (darabonba-openapi's SignatureAlgorithm "v2").
// The Authorization header is "acs <AccessKeyId>:<signature>", the
// signature the base64 HMAC-SHA1, keyed with the secret alone, of
//
//	Method \n Accept \n Content-MD5 \n Content-Type \n Date \n
//	CanonicalizedHeaders CanonicalizedResource
//
// where CanonicalizedHeaders is "name:value\n" for every x-acs-* header,
// names lower-cased and sorted, and CanonicalizedResource the path as sent
// followed, when there is a query, by '?' and its parameters sorted by key,
// "key=value" (or "key" for an empty value), joined by '&', the keys and
// values NOT percent-encoded.

// Names of the ROA signature.
const (
	// SchemeROA starts a ROA Authorization header: "acs <AccessKeyId>:<signature>".
	SchemeROA = "acs"
	// HeaderSignatureMethod must be MethodV1 (HMAC-SHA1) and
	// HeaderSignatureVersion VersionV1 (1.0) on a ROA request.
	HeaderSignatureMethod  = "x-acs-signature-method"
	HeaderSignatureVersion = "x-acs-signature-version"
)

// acsHeader is an x-acs-* header of a ROA request, its name spelt as in
// the request's http.Header (the string to sign has it lower-cased).
type acsHeader struct{ name, value string }

// compareFold compares a and b as their ASCII lower-case forms would
// compare, without building them.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if ca, cb := match.Lower(a[i]), match.Lower(b[i]); ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// acsHeaders returns every x-acs-* header of h, sorted by lower-case name,
// appended to into. Each must have one value and one spelling; more than
// MaxSignedHeaders is refused.
func acsHeaders(h http.Header, into []acsHeader) ([]acsHeader, *Error) {
	for name, vs := range h {
		if !hasPrefixFold(name, "x-acs-") {
			continue
		}
		if len(vs) != 1 {
			return nil, refuse(ErrIncomplete, "the header "+strings.ToLower(name)+" must appear exactly once")
		}
		if len(into) == MaxSignedHeaders {
			return nil, refuse(ErrIncomplete, "more than 32 x-acs-* headers")
		}
		into = append(into, acsHeader{name, vs[0]})
	}
	slices.SortFunc(into, func(a, b acsHeader) int { return compareFold(a.name, b.name) })
	for i := 1; i < len(into); i++ {
		if compareFold(into[i].name, into[i-1].name) == 0 {
			return nil, refuse(ErrIncomplete, "the header "+strings.ToLower(into[i].name)+" is present under two spellings")
		}
	}
	return into, nil
}

// acsValue returns the value of the x-acs-* header named lowerName (lower
// case), or "".
func acsValue(hs []acsHeader, lowerName string) string {
	for _, h := range hs {
		if len(h.name) == len(lowerName) && compareFold(h.name, lowerName) == 0 {
			return h.value
		}
	}
	return ""
}

// roaFields are the headers the ROA string to sign names by position.
var roaFields = [...]string{"Accept", "Content-Md5", "Content-Type", "Date"}

// roaField returns the value of one of roaFields (its canonical key), or
// refuses it when it is repeated.
func roaField(h http.Header, key string) (string, *Error) {
	vs := h[key]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", refuse(ErrIncomplete, "the signed header "+strings.ToLower(key)+" must appear at most once")
}

// appendStringToSignROA appends the ROA string to sign. acs must be sorted
// (acsHeaders); query keys must be unique.
func appendStringToSignROA(b []byte, method string, fields [len(roaFields)]string, acs []acsHeader, escapedPath string, query params) []byte {
	b = append(b, method...)
	b = append(b, '\n')
	for _, f := range fields {
		b = append(b, f...)
		b = append(b, '\n')
	}
	for _, h := range acs {
		for i := 0; i < len(h.name); i++ {
			b = append(b, match.Lower(h.name[i]))
		}
		b = append(b, ':')
		b = append(b, h.value...)
		b = append(b, '\n')
	}
	b = append(b, escapedPath...)
	if len(query) == 0 {
		return b
	}
	var stack [16]param
	sorted := append(stack[:0], query...)
	slices.SortFunc(sorted, compareParams)
	for i, p := range sorted {
		if i == 0 {
			b = append(b, '?')
		} else {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		if p.value != "" {
			b = append(b, '=')
			b = append(b, p.value...)
		}
	}
	return b
}

// unambiguousROAQuery reports whether the unencoded "key=value&..." string
// ROA signs can be read back one way only: no key holds '&' or '=' and no
// value holds '&'. Otherwise {a: "1&b=2"} and {a: "1", b: "2"} would share
// one signature, and a request could run with parameters its signer never
// sent.
func unambiguousROAQuery(ps params) bool {
	for _, p := range ps {
		if strings.ContainsAny(p.key, "&=") || strings.IndexByte(p.value, '&') >= 0 {
			return false
		}
	}
	return true
}

// decodeSHA1Signature decodes the base64 of an HMAC-SHA1 (V1's Signature,
// ROA's Authorization): exactly 28 characters, strictly (the unused bits of
// the last one zero), so one signature has one spelling.
func decodeSHA1Signature(text string, sig *[21]byte) *Error {
	// base64 of 20 bytes is 28 characters, which could decode to 21. The
	// length is checked first: Decode writes up to 3/4 of the text's
	// length and would run past sig for a longer one.
	if len(text) != 28 {
		return refuse(ErrSignatureMismatch, "the signature must be 28 base64 characters")
	}
	if n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(text)); err != nil || n != 20 {
		return refuse(ErrSignatureMismatch, "the signature must be 28 base64 characters")
	}
	return nil
}

// parseHTTPDate reads a Date header in http.TimeFormat
// ("Mon, 02 Jan 2006 15:04:05 GMT"), in that spelling only.
func parseHTTPDate(s string) (time.Time, *Error) {
	t, err := time.Parse(http.TimeFormat, s)
	if err != nil || t.Format(http.TimeFormat) != s {
		return time.Time{}, refuse(ErrTimestampFormat, "the Date header must be an HTTP date in GMT, such as Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return t.UTC(), nil
}

// verifyROA verifies "acs <AccessKeyId>:<signature>". Like V3 it reads the
// body only after the signature has been checked; unlike V3 the signature
// covers the body only through a signed Content-MD5, so a body without one
// is refused.
func (v *Verifier) verifyROA(r *http.Request, auth string) (*Identity, error) {
	keyID, sigText, ok := strings.Cut(auth[len(SchemeROA)+1:], ":")
	if !ok || keyID == "" || len(keyID) > MaxKeyIDLength {
		return nil, refuse(ErrIncomplete, `the Authorization header must be "acs <AccessKeyId>:<signature>"`)
	}
	var sig [21]byte
	if e := decodeSHA1Signature(sigText, &sig); e != nil {
		return nil, e
	}
	var stack [16]acsHeader
	acs, e := acsHeaders(r.Header, stack[:0])
	if e != nil {
		return nil, e
	}
	// The positional headers must have one spelling too: a handler reading
	// the map directly must see the signed value.
	var fields [len(roaFields)]string
	for i, key := range roaFields {
		if fields[i], e = roaField(r.Header, key); e != nil {
			return nil, e
		}
	}
	for name := range r.Header {
		for _, key := range roaFields {
			if name != key && strings.EqualFold(name, key) {
				return nil, refuse(ErrIncomplete, "the header "+key+" is present under two spellings")
			}
		}
	}
	switch {
	case acsValue(acs, HeaderSignatureMethod) != MethodV1:
		return nil, refuse(ErrIncomplete, HeaderSignatureMethod+" must be HMAC-SHA1")
	case acsValue(acs, HeaderSignatureVersion) != VersionV1:
		return nil, refuse(ErrIncomplete, HeaderSignatureVersion+" must be 1.0")
	}
	if id := acsValue(acs, HeaderAccessKeyID); id != "" && id != keyID {
		return nil, refuse(ErrIncomplete, HeaderAccessKeyID+" differs from the AccessKeyId of the Authorization header")
	}
	nonce := acsValue(acs, HeaderNonce)
	if nonce == "" || len(nonce) > MaxNonceLength {
		return nil, refuse(ErrIncomplete, HeaderNonce+" must be 1 to 128 bytes")
	}
	contentMD5 := fields[1]
	if contentMD5 == "" && r.ContentLength > 0 {
		return nil, errUnsignedROABody()
	}
	ts, e := parseHTTPDate(fields[3])
	if e != nil {
		return nil, e
	}
	id := new(Identity)
	form := isForm(fields[2])
	bodyBuf, text := requestBuffers(r, form)
	query, ok := decodeParams(r.URL.RawQuery, id.paramBuf[:0], &text, len(r.URL.RawQuery))
	if !ok {
		return nil, refuse(ErrIncomplete, "the query does not decode (bad escape, ';' or a repeated key)")
	}
	if !unambiguousROAQuery(query) {
		return nil, refuse(ErrIncomplete, "a ROA signature covers the query unencoded: a key with '&' or '=', or a value with '&', "+
			"could be read two ways; sign with "+AlgorithmV3)
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	token := acsValue(acs, HeaderSecurityToken)
	who, secret, e := v.lookup(keyID, token)
	if e != nil {
		return nil, e
	}
	var buf [1024]byte
	framed := appendStringToSignROA(buf[:hmacBlock], r.Method, fields, acs, path, query)
	want := hmacSHA1Framed(secret, "", framed)
	if !hmac.Equal(want[:], sig[:sha1.Size]) {
		return nil, refuse(ErrSignatureMismatch, "")
	}
	body, e := v.readBody(r, bodyBuf)
	if e != nil {
		return nil, e
	}
	switch {
	case contentMD5 != "":
		sum := md5.Sum(body)
		var enc [24]byte // base64 of 16 bytes
		base64.StdEncoding.Encode(enc[:], sum[:])
		if string(enc[:]) != contentMD5 {
			return nil, refuse(ErrBodyHash, "the body does not match Content-MD5")
		}
	case len(body) > 0:
		return nil, errUnsignedROABody()
	}
	if len(body) > 0 && form {
		form := appendToArena(&text, body, 2*len(body))
		if query, ok = decodeParams(form, query, &text, len(body)); !ok {
			return nil, refuse(ErrIncomplete, "the form does not decode, or repeats a parameter")
		}
	}
	id.Principal, id.AccessKeyID, id.SecurityToken, id.Version = who, keyID, token, ROA
	id.Action, id.APIVersion, id.params = acsValue(acs, HeaderAction), acsValue(acs, HeaderVersion), query
	id.Body, id.Time, id.Nonce = body, ts, nonce
	return v.finish(r, id, v.now())
}

func errUnsignedROABody() *Error {
	return refuse(ErrIncomplete, "a ROA signature covers the body only through a signed Content-MD5 header; "+
		"send one, or sign with "+AlgorithmV3)
}

// SignROA signs r with the ROA signature as darabonba-openapi does for ROA
// APIs with SignatureAlgorithm "v2": it sets r.Body to body, Date (now, in
// http.TimeFormat), Accept (application/json, unless set),
// x-acs-signature-nonce, x-acs-signature-method (HMAC-SHA1),
// x-acs-signature-version (1.0), for STS keys x-acs-accesskey-id and
// x-acs-security-token, Content-MD5 when body is not empty (the SDK sends
// none, and a Verifier refuses a ROA body without one), and Authorization
// "acs <AccessKeyId>:<signature>". Set x-acs-action, x-acs-version,
// Content-Type and the query first. It is meant for clients and tests.
//
// Errors: ErrIncomplete when the query does not decode, is ambiguous once
// unencoded (see Verify), or an x-acs-* header is repeated.
func SignROA(r *http.Request, body []byte, k Key, now time.Time, nonce string) error {
	r.Body = http.NoBody
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := md5.Sum(body)
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	r.ContentLength = int64(len(body))
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	if r.Header.Get("Accept") == "" {
		r.Header.Set("Accept", "application/json")
	}
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignatureMethod, MethodV1)
	r.Header.Set(HeaderSignatureVersion, VersionV1)
	if k.SecurityToken != "" {
		r.Header.Set(HeaderAccessKeyID, k.AccessKeyID)
		r.Header.Set(HeaderSecurityToken, k.SecurityToken)
	}
	acs, e := acsHeaders(r.Header, nil)
	if e != nil {
		return e
	}
	query, ok := parseParams(r.URL.RawQuery, nil)
	if !ok || !unambiguousROAQuery(query) {
		return refuse(ErrIncomplete, "the query does not decode, or is ambiguous once unencoded")
	}
	var fields [len(roaFields)]string
	for i, key := range roaFields {
		fields[i] = r.Header.Get(key)
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	framed := appendStringToSignROA(make([]byte, hmacBlock, 512), r.Method, fields, acs, path, query)
	mac := hmacSHA1Framed(k.AccessKeySecret, "", framed)
	r.Header.Set("Authorization", SchemeROA+" "+k.AccessKeyID+":"+base64.StdEncoding.EncodeToString(mac[:]))
	return nil
}
