package signature

import (
	"crypto/hmac"
	"net/http"
	"slices"
	"strings"
)

// v1Headers pairs the x-acs-* headers darabonba sends unsigned with V1 with
// the signed parameter each must agree with.
var v1Headers = [...][2]string{{HeaderAction, "Action"}, {HeaderVersion, "Version"},
	{HeaderSecurityToken, "SecurityToken"}, {HeaderAccessKeyID, "AccessKeyId"}}

func (v *Verifier) verifyV1(r *http.Request, body []byte) (*Identity, error) {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if !slices.Contains(v.cfg.V1Paths, path) {
		return nil, refuse(ErrIncomplete, "a V1 signature does not cover the path; V1 requests are accepted only at "+
			strings.Join(v.cfg.V1Paths, ", "))
	}
	id := new(Identity)
	// The query's decoded values and the form's copy share one allocation
	// (see decodeParams); the body was read already, within MaxBodyBytes.
	var text arena
	reserve := len(r.URL.RawQuery) + len(body)
	ps, ok := decodeParams(r.URL.RawQuery, id.paramBuf[:0], &text, reserve)
	if !ok {
		return nil, refuse(ErrIncomplete, "the query does not decode (bad escape, ';' or a repeated key)")
	}
	if len(body) > 0 {
		if !isForm(r.Header.Get("Content-Type")) {
			return nil, refuse(ErrIncomplete, "a V1 request's body must be an application/x-www-form-urlencoded form")
		}
		form := appendToArena(&text, body, reserve)
		if ps, ok = decodeParams(form, ps, &text, reserve); !ok {
			return nil, refuse(ErrIncomplete, "the form does not decode, or repeats a parameter")
		}
	}
	get := func(k string) string { s, _ := ps.get(k); return s }
	sigText, hasSig := ps.get("Signature")
	keyID := get("AccessKeyId")
	switch {
	case !hasSig || keyID == "":
		return nil, refuse(ErrIncomplete, "Signature and AccessKeyId are required")
	case len(keyID) > MaxKeyIDLength:
		return nil, refuse(ErrIncomplete, "AccessKeyId is too long")
	case get("SignatureMethod") != MethodV1:
		return nil, refuse(ErrIncomplete, "SignatureMethod must be HMAC-SHA1")
	case get("SignatureVersion") != VersionV1:
		return nil, refuse(ErrIncomplete, "SignatureVersion must be 1.0")
	}
	nonce := get("SignatureNonce")
	if nonce == "" || len(nonce) > MaxNonceLength {
		return nil, refuse(ErrIncomplete, "SignatureNonce must be 1 to 128 bytes")
	}
	// The x-acs-* headers are not signed in V1; the ones with a meaning
	// must agree with the signed parameters (Middleware drops them all).
	for _, hp := range v1Headers {
		if vs := headerValues(r.Header, hp[0]); len(vs) > 1 || len(vs) == 1 && vs[0] != get(hp[1]) {
			return nil, refuse(ErrUnsignedHeader, hp[0]+" differs from the signed "+hp[1])
		}
	}
	ts, e := parseTime(get("Timestamp"))
	if e != nil {
		return nil, e
	}
	var sig [21]byte
	if e := decodeSHA1Signature(sigText, &sig); e != nil {
		return nil, e
	}
	token := get("SecurityToken")
	who, secret, e := v.lookup(keyID, token)
	if e != nil {
		return nil, e
	}
	var buf [1024]byte
	want := signV1Framed(secret, stringToSignV1(buf[:hmacBlock], r.Method, ps))
	if !hmac.Equal(want[:], sig[:20]) {
		return nil, refuse(ErrSignatureMismatch, "")
	}
	signed := slices.DeleteFunc(ps, func(p param) bool { return p.key == "Signature" })
	id.Principal, id.AccessKeyID, id.SecurityToken, id.Version = who, keyID, token, V1
	id.Action, id.APIVersion, id.params = get("Action"), get("Version"), signed
	id.Body, id.Time, id.Nonce = body, ts, nonce
	return v.finish(r, id, v.now())
}
