package signature

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/civil"
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
	// Each entry costs about 40 bytes whatever the nonce's length (a nonce
	// is remembered by a keyed 64-bit hash; see nonceCache), each
	// AccessKeyId with entries about 200 bytes more. When the cache is full, the
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
	// instead of running here. V1 and ROA do not sign the host; see the
	// package documentation.
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

// Verifier checks signed requests (V3, V1 and ROA) against a credential source,
// a clock, a time window and a nonce cache. It is safe for concurrent use.
// It caches V3's HMAC key states per AccessKeyId (derived key material,
// bounded and dropped with the key: see the package documentation).
type Verifier struct {
	cfg    Config
	now    func() time.Time
	nonces *nonceCache
	keys   *keyStates // V3's HMAC key states (derived key material; see keyStates)
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
	return &Verifier{cfg: cfg, now: now, nonces: newNonceCache(cfg.MaxNonces), keys: newKeyStates()}, nil
}

// Version says which signature a request carried.
type Version uint8

const (
	VersionInvalid Version = iota
	V3                     // ACS3-HMAC-SHA256 in the Authorization header
	V1                     // HMAC-SHA1 in the Signature parameter (RPC)
	ROA                    // HMAC-SHA1 in "Authorization: acs <AccessKeyId>:<signature>" (ROA)
)

func (v Version) String() string {
	switch v {
	case V3:
		return "V3"
	case V1:
		return "V1"
	case ROA:
		return "ROA"
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
	// Action and APIVersion are x-acs-action and x-acs-version (V3, ROA)
	// or the Action and Version parameters (V1); "" when absent.
	Action, APIVersion string
	// Body is the body as read and verified (V3: its SHA-256 was signed;
	// V1: empty or the form that Params holds; ROA: empty or its MD5 was
	// signed as Content-MD5).
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
	// parameters at once. (A small body and the parameters' decoded text
	// share the one other allocation: see requestBuffers.) Seven of them
	// keep the Identity at 496 bytes: the runtime allocates objects of up
	// to 512 bytes with pointers faster (no per-object type header) and in
	// a smaller size class (512 rather than 576 bytes).
	params   params
	paramBuf [identityParams]param
}

// identityParams is how many parameters an Identity holds without another
// allocation. TestIdentitySmallObject keeps the Identity within 512 bytes.
const identityParams = 7

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
// one starting with "acs " as ROA, any other request as V1. ROA (see
// SignROA) signs the path and the query but not the host, and the body only
// through Content-MD5: a ROA request with a body and no Content-MD5 is
// refused (ErrIncomplete), and so is one whose unencoded query could be
// read two ways (a key with '&' or '=', a value with '&'). The checks, in
// order: a
// declared Content-Length above MaxBodyBytes (ErrBodyTooLarge), the
// request's form (ErrIncomplete, ErrUnsignedHeader; V1: ErrBodyTooLarge),
// the timestamp's format (ErrTimestampFormat), the credentials
// (ErrKeyNotFound, ErrKeyInactive, ErrTokenMalformed, ErrTokenMismatch,
// ErrTokenExpired, ErrUnavailable), the signature (ErrSignatureMismatch,
// compared in constant time), V3's and ROA's body (ErrBodyTooLarge,
// ErrIncomplete if it cannot be read, ErrBodyHash), the time window (ErrTimestampExpired)
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
	var auth string
	switch vs := r.Header["Authorization"]; len(vs) {
	case 0:
	case 1:
		auth = vs[0]
	default:
		return nil, refuse(ErrIncomplete, "more than one Authorization header")
	}
	if r.ContentLength > v.cfg.MaxBodyBytes {
		return nil, refuse(ErrBodyTooLarge, "")
	}
	switch {
	case strings.HasPrefix(auth, "ACS3-"):
		return v.verifyV3(r, auth)
	case strings.HasPrefix(auth, SchemeROA+" "):
		return v.verifyROA(r, auth)
	case strings.HasPrefix(auth, "ACS"):
		// Another scheme of the SDKs (ACS4-HMAC-SHA256, ACS3-RSA-SHA256...).
		return nil, unsupportedAlgorithm(auth)
	}
	body, err := v.readBody(r, nil)
	if err != nil {
		return nil, err
	}
	return v.verifyV1(r, body)
}

// readBody reads the whole body, at most MaxBodyBytes. A declared
// Content-Length sizes the buffer, so a typical body costs one allocation
// of its own size, or none when it fits in scratch (the result then points
// into scratch).
func (v *Verifier) readBody(r *http.Request, scratch []byte) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := v.cfg.MaxBodyBytes
	size := int64(512)
	if r.ContentLength >= 0 && r.ContentLength < limit {
		size = r.ContentLength + 1 // room for the read that reports io.EOF
	}
	var b []byte
	if size <= int64(len(scratch)) {
		b = scratch[:0]
	} else {
		b = make([]byte, 0, size)
	}
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
			return b[:len(b):len(b)], nil
		case err != nil:
			return nil, refuse(ErrIncomplete, "the body cannot be read")
		}
	}
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
		v.keys.forget(keyID)
		return principal.ID{}, "", sourceError(err)
	}
	return who, secret, nil
}

// finish checks the time window and the nonce against the clock reading
// now, and fills the connection facts.
func (v *Verifier) finish(r *http.Request, id *Identity, now time.Time) (*Identity, error) {
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

// parseTime reads exactly yyyy-MM-ddTHH:mm:ssZ (TimeFormat) as UTC. It
// computes the instant by hand (days from the civil date) instead of
// calling time.Date, which normalizes every field; parseTimeSlow in the
// tests is the reference.
func parseTime(s string) (time.Time, *Error) {
	if len(s) != len(TimeFormat) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, errTimeFormat()
	}
	bad := false
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			bad = bad || c < '0' || c > '9'
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if bad || mo < 1 || mo > 12 || d < 1 || d > civil.DaysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, errTimeFormat()
	}
	days := civil.UnixDays(y, mo, d)
	return time.Unix(days*86400+int64(h*3600+mi*60+sec), 0).UTC(), nil
}

func errTimeFormat() *Error {
	return refuse(ErrTimestampFormat, "want yyyy-MM-ddTHH:mm:ssZ (UTC)")
}
