package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/principal"
)

// Defaults of Config.
const (
	DefaultMaxSkew      = 15 * time.Minute
	DefaultMaxNonces    = 1 << 16
	DefaultMaxBodyBytes = 8 << 20 // bytes
	// MaxNonceLength bounds SignatureNonce / x-acs-signature-nonce (bytes)
	// and MaxKeyIDLength the AccessKeyId, so a flood of long values cannot
	// grow the nonce cache beyond MaxNonces entries of bounded size.
	MaxNonceLength = 128
	MaxKeyIDLength = 128
)

// Config configures a Verifier.
type Config struct {
	// Credentials looks up secrets (required).
	Credentials Credentials
	// Clock is the current time; nil means time.Now.
	Clock func() time.Time
	// MaxSkew is how far a request's x-acs-date or Timestamp may be from
	// the clock, either way; 0 means DefaultMaxSkew (15 minutes, as
	// Alibaba Cloud's gateways allow).
	MaxSkew time.Duration
	// MaxNonces bounds the nonce cache (entries); 0 means DefaultMaxNonces.
	// Each entry costs about 100 bytes plus the nonce, each AccessKeyId
	// with entries about 200 bytes more. When the cache is full, the
	// AccessKeyId holding the most entries loses its oldest one and its
	// requests signed at or before that second are refused with
	// ErrNonceUsed from then on: a key that floods the cache only hurts
	// itself (other keys are affected only when more than MaxNonces
	// AccessKeyIds need such a record at once).
	MaxNonces int
	// MaxBodyBytes bounds the body Verify reads; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ProxyHeaders names headers set by a trusted reverse proxy that carry
	// the client's address, such as "X-Forwarded-For" or "X-Real-IP". The
	// first one present wins and, within it, the last (right-most)
	// address, the one the proxy itself saw. Empty means the address of
	// the connection (Request.RemoteAddr), the only safe choice without a
	// proxy that overwrites these headers.
	ProxyHeaders []string
	// Hosts, when set, are the host names (with the port, if clients send
	// one) a V3 request must be signed for: a request signed for another
	// service that shares the AccessKey is refused with ErrSignatureMismatch
	// instead of running here. V1 does not sign the host; see the package
	// documentation.
	Hosts []string
	// V1Paths are the escaped paths at which V1 (RPC) requests are
	// accepted; empty means "/" only, where Alibaba Cloud's RPC APIs and
	// every SDK send them. A V1 signature covers neither the path nor the
	// host, so a service that routes by path must not let a V1 request
	// choose the route: a V1 request at any other path is refused with
	// ErrIncomplete before its credentials are looked up.
	V1Paths []string
	// ProtoHeader names a header set by a trusted proxy saying the
	// client's scheme ("X-Forwarded-Proto": "https"); like ProxyHeaders,
	// its right-most entry counts (a client's own value comes before the
	// proxy's). Empty means acs:SecureTransport is true only for a TLS
	// connection.
	ProtoHeader string
}

// Verifier checks signed requests (V3 and V1) against a credential source,
// a clock, a time window and a nonce cache. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	now    func() time.Time
	nonces *nonceCache
}

// ErrConfig: New was given an unusable Config.
var ErrConfig = errors.New("signature: invalid verifier configuration")

// New returns a Verifier. Errors: an error wrapping ErrConfig when
// cfg.Credentials is nil or a limit is negative.
func New(cfg Config) (*Verifier, error) {
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: Config.Credentials is required", ErrConfig)
	}
	if cfg.MaxSkew < 0 || cfg.MaxNonces < 0 || cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("%w: limits must not be negative", ErrConfig)
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if cfg.MaxNonces == 0 {
		cfg.MaxNonces = DefaultMaxNonces
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	cfg.ProxyHeaders = append([]string(nil), cfg.ProxyHeaders...)
	cfg.Hosts = append([]string(nil), cfg.Hosts...)
	if len(cfg.V1Paths) == 0 {
		cfg.V1Paths = []string{"/"}
	} else {
		cfg.V1Paths = append([]string(nil), cfg.V1Paths...)
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Verifier{cfg: cfg, now: now, nonces: newNonceCache(cfg.MaxNonces)}, nil
}

// Version says which signature a request carried.
type Version uint8

const (
	VersionInvalid Version = iota
	V3                     // ACS3-HMAC-SHA256 in the Authorization header
	V1                     // HMAC-SHA1 in the Signature parameter (RPC)
)

func (v Version) String() string {
	switch v {
	case V3:
		return "V3"
	case V1:
		return "V1"
	}
	return "invalid"
}

// Identity is a verified request: who signed it and what exactly was signed.
// A handler must act on these values (or on the request Middleware passes
// on, which carries the same ones), never on parts of the request the
// signature did not cover.
type Identity struct {
	// Principal is the RAM user owning the AccessKey, or the role session
	// (acs:ram::<uid>:role/<role>/<session>) for STS credentials.
	Principal     principal.ID
	AccessKeyID   string
	SecurityToken string // "" for a RAM user's AccessKey
	Version       Version
	// Action and APIVersion are x-acs-action and x-acs-version (V3) or the
	// Action and Version parameters (V1); "" when absent.
	Action, APIVersion string
	// Body is the body as read and verified (V3: its SHA-256 was signed;
	// V1: empty or the form that Params holds).
	Body []byte
	// Time is the request's signed timestamp, Now the verifier's clock.
	Time, Now time.Time
	Nonce     string
	// SourceIP is the client address (zero if unknown), SecureTransport
	// whether it came over HTTPS (see Config.ProxyHeaders, ProtoHeader).
	SourceIP        netip.Addr
	SecureTransport bool

	// params are the signed parameters (Param, Params), in paramBuf when
	// there are few, so that Verify allocates the Identity and its
	// parameters at once.
	params   params
	paramBuf [8]param
}

// Param returns the value of a signed parameter, or "". The signed
// parameters are the query's and, for an application/x-www-form-urlencoded
// body, the form's (a parameter may not appear in both), without V1's
// Signature.
func (id *Identity) Param(key string) string {
	v, _ := id.params.get(key)
	return v
}

// Params returns the signed parameters (see Param) as a new map the caller
// owns.
func (id *Identity) Params() url.Values { return id.params.values() }

// Verify checks r's signature and returns the verified identity. It reads
// r.Body (at most Config.MaxBodyBytes; the bytes are in Identity.Body) and
// closes it; it does not modify r otherwise. A V3 body is read only after
// the signature has been checked, so a caller without a key cannot make
// the server read or hold it; a V1 body holds signed parameters and is read
// first (keep MaxBodyBytes small on a V1 endpoint).
//
// A request carrying an Authorization header starting with "ACS3-" is
// verified as V3 (only ACS3-HMAC-SHA256: ACS3-HMAC-SM3 and the other
// schemes starting with "ACS", such as ACS4-HMAC-SHA256, are refused with
// ErrIncomplete, "IncompleteSignature", saying which algorithm to use),
// any other request as V1. The checks, in order: a
// declared Content-Length above MaxBodyBytes (ErrBodyTooLarge), the
// request's form (ErrIncomplete, ErrUnsignedHeader; V1: ErrBodyTooLarge),
// the timestamp's format (ErrTimestampFormat), the credentials
// (ErrKeyNotFound, ErrKeyInactive, ErrTokenMalformed, ErrTokenMismatch,
// ErrTokenExpired, ErrUnavailable), the signature (ErrSignatureMismatch,
// compared in constant time), V3's body (ErrBodyTooLarge, ErrIncomplete if
// it cannot be read, ErrBodyHash), the time window (ErrTimestampExpired)
// and last the nonce (ErrNonceUsed), which is recorded only for a request
// that passed everything else. Every error is an *Error that unwraps to one
// of those sentinels.
func (v *Verifier) Verify(r *http.Request) (*Identity, error) {
	if r == nil || r.URL == nil {
		return nil, refuse(ErrIncomplete, "no request, or a request without a URL")
	}
	if r.Body != nil {
		defer r.Body.Close()
	}
	if len(r.Header["Authorization"]) > 1 {
		return nil, refuse(ErrIncomplete, "more than one Authorization header")
	}
	if r.ContentLength > v.cfg.MaxBodyBytes {
		return nil, refuse(ErrBodyTooLarge, "")
	}
	switch auth := r.Header.Get("Authorization"); {
	case strings.HasPrefix(auth, "ACS3-"):
		return v.verifyV3(r)
	case strings.HasPrefix(auth, "ACS"):
		// Another scheme of the SDKs (ACS4-HMAC-SHA256, ACS3-RSA-SHA256...).
		return nil, unsupportedAlgorithm(auth)
	}
	body, err := v.readBody(r)
	if err != nil {
		return nil, err
	}
	return v.verifyV1(r, body)
}

// readBody reads the whole body, at most MaxBodyBytes. A declared
// Content-Length sizes the buffer, so a typical body costs one allocation
// of its own size.
func (v *Verifier) readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := v.cfg.MaxBodyBytes
	size := int64(512)
	if r.ContentLength >= 0 && r.ContentLength < limit {
		size = r.ContentLength + 1 // room for the read that reports io.EOF
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		// Read at most one byte past the limit.
		room := min(int64(cap(b)), limit+1)
		n, err := r.Body.Read(b[len(b):room])
		b = b[:len(b)+n]
		switch {
		case int64(len(b)) > limit:
			return nil, refuse(ErrBodyTooLarge, "")
		case err == io.EOF:
			if len(b) == 0 {
				return nil, nil
			}
			return b, nil
		case err != nil:
			return nil, refuse(ErrIncomplete, "the body cannot be read")
		}
	}
}

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
func (v *Verifier) verifyV3(r *http.Request) (*Identity, error) {
	var a authorization
	n, e := parseAuthorization(r.Header.Get("Authorization"), &a)
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
	ps, ok := parseParams(r.URL.RawQuery, id.paramBuf[:0])
	if !ok {
		return nil, refuse(ErrIncomplete, "the query does not decode (bad escape, ';' or a repeated key)")
	}
	if len(body) > 0 {
		if !isForm(r.Header.Get("Content-Type")) {
			return nil, refuse(ErrIncomplete, "a V1 request's body must be an application/x-www-form-urlencoded form")
		}
		if ps, ok = parseParams(string(body), ps); !ok {
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
	var sig [21]byte // base64 of 20 bytes is 28 characters, which could decode to 21
	// Strict: unused bits of the last character must be zero, so one
	// signature has one spelling.
	if n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(sigText)); len(sigText) != 28 || err != nil || n != 20 {
		return nil, refuse(ErrSignatureMismatch, "the signature must be 28 base64 characters")
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
	return v.finish(r, id)
}

// lookup finds the secret of keyID (with token for STS credentials).
func (v *Verifier) lookup(keyID, token string) (principal.ID, string, *Error) {
	var (
		who    principal.ID
		secret string
		err    error
	)
	switch {
	case token != "":
		who, secret, err = v.cfg.Credentials.SessionCredential(keyID, token)
	case strings.HasPrefix(keyID, "STS."):
		return who, "", refuse(ErrTokenMalformed, "an STS AccessKeyId needs its security token")
	default:
		who, secret, err = v.cfg.Credentials.AccessKeySecret(keyID)
	}
	if err != nil {
		return principal.ID{}, "", sourceError(err)
	}
	return who, secret, nil
}

// finish checks the time window and the nonce, and fills the connection
// facts.
func (v *Verifier) finish(r *http.Request, id *Identity) (*Identity, error) {
	now := v.now()
	if d := now.Sub(id.Time); d > v.cfg.MaxSkew || d < -v.cfg.MaxSkew {
		return nil, refuse(ErrTimestampExpired, "the request time "+id.Time.Format(TimeFormat)+
			" is more than "+v.cfg.MaxSkew.String()+" from the server's "+now.UTC().Format(TimeFormat))
	}
	if !v.nonces.record(id.AccessKeyID, id.Nonce, id.Time, now.Add(-v.cfg.MaxSkew)) {
		return nil, refuse(ErrNonceUsed, "")
	}
	id.Now = now
	id.SourceIP = v.sourceIP(r)
	id.SecureTransport = r.TLS != nil
	if v.cfg.ProtoHeader != "" {
		id.SecureTransport = strings.EqualFold(rightMost(r.Header.Values(v.cfg.ProtoHeader)), "https")
	}
	return id, nil
}

// parseTime reads exactly yyyy-MM-ddTHH:mm:ssZ (TimeFormat) as UTC.
func parseTime(s string) (time.Time, *Error) {
	bad := func() *Error { return refuse(ErrTimestampFormat, "want yyyy-MM-ddTHH:mm:ssZ (UTC)") }
	if len(s) != len(TimeFormat) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, bad()
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, bad()
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // February 30 and the like
		return time.Time{}, bad()
	}
	return t, nil
}
