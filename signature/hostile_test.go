package signature

// Requests an attacker would send: each test names the hole it closes (or
// the attack that held) and what a request does now.

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestV1PathNotSigned: a V1 signature covers neither the path nor the host,
// so a V1 request signed for one route ran on any other path of a
// path-routed service (a signed "list" replayed, or sent by a confused
// client, as DELETE /apps/prod-shop). V1 is accepted only at Config.V1Paths
// ("/" unless configured).
func TestV1PathNotSigned(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	at := func(path string) *http.Request {
		signed, err := SignV1("DELETE", url.Values{"Action": {"DeleteTraceApp"}}, aliceKey, t0, nextNonce())
		require.NoError(t, err)
		return httptest.NewRequest("DELETE", "http://h"+path+"?"+signed.Encode(), nil)
	}
	for _, path := range []string{"/apps/prod-shop", "//", "/%2F", "/apps/../"} {
		_, err := v.Verify(at(path))
		assertCode(t, err, ErrIncomplete, "IncompleteSignature")
	}
	_, err := v.Verify(at("/"))
	assert.NoError(t, err)
	r := at("/")
	r.URL.Path, r.URL.RawPath = "", ""
	_, err = v.Verify(r)
	assert.NoError(t, err, "an empty path is /")

	// A service that mounts its RPC endpoint elsewhere says so.
	v2, _, _ := newTestVerifier(t, Config{V1Paths: []string{"/rpc/"}})
	_, err = v2.Verify(at("/rpc/"))
	assert.NoError(t, err)
	_, err = v2.Verify(at("/"))
	assertCode(t, err, ErrIncomplete, "IncompleteSignature")
}

// TestSignatureHasOneSpelling: upper-case hex (V3) and base64 with non-zero
// unused bits in its last character (V1) decode to the same MAC, so one
// signed request had several accepted spellings of its signature, and a
// relay could alter it without the key (a log or cache keyed on the
// signature would see two requests). Only the signer's spelling passes.
func TestSignatureHasOneSpelling(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	t.Run("V3", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		auth := r.Header.Get("Authorization")
		i := strings.Index(auth, "Signature=") + len("Signature=")
		r.Header.Set("Authorization", auth[:i]+strings.ToUpper(auth[i:]))
		_, err := v.Verify(r)
		assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")
	})
	t.Run("V1", func(t *testing.T) {
		r := v1Request(t, aliceKey, t0, nil)
		q, err := url.ParseQuery(r.URL.RawQuery)
		require.NoError(t, err)
		sig := q.Get("Signature")
		require.Len(t, sig, 28)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		last := strings.IndexByte(alphabet, sig[26]) // 160 bits end 2 bits into the 27th character
		q.Set("Signature", sig[:26]+string(alphabet[last^1])+sig[27:])
		r.URL.RawQuery = q.Encode()
		_, err = v.Verify(r)
		assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")
	})
}

// countingBody counts the bytes read from it.
type countingBody struct {
	n, size int
	closed  bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.n >= b.size {
		return 0, io.EOF
	}
	k := min(len(p), b.size-b.n)
	b.n += k
	return k, nil
}

func (b *countingBody) Close() error { b.closed = true; return nil }

// TestBodyReadOnlyAfterSignature: Verify read the body (up to MaxBodyBytes)
// before anything else, so anyone, without a key, made the server read and
// hold up to 8 MiB per request. A V3 body is now read only once the
// signature over its hash is checked, a declared Content-Length above the
// limit is refused without reading, and the body is closed either way.
func TestBodyReadOnlyAfterSignature(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{MaxBodyBytes: 1 << 20})
	wrongSecret := aliceKey
	wrongSecret.AccessKeySecret = "guessed"

	r := v3Request(t, wrongSecret, t0, "")
	body := &countingBody{size: 1 << 20}
	r.Body, r.ContentLength = body, -1 // chunked: no length declared
	_, err := v.Verify(r)
	assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")
	assert.Zero(t, body.n, "bytes read for a request whose signature failed")
	assert.True(t, body.closed)

	r = v3Request(t, aliceKey, t0, "")
	body = &countingBody{size: 1}
	r.Body, r.ContentLength = body, 1<<20+1
	_, err = v.Verify(r)
	assertCode(t, err, ErrBodyTooLarge, "RequestEntityTooLarge")
	assert.Zero(t, body.n)
	assert.True(t, body.closed)

	// A correctly signed body still is read, checked and handed over.
	r = v3Request(t, aliceKey, t0, "Page=1")
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, "Page=1", string(id.Body))
}

// TestProtoHeaderRightMost: acs:SecureTransport came from the first
// X-Forwarded-Proto value, so behind a proxy that appends (as it does to
// X-Forwarded-For, whose right-most entry counts) a client sending its own
// "X-Forwarded-Proto: https" over plain HTTP satisfied a policy requiring
// HTTPS.
func TestProtoHeaderRightMost(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{ProxyHeaders: []string{"X-Forwarded-For"}, ProtoHeader: "X-Forwarded-Proto"})
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{[]string{"https", "http"}, false},
		{[]string{"https, http"}, false},
		{[]string{"http", "https"}, true},
		{[]string{"http, HTTPS "}, true},
		{nil, false},
	} {
		r := v3Request(t, aliceKey, t0, "")
		r.Header["X-Forwarded-Proto"] = tc.values
		id, err := v.Verify(r)
		require.NoError(t, err)
		assert.Equal(t, tc.want, id.SecureTransport, "%q", tc.values)
	}
}

// TestVerifyBareRequests: a hand-built request without a URL (or none at
// all) panicked with a nil dereference; it is an ErrIncomplete refusal.
func TestVerifyBareRequests(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	signed := v3Request(t, aliceKey, t0, "")
	for name, r := range map[string]*http.Request{
		"nil":            nil,
		"empty":          {},
		"no URL, signed": {Method: "POST", Header: signed.Header, Host: signed.Host},
		"no header":      {Method: "GET", URL: &url.URL{Path: "/"}},
	} {
		assert.NotPanics(t, func() {
			_, err := v.Verify(r)
			assertCode(t, err, ErrIncomplete, "IncompleteSignature")
		}, name)
	}
}

// TestMemoryCredentialsReplacedSession: AddSession replacing a session
// left its old token mapped to the key, so the old token with its own key
// was answered "belongs to another AccessKey" (MismatchWithAccessKey), a
// false statement, instead of "not issued" (Malformed).
func TestMemoryCredentialsReplacedSession(t *testing.T) {
	m := &MemoryCredentials{Clock: func() time.Time { return t0 }}
	m.AddSession("STS.k", "s1", "token-1", oncall, t0.Add(time.Hour))
	m.AddSession("STS.k", "s2", "token-2", oncall, t0.Add(time.Hour))
	_, _, err := m.SessionCredential("STS.k", "token-1")
	assert.ErrorIs(t, err, ErrTokenMalformed)
	_, secret, err := m.SessionCredential("STS.k", "token-2")
	require.NoError(t, err)
	assert.Equal(t, "s2", secret)
}

// TestV1MethodAndVersionPinned: a V1 request correctly signed (HMAC-SHA1)
// over parameters that claim another SignatureMethod or SignatureVersion,
// or omit them, is refused: nothing downgrades or reinterprets the
// signature (held; pinned by this test).
func TestV1MethodAndVersionPinned(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	for i, mutate := range []func(url.Values){
		nil, // the control: re-signed as is, accepted
		func(q url.Values) { q.Set("SignatureMethod", "HMAC-SHA256") },
		func(q url.Values) { q.Set("SignatureMethod", "hmac-sha1") },
		func(q url.Values) { q.Set("SignatureVersion", "2.0") },
		func(q url.Values) { q.Del("SignatureMethod") },
		func(q url.Values) { q.Del("SignatureVersion") },
	} {
		q, err := SignV1("GET", url.Values{"Action": {"X"}}, aliceKey, t0, "pinned-"+string(rune('a'+i)))
		require.NoError(t, err)
		q.Del("Signature")
		if mutate != nil {
			mutate(q)
		}
		var ps params
		for k := range q {
			ps = append(ps, param{k, q.Get(k)})
		}
		mac := signV1(aliceKey.AccessKeySecret, stringToSignV1(nil, "GET", ps))
		q.Set("Signature", base64.StdEncoding.EncodeToString(mac[:]))
		_, err = v.Verify(httptest.NewRequest("GET", "http://h/?"+q.Encode(), nil))
		if mutate == nil {
			require.NoError(t, err)
			continue
		}
		assertCode(t, err, ErrIncomplete, "IncompleteSignature")
	}
}

// TestRefusedRequestLeavesNonceUnused: the nonce is recorded only for a
// request that passed every other check, so a request refused for its
// signature, its body or its time cannot use up the nonce of the genuine
// request carrying it (an attacker who sees a nonce in flight cannot
// burn it), and the genuine request is then accepted once.
func TestRefusedRequestLeavesNonceUnused(t *testing.T) {
	v, _, c := newTestVerifier(t, Config{MaxSkew: 5 * time.Minute})
	signed := func(k Key, at time.Time, body string) *http.Request {
		r := httptest.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?RegionId=cn-hangzhou", nil)
		r.Header.Set("content-type", "application/x-www-form-urlencoded")
		require.NoError(t, SignV3(r, []byte(body), k, at, "the-nonce"))
		return r
	}
	wrongSecret := aliceKey
	wrongSecret.AccessKeySecret = "not-alice-secret"
	_, err := v.Verify(signed(wrongSecret, t0, "AppName=a"))
	assert.ErrorIs(t, err, ErrSignatureMismatch)

	otherBody := signed(aliceKey, t0, "AppName=a")
	otherBody.Body = io.NopCloser(strings.NewReader("AppName=b"))
	_, err = v.Verify(otherBody)
	assert.ErrorIs(t, err, ErrBodyHash)

	c.now = t0.Add(10 * time.Minute)
	_, err = v.Verify(signed(aliceKey, t0, "AppName=a"))
	assert.ErrorIs(t, err, ErrTimestampExpired)
	assert.Equal(t, 0, v.nonces.len(), "no refused request was recorded")

	c.now = t0
	genuine := signed(aliceKey, t0, "AppName=a")
	replay := signed(aliceKey, t0, "AppName=a")
	id, err := v.Verify(genuine)
	require.NoError(t, err)
	assert.Equal(t, "a", id.Param("AppName"))
	_, err = v.Verify(replay)
	assert.ErrorIs(t, err, ErrNonceUsed)
}

// TestLongSHA1SignatureRefused: a V1 Signature or a ROA signature longer
// than 28 base64 characters was decoded before its length was checked,
// into a 21-byte buffer, and panicked (found by FuzzVerifyROA with a
// 32-character signature). It is refused as SignatureDoesNotMatch.
func TestLongSHA1SignatureRefused(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	for _, sig := range []string{strings.Repeat("0", 32), strings.Repeat("A", 29), strings.Repeat("A", 400)} {
		r := roaRequest(t, aliceKey, t0, "")
		r.Header.Set("Authorization", SchemeROA+" "+aliceKey.AccessKeyID+":"+sig)
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch, "ROA, %d characters", len(sig))

		r = v1Request(t, aliceKey, t0, nil)
		q := r.URL.Query()
		q.Set("Signature", sig)
		r.URL.RawQuery = q.Encode()
		_, err = v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch, "V1, %d characters", len(sig))
	}
}
