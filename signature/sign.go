package signature

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
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
		b = append(b, trimSpace(values[i])...)
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

// trimSpace is strings.TrimSpace, returning a value that starts and ends
// with a printable ASCII byte (as header values nearly always do) without
// looking further.
func trimSpace(v string) string {
	if v != "" && ' ' < v[0] && v[0] < 0x80 && ' ' < v[len(v)-1] && v[len(v)-1] < 0x80 {
		return v
	}
	return strings.TrimSpace(v)
}

// signV3 returns HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request))).
func signV3(secret string, canonicalRequest []byte) [sha256.Size]byte {
	sts := stringToSignV3(canonicalRequest)
	return hmacSHA256(secret, &sts)
}

// stringToSignV3 returns "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request)).
func stringToSignV3(canonicalRequest []byte) (sts [v3StringToSignLength]byte) {
	h := sha256.Sum256(canonicalRequest)
	copy(sts[:], AlgorithmV3+"\n")
	hex.Encode(sts[len(AlgorithmV3)+1:], h[:])
	return sts
}

// hmacBlock is the block size of SHA-1 and SHA-256 (bytes), the length of
// an HMAC key after padding.
const hmacBlock = 64

// blockKey returns the RFC 2104 key secret+suffix: as is, zero padded, or
// hashed with long (SHA-1 or SHA-256) when longer than a block. suffix is
// V1's '&' or "".
func blockKey(secret, suffix string, long func() hash.Hash) [hmacBlock]byte {
	if len(secret)+len(suffix) <= hmacBlock {
		var k [hmacBlock]byte
		copy(k[copy(k[:], secret):], suffix)
		return k
	}
	return hashedKey(secret, suffix, long)
}

// hashedKey is blockKey of a key longer than a block (its own function, so
// that the common case keeps everything on the stack).
func hashedKey(secret, suffix string, long func() hash.Hash) [hmacBlock]byte {
	h := long()
	h.Write([]byte(secret))
	h.Write([]byte(suffix))
	var k [hmacBlock]byte
	h.Sum(k[:0])
	return k
}

// v3StringToSignLength is the length of V3's string to sign:
// "ACS3-HMAC-SHA256\n" and the hex SHA-256 of the canonical request.
const v3StringToSignLength = len(AlgorithmV3) + 1 + 2*sha256.Size

// hmacSHA256 is RFC 2104 HMAC with SHA-256 of V3's string to sign,
// computed on the stack (crypto/hmac allocates its state).
func hmacSHA256(secret string, msg *[v3StringToSignLength]byte) [sha256.Size]byte {
	key := blockKey(secret, "", sha256.New)
	var buf [hmacBlock + v3StringToSignLength]byte
	xorPad(buf[:hmacBlock], &key, 0x36)
	copy(buf[hmacBlock:], msg[:])
	inner := sha256.Sum256(buf[:])
	xorPad(buf[:hmacBlock], &key, 0x5c)
	copy(buf[hmacBlock:], inner[:])
	return sha256.Sum256(buf[:hmacBlock+sha256.Size])
}

// xorPad writes key XOR pad (RFC 2104's ipad 0x36 or opad 0x5c in every
// byte) to dst, eight bytes at a time.
func xorPad(dst []byte, key *[hmacBlock]byte, pad byte) {
	p := uint64(pad) * 0x0101010101010101
	for i := 0; i < hmacBlock; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(key[i:])^p)
	}
}

// hmacSHA1Framed is RFC 2104 HMAC with SHA-1, keyed with secret+suffix, of
// the message framed[hmacBlock:]. The first hmacBlock bytes of framed are
// scratch space: the inner padded key is written there so the inner hash
// is one call over one buffer, without copying the message or allocating.
func hmacSHA1Framed(secret, suffix string, framed []byte) [sha1.Size]byte {
	key := blockKey(secret, suffix, sha1.New)
	for i := range key {
		framed[i] = key[i] ^ 0x36
	}
	inner := sha1.Sum(framed)
	var outer [hmacBlock + sha1.Size]byte
	for i := range key {
		outer[i] = key[i] ^ 0x5c
	}
	copy(outer[hmacBlock:], inner[:])
	return sha1.Sum(outer[:])
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
	mac := signV1Framed(k.AccessKeySecret, stringToSignV1(make([]byte, hmacBlock, 512), method, ps))
	out.Set("Signature", base64.StdEncoding.EncodeToString(mac[:]))
	return out, nil
}

// stringToSignV1 appends V1's string to sign:
// Method & percentEncode("/") & percentEncode(sorted "k=v&..." without Signature).
func stringToSignV1(b []byte, method string, ps params) []byte {
	b = append(b, method...)
	b = append(b, "&%2F&"...)
	var stack [1024]byte
	return appendPercentEncoded(b, appendCanonicalParams(stack[:0], ps, "Signature"))
}

// signV1 returns HMAC-SHA1 keyed with secret + "&" of stringToSign.
func signV1(secret string, stringToSign []byte) [sha1.Size]byte {
	framed := make([]byte, hmacBlock+len(stringToSign))
	copy(framed[hmacBlock:], stringToSign)
	return signV1Framed(secret, framed)
}

// signV1Framed is signV1 of framed[hmacBlock:]; framed[:hmacBlock] is
// scratch (see hmacSHA1Framed), so the verifier builds the string to sign
// after hmacBlock bytes of its buffer and hashes it in place.
func signV1Framed(secret string, framed []byte) [sha1.Size]byte {
	return hmacSHA1Framed(secret, "&", framed)
}
