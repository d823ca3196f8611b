package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Names of the V3 signature (Alibaba Cloud "Request syntax and signature
// method V3") and V1 signature ("signature method" of RPC APIs, HMAC-SHA1).
const (
	AlgorithmV3 = "ACS3-HMAC-SHA256"
	// HeaderDate, HeaderNonce, HeaderContentSHA256 and HeaderSecurityToken
	// are the V3 headers this package reads and SignV3 writes.
	HeaderDate          = "x-acs-date"
	HeaderNonce         = "x-acs-signature-nonce"
	HeaderContentSHA256 = "x-acs-content-sha256"
	HeaderSecurityToken = "x-acs-security-token"
	HeaderAction        = "x-acs-action"
	HeaderVersion       = "x-acs-version"
	HeaderAccessKeyID   = "x-acs-accesskey-id"

	MethodV1  = "HMAC-SHA1" // the V1 SignatureMethod
	VersionV1 = "1.0"       // the V1 SignatureVersion

	// TimeFormat is the layout of x-acs-date and Timestamp: ISO 8601 in
	// UTC to the second.
	TimeFormat = "2006-01-02T15:04:05Z"
)

// Key is the credential a client signs with: an AccessKey pair, plus the
// security token for STS credentials.
type Key struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // "" for a RAM user's AccessKey
}

// SignV3 signs r for signature V3 (ACS3-HMAC-SHA256) as the Alibaba Cloud
// SDKs do: it sets r.Body to body, sets x-acs-date (now, UTC),
// x-acs-signature-nonce, x-acs-content-sha256 (hex SHA-256 of body) and,
// for STS keys, x-acs-security-token, then signs host, content-type (when
// set) and every x-acs-* header, and sets Authorization. Set x-acs-action,
// x-acs-version, content-type and the query before calling. It is meant for
// clients and tests; a service verifies with Verifier.
//
// Errors: an error for a malformed query or path (ErrIncomplete).
func SignV3(r *http.Request, body []byte, k Key, now time.Time, nonce string) error {
	sum := sha256.Sum256(body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set(HeaderDate, now.UTC().Format(TimeFormat))
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderContentSHA256, hex.EncodeToString(sum[:]))
	if k.SecurityToken != "" {
		r.Header.Set(HeaderSecurityToken, k.SecurityToken)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	var names []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-acs-") || l == "content-type" {
			names = append(names, l)
		}
	}
	names = append(names, "host")
	sort.Strings(names)
	query, ok := parseParams(r.URL.RawQuery, nil)
	uri, ok2 := canonicalURI(r.URL.EscapedPath())
	if !ok || !ok2 {
		return refuse(ErrIncomplete, "the query or path does not decode")
	}
	vals := make([]string, len(names))
	for i, name := range names {
		if name == "host" {
			vals[i] = host
		} else {
			vals[i] = r.Header.Get(name)
		}
	}
	cr := canonicalRequestV3(nil, r.Method, uri, query, names, vals, hex.EncodeToString(sum[:]))
	mac := signV3(k.AccessKeySecret, cr)
	r.Header.Set("Authorization", AlgorithmV3+" Credential="+k.AccessKeyID+",SignedHeaders="+
		strings.Join(names, ";")+",Signature="+hex.EncodeToString(mac[:]))
	return nil
}

// canonicalRequestV3 appends V3's canonical request:
//
//	Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//
// where CanonicalHeaders is "name:trimmed value\n" for each signed header in
// order (values[i] is the value of signed[i]). signed must be sorted,
// lower-case, without repeats.
func canonicalRequestV3(b []byte, method, uri string, query params, signed, values []string, payloadHash string) []byte {
	b = append(b, method...)
	b = append(b, '\n')
	b = append(b, uri...)
	b = append(b, '\n')
	b = appendCanonicalParams(b, query, "")
	b = append(b, '\n')
	for i, name := range signed {
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, strings.TrimSpace(values[i])...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range signed {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	b = append(b, payloadHash...)
	return b
}

// signV3 returns HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request))).
func signV3(secret string, canonicalRequest []byte) [sha256.Size]byte {
	h := sha256.Sum256(canonicalRequest)
	var sts [len(AlgorithmV3) + 1 + 2*sha256.Size]byte
	copy(sts[:], AlgorithmV3+"\n")
	hex.Encode(sts[len(AlgorithmV3)+1:], h[:])
	return hmacSHA256(secret, sts[:])
}

// hmacSHA256 is RFC 2104 HMAC with SHA-256, computed on the stack for the
// short messages signing uses (crypto/hmac allocates its state).
func hmacSHA256(secret string, msg []byte) [sha256.Size]byte {
	const block = 64
	var key [block]byte
	if len(secret) > block {
		k := sha256.Sum256([]byte(secret))
		copy(key[:], k[:])
	} else {
		copy(key[:], secret)
	}
	var buf [block + 2*sha256.Size + len(AlgorithmV3) + 1]byte
	if len(msg) > len(buf)-block {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(msg)
		var out [sha256.Size]byte
		m.Sum(out[:0])
		return out
	}
	for i := range key {
		buf[i] = key[i] ^ 0x36
	}
	n := copy(buf[block:], msg)
	inner := sha256.Sum256(buf[:block+n])
	for i := range key {
		buf[i] = key[i] ^ 0x5c
	}
	copy(buf[block:], inner[:])
	return sha256.Sum256(buf[:block+sha256.Size])
}

// SignV1 returns the parameters of an RPC request signed with signature V1
// (HMAC-SHA1): values (which the caller keeps) plus AccessKeyId,
// SignatureMethod, SignatureVersion, SignatureNonce, Timestamp, SecurityToken
// for STS keys, and Signature. Every parameter is signed, whether the caller
// sends it in the query or, for a POST, in a form body. method is the HTTP
// method. Errors: ErrIncomplete when params repeats a key.
func SignV1(method string, values url.Values, k Key, now time.Time, nonce string) (url.Values, error) {
	out := make(url.Values, len(values)+7)
	for key, vs := range values {
		if len(vs) != 1 {
			return nil, refuse(ErrIncomplete, "parameter "+key+" must have one value")
		}
		out[key] = []string{vs[0]}
	}
	out.Set("AccessKeyId", k.AccessKeyID)
	out.Set("SignatureMethod", MethodV1)
	out.Set("SignatureVersion", VersionV1)
	out.Set("SignatureNonce", nonce)
	out.Set("Timestamp", now.UTC().Format(TimeFormat))
	if k.SecurityToken != "" {
		out.Set("SecurityToken", k.SecurityToken)
	}
	ps := make(params, 0, len(out))
	for key, vs := range out {
		ps = append(ps, param{key, vs[0]})
	}
	mac := signV1(k.AccessKeySecret, stringToSignV1(nil, method, ps))
	out.Set("Signature", base64.StdEncoding.EncodeToString(mac[:]))
	return out, nil
}

// stringToSignV1 appends V1's string to sign:
// Method & percentEncode("/") & percentEncode(sorted "k=v&..." without Signature).
func stringToSignV1(b []byte, method string, ps params) []byte {
	b = append(b, method...)
	b = append(b, "&%2F&"...)
	return appendPercentEncoded(b, string(appendCanonicalParams(nil, ps, "Signature")))
}

// signV1 returns HMAC-SHA1 keyed with secret + "&".
func signV1(secret string, stringToSign []byte) [sha1.Size]byte {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write(stringToSign)
	var out [sha1.Size]byte
	m.Sum(out[:0])
	return out
}
