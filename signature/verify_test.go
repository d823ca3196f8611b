package signature

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/principal"
)

var (
	t0       = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	alice    = principal.MustParse("acs:ram::1234567890123456:user/alice")
	oncall   = principal.MustParse("acs:ram::1234567890123456:role/oncall/bob")
	aliceKey = Key{AccessKeyID: "LTAI5tAliceKey000000000", AccessKeySecret: "alice-secret"}
	stsKey   = Key{AccessKeyID: "STS.NTestSessionKey00000000000", AccessKeySecret: "session-secret", SecurityToken: "CAIStoken-bob"}
	otherSTS = Key{AccessKeyID: "STS.NOtherSessionKey0000000000", AccessKeySecret: "other-secret", SecurityToken: "CAIStoken-carol"}
)

// clock is an adjustable injected clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newTestVerifier(t testing.TB, cfg Config) (*Verifier, *MemoryCredentials, *clock) {
	t.Helper()
	c := &clock{now: t0}
	creds := &MemoryCredentials{Clock: c.Now}
	creds.AddAccessKey(aliceKey.AccessKeyID, aliceKey.AccessKeySecret, alice)
	creds.AddSession(stsKey.AccessKeyID, stsKey.AccessKeySecret, stsKey.SecurityToken, oncall, t0.Add(time.Hour))
	creds.AddSession(otherSTS.AccessKeyID, otherSTS.AccessKeySecret, otherSTS.SecurityToken, oncall, t0.Add(time.Hour))
	cfg.Credentials = creds
	cfg.Clock = c.Now
	v, err := New(cfg)
	require.NoError(t, err)
	return v, creds, c
}

var nonceSeq int

func nextNonce() string {
	nonceSeq++
	return "nonce-" + strings.Repeat("x", nonceSeq%3) + time.Duration(nonceSeq).String()
}

// v3Request is a typical RPC call signed with V3, as darabonba sends it.
func v3Request(t testing.TB, k Key, at time.Time, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?RegionId=cn-hangzhou&Name=a+b&Tag=x%2By", nil)
	r.Header.Set("x-acs-action", "ListTraceApps")
	r.Header.Set("x-acs-version", "2019-08-08")
	if body != "" {
		r.Header.Set("content-type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("User-Agent", "test")
	require.NoError(t, SignV3(r, []byte(body), k, at, nextNonce()))
	return r
}

// v1Request is a typical RPC call signed with V1: common parameters in the
// query, operation parameters in a form body.
func v1Request(t testing.TB, k Key, at time.Time, form url.Values) *http.Request {
	t.Helper()
	q := url.Values{"Action": {"ListTraceApps"}, "Version": {"2019-08-08"}, "Format": {"JSON"}, "RegionId": {"cn-hangzhou"}}
	all := url.Values{}
	for k, v := range q {
		all[k] = v
	}
	for k, v := range form {
		all[k] = v
	}
	signed, err := SignV1("POST", all, k, at, nextNonce())
	require.NoError(t, err)
	query := url.Values{}
	for key, v := range signed {
		if _, inForm := form[key]; !inForm {
			query[key] = v
		}
	}
	r := httptest.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?"+query.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("x-acs-action", "ListTraceApps") // unsigned, as darabonba sends it
	return r
}

func TestVerifyV3(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v3Request(t, aliceKey, t0.Add(-time.Minute), "Page=1&Filter=a+b")
	r.RemoteAddr = "203.0.113.9:5555"
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, alice, id.Principal)
	assert.Equal(t, V3, id.Version)
	assert.Equal(t, "ListTraceApps", id.Action)
	assert.Equal(t, "2019-08-08", id.APIVersion)
	assert.Equal(t, "a b", id.Param("Name"), "'+' in a query is a space, as the SDKs send it")
	assert.Equal(t, "x+y", id.Param("Tag"))
	assert.Equal(t, "Page=1&Filter=a+b", string(id.Body))
	assert.Equal(t, netip.MustParseAddr("203.0.113.9"), id.SourceIP)
	assert.False(t, id.SecureTransport)
	assert.Equal(t, t0, id.Now)
	assert.Equal(t, t0.Add(-time.Minute), id.Time)
}

func TestVerifyV1(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"check out*~"}, "Tags.1": {"a+b"}})
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, alice, id.Principal)
	assert.Equal(t, V1, id.Version)
	assert.Equal(t, "check out*~", id.Param("AppName"), "body parameters are signed and returned")
	assert.Equal(t, "a+b", id.Param("Tags.1"))
	assert.Equal(t, "cn-hangzhou", id.Param("RegionId"))
	assert.NotContains(t, id.Params(), "Signature")
}

func TestVerifySession(t *testing.T) {
	for name, sign := range map[string]func(Key) *http.Request{
		"V3": func(k Key) *http.Request { return v3Request(t, k, t0, "") },
		"V1": func(k Key) *http.Request { return v1Request(t, k, t0, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			v, creds, c := newTestVerifier(t, Config{})
			id, err := v.Verify(sign(stsKey))
			require.NoError(t, err)
			assert.Equal(t, oncall, id.Principal)
			assert.Equal(t, stsKey.SecurityToken, id.SecurityToken)

			// A token presented with another session's key.
			mixed := stsKey
			mixed.AccessKeyID, mixed.AccessKeySecret = otherSTS.AccessKeyID, otherSTS.AccessKeySecret
			_, err = v.Verify(sign(mixed))
			assertCode(t, err, ErrTokenMismatch, "InvalidSecurityToken.MismatchWithAccessKey")

			// A token never issued.
			forged := stsKey
			forged.SecurityToken = "CAISforged"
			_, err = v.Verify(sign(forged))
			assertCode(t, err, ErrTokenMalformed, "InvalidSecurityToken.Malformed")

			// An STS key without its token.
			bare := stsKey
			bare.SecurityToken = ""
			_, err = v.Verify(sign(bare))
			assertCode(t, err, ErrTokenMalformed, "InvalidSecurityToken.Malformed")

			// Revoked, then expired: exactly the token-expired code, which
			// is what credential providers refresh on.
			require.True(t, creds.RevokeSession(otherSTS.AccessKeyID))
			_, err = v.Verify(sign(otherSTS))
			assertCode(t, err, ErrTokenExpired, "InvalidSecurityToken.Expired")
			c.now = t0.Add(time.Hour)
			_, err = v.Verify(func() *http.Request { return sign(stsKey) }())
			assertCode(t, err, ErrTokenExpired, "InvalidSecurityToken.Expired")
		})
	}
}

func assertCode(t *testing.T, err error, sentinel error, code string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, sentinel)
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, code, e.Code)
}

// TestRefusals is the table of every refusal code.
func TestRefusals(t *testing.T) {
	type mutate func(t *testing.T, v *Verifier, creds *MemoryCredentials, c *clock) *http.Request
	wrongSecret := aliceKey
	wrongSecret.AccessKeySecret = "guessed"
	cases := []struct {
		name     string
		req      mutate
		sentinel error
		code     string
		status   int
	}{
		{"v3 wrong secret", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v3Request(t, wrongSecret, t0, "")
		}, ErrSignatureMismatch, "SignatureDoesNotMatch", 400},
		{"v1 wrong secret", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v1Request(t, wrongSecret, t0, nil)
		}, ErrSignatureMismatch, "SignatureDoesNotMatch", 400},
		{"v3 unknown key", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v3Request(t, Key{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, t0, "")
		}, ErrKeyNotFound, "InvalidAccessKeyId.NotFound", 404},
		{"v1 inactive key", func(t *testing.T, _ *Verifier, creds *MemoryCredentials, _ *clock) *http.Request {
			creds.SetActive(aliceKey.AccessKeyID, false)
			return v1Request(t, aliceKey, t0, nil)
		}, ErrKeyInactive, "InvalidAccessKeyId.Inactive", 400},
		{"v3 deleted key", func(t *testing.T, _ *Verifier, creds *MemoryCredentials, _ *clock) *http.Request {
			creds.DeleteAccessKey(aliceKey.AccessKeyID)
			return v3Request(t, aliceKey, t0, "")
		}, ErrKeyNotFound, "InvalidAccessKeyId.NotFound", 404},
		{"v3 too old", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v3Request(t, aliceKey, t0.Add(-15*time.Minute-time.Second), "")
		}, ErrTimestampExpired, "InvalidTimeStamp.Expired", 400},
		{"v1 from the future", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v1Request(t, aliceKey, t0.Add(15*time.Minute+time.Second), nil)
		}, ErrTimestampExpired, "InvalidTimeStamp.Expired", 400},
		{"v3 bad date", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r.Header.Set(HeaderDate, "2026-03-02 10:00:00")
			return r
		}, ErrTimestampFormat, "InvalidTimeStamp.Format", 400},
		{"v3 replayed nonce", func(t *testing.T, v *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r2 := r.Clone(r.Context())
			_, err := v.Verify(r)
			require.NoError(t, err)
			return r2
		}, ErrNonceUsed, "SignatureNonceUsed", 400},
		{"v3 body changed", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "Page=1")
			r.Body = httptest.NewRequest("POST", "/", strings.NewReader("Page=2")).Body
			return r
		}, ErrBodyHash, "SignatureDoesNotMatch", 400},
		{"v3 unsigned x-acs header", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r.Header.Set("X-Acs-Resource-Group-Id", "rg-evil")
			return r
		}, ErrUnsignedHeader, "IncompleteSignature", 400},
		{"v3 unsigned content-type", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r.Header.Set("Content-Type", "application/json")
			return r
		}, ErrUnsignedHeader, "IncompleteSignature", 400},
		{"v1 unsigned x-acs-action disagrees", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v1Request(t, aliceKey, t0, nil)
			r.Header.Set("x-acs-action", "DeleteTraceApp")
			return r
		}, ErrUnsignedHeader, "IncompleteSignature", 400},
		{"v1 json body", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v1Request(t, aliceKey, t0, url.Values{"A": {"1"}})
			r.Header.Set("Content-Type", "application/json")
			return r
		}, ErrIncomplete, "IncompleteSignature", 400},
		{"v3 no host signed", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			return r
		}, ErrIncomplete, "IncompleteSignature", 400},
		{"v3 other algorithm", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v3Request(t, aliceKey, t0, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), AlgorithmV3, "ACS3-HMAC-SM3", 1))
			return r
		}, ErrIncomplete, "IncompleteSignature", 400},
		{"v1 no signature", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return httptest.NewRequest("GET", "/?Action=ListTraceApps", nil)
		}, ErrIncomplete, "IncompleteSignature", 400},
		{"v1 repeated parameter", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			r := v1Request(t, aliceKey, t0, nil)
			r.URL.RawQuery += "&Action=DeleteTraceApp"
			return r
		}, ErrIncomplete, "IncompleteSignature", 400},
		{"body too large", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, _ *clock) *http.Request {
			return v3Request(t, aliceKey, t0, strings.Repeat("a", 2049))
		}, ErrBodyTooLarge, "RequestEntityTooLarge", 413},
		{"session expired", func(t *testing.T, _ *Verifier, _ *MemoryCredentials, c *clock) *http.Request {
			r := v3Request(t, stsKey, t0.Add(time.Hour), "")
			c.now = t0.Add(time.Hour)
			return r
		}, ErrTokenExpired, "InvalidSecurityToken.Expired", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, creds, c := newTestVerifier(t, Config{MaxBodyBytes: 2048})
			_, err := v.Verify(tc.req(t, v, creds, c))
			assertCode(t, err, tc.sentinel, tc.code)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.HTTPStatus())
		})
	}
}

// TestSignedSetIsExecuted: every way of making the server see values other
// than the signed ones is refused.
func TestSignedSetIsExecuted(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	t.Run("changed query value", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "RegionId=cn-hangzhou", "RegionId=cn-beijing", 1)
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("plus and %20 are the same space", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Name=a+b", "Name=a%20b", 1)
		id, err := v.Verify(r)
		require.NoError(t, err)
		assert.Equal(t, "a b", id.Param("Name"))
	})
	t.Run("literal plus is not a space", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Tag=x%2By", "Tag=x+y", 1)
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("double encoding", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Tag=x%2By", "Tag=x%252By", 1)
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("encoded slash in the path", func(t *testing.T) {
		r := httptest.NewRequest("GET", "http://h/apps/a/b", nil)
		require.NoError(t, SignV3(r, nil, aliceKey, t0, nextNonce()))
		r.URL.RawPath, r.URL.Path = "/apps/a%2Fb", "/apps/a/b"
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("semicolon", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.URL.RawQuery += ";RegionId=cn-beijing"
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrIncomplete)
	})
	t.Run("v1 body parameter changed", func(t *testing.T) {
		r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}})
		r.Body = httptest.NewRequest("POST", "/", strings.NewReader("AppName=prod-shop")).Body
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("v1 parameter moved from body to a second copy in the query", func(t *testing.T) {
		r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}})
		r.URL.RawQuery += "&AppName=prod-shop"
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrIncomplete)
	})
	t.Run("repeated signed header", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.Header.Add("x-acs-action", "DeleteTraceApp")
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrIncomplete)
	})
	t.Run("method changed", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.Method = "DELETE"
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
	t.Run("host changed", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.Host = "other.example.com"
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrSignatureMismatch)
	})
}

func TestReplayAndSkew(t *testing.T) {
	v, _, c := newTestVerifier(t, Config{MaxSkew: 5 * time.Minute})
	r := v1Request(t, aliceKey, t0, nil)
	replay := r.Clone(r.Context())
	replay.Body = httptest.NewRequest("POST", "/", strings.NewReader("")).Body
	_, err := v.Verify(r)
	require.NoError(t, err)
	_, err = v.Verify(replay)
	assert.ErrorIs(t, err, ErrNonceUsed)

	// At the edge of the window a request is accepted; one second beyond,
	// refused, replays included.
	c.now = t0.Add(5 * time.Minute)
	_, err = v.Verify(v3Request(t, aliceKey, t0, ""))
	assert.NoError(t, err)
	c.now = t0.Add(5*time.Minute + time.Second)
	_, err = v.Verify(v3Request(t, aliceKey, t0, ""))
	assert.ErrorIs(t, err, ErrTimestampExpired)
	_, err = v.Verify(v3Request(t, aliceKey, t0.Add(11*time.Minute), ""))
	assert.ErrorIs(t, err, ErrTimestampExpired)

	// The same nonce from another key is another request.
	v2, _, _ := newTestVerifier(t, Config{})
	ra := httptest.NewRequest("GET", "http://h/", nil)
	require.NoError(t, SignV3(ra, nil, aliceKey, t0, "same"))
	rb := httptest.NewRequest("GET", "http://h/", nil)
	require.NoError(t, SignV3(rb, nil, stsKey, t0, "same"))
	_, err = v2.Verify(ra)
	assert.NoError(t, err)
	_, err = v2.Verify(rb)
	assert.NoError(t, err)
}

// TestNonceCacheBounded floods the cache with 20 times its capacity of
// distinct accepted requests: it never holds more than its bound, and no
// nonce it forgot can be replayed.
func TestNonceCacheBounded(t *testing.T) {
	const max = 64
	v, _, c := newTestVerifier(t, Config{MaxNonces: max})
	var first []*http.Request
	for i := range 20 * max {
		if i%max == 0 {
			c.now = c.now.Add(time.Second)
		}
		r := httptest.NewRequest("GET", "http://h/", nil)
		require.NoError(t, SignV3(r, nil, aliceKey, c.now, "flood-"+time.Duration(i).String()))
		if i < 3 {
			first = append(first, r.Clone(r.Context()))
		}
		_, err := v.Verify(r)
		require.NoError(t, err, i)
		require.LessOrEqual(t, v.nonces.len(), max)
	}
	assert.Equal(t, max, v.nonces.len())
	for _, r := range first {
		_, err := v.Verify(r)
		assert.ErrorIs(t, err, ErrNonceUsed, "a forgotten nonce must not be accepted again")
	}
	// Expired entries are dropped: an hour later the cache empties itself.
	c.now = c.now.Add(time.Hour)
	r := httptest.NewRequest("GET", "http://h/", nil)
	require.NoError(t, SignV3(r, nil, aliceKey, c.now, "later"))
	_, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, 1, v.nonces.len())
}

func TestSourceIPAndTransport(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v3Request(t, aliceKey, t0, "")
	r.RemoteAddr = "[::ffff:10.1.2.3]:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("10.1.2.3"), id.SourceIP, "proxy headers are ignored unless trusted")

	pv, _, _ := newTestVerifier(t, Config{ProxyHeaders: []string{"X-Forwarded-For"}, ProtoHeader: "X-Forwarded-Proto"})
	r = v3Request(t, aliceKey, t0, "")
	r.RemoteAddr = "10.0.0.1:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	id, err = pv.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("203.0.113.7"), id.SourceIP, "the right-most address, the one the proxy saw")
	assert.True(t, id.SecureTransport)
	ctx := id.Context()
	ip, _ := ctx.Get("acs:SourceIp")
	assert.Equal(t, []string{"203.0.113.7"}, ip)
	st, _ := ctx.Get("acs:SecureTransport")
	assert.Equal(t, []string{"true"}, st)
	now, _ := ctx.Get("acs:CurrentTime")
	assert.Equal(t, []string{"2026-03-02T10:00:00Z"}, now)
}

func TestNewConfig(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = New(Config{Credentials: &MemoryCredentials{}, MaxSkew: -1})
	assert.ErrorIs(t, err, ErrConfig)
}

// TestConcurrentReplay sends every signed request from several goroutines
// at once: each is accepted exactly once.
func TestConcurrentReplay(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	const n, copies = 50, 4
	reqs := make([][]*http.Request, n)
	for i := range reqs {
		r := httptest.NewRequest("GET", "http://h/?i="+time.Duration(i).String(), nil)
		require.NoError(t, SignV3(r, nil, aliceKey, t0, "concurrent-"+time.Duration(i).String()))
		for range copies {
			reqs[i] = append(reqs[i], r.Clone(r.Context()))
		}
	}
	accepted := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	for c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if _, err := v.Verify(reqs[i][c]); err == nil {
					accepted[i].Add(1)
				} else if !errors.Is(err, ErrNonceUsed) {
					t.Errorf("request %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	for i := range accepted {
		assert.Equal(t, int32(1), accepted[i].Load(), "request %d", i)
	}
}

// failing is a credential source whose backend is down.
type failing struct{}

func (failing) AccessKeySecret(string) (principal.ID, string, error) {
	return principal.ID{}, "", errors.New("connection refused")
}
func (failing) SessionCredential(string, string) (principal.ID, string, error) {
	return principal.ID{}, "", errors.New("connection refused")
}

func TestSourceFailureRefuses(t *testing.T) {
	v, err := New(Config{Credentials: failing{}, Clock: func() time.Time { return t0 }})
	require.NoError(t, err)
	_, err = v.Verify(v3Request(t, aliceKey, t0, ""))
	assertCode(t, err, ErrUnavailable, "ServiceUnavailable")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.HTTPStatus())
	assert.NotContains(t, e.ErrorMessage(), "connection refused", "the backend's error is not shown to the caller")
	_, err = v.Verify(v1Request(t, stsKey, t0, nil))
	assertCode(t, err, ErrUnavailable, "ServiceUnavailable")
}

func TestHostsAndAuthorization(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{Hosts: []string{"ARMS.cn-hangzhou.example.com"}})
	_, err := v.Verify(v3Request(t, aliceKey, t0, ""))
	require.NoError(t, err, "host names compare without case")

	r := httptest.NewRequest("GET", "http://other.example.com/", nil)
	require.NoError(t, SignV3(r, nil, aliceKey, t0, "for-another-service"))
	_, err = v.Verify(r)
	assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")

	r = v3Request(t, aliceKey, t0, "")
	r.Header.Add("Authorization", "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00")
	_, err = v.Verify(r)
	assertCode(t, err, ErrIncomplete, "IncompleteSignature")
}

func TestParseTime(t *testing.T) {
	got, err := parseTime("2024-02-29T23:59:59Z")
	require.Nil(t, err)
	assert.Equal(t, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), got)
	for _, s := range []string{"", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-03-02T24:00:00Z", "2026-03-02T10:60:00Z", "2026-03-02T10:00:60Z", "2026-03-02 10:00:00Z",
		"2026-03-02T10:00:00+00:00", "2026-03-02T10:00:00.5Z", "2026-3-02T10:00:00Z", "+026-03-02T10:00:00Z",
		"2026-03-02T10:00:0aZ", "2026-03-32T10:00:00Z"} {
		_, err := parseTime(s)
		assert.NotNil(t, err, s)
	}
}

func TestTooManySignedHeaders(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v3Request(t, aliceKey, t0, "")
	names := make([]string, MaxSignedHeaders+1)
	for i := range names {
		names[i] = "x-acs-h" + time.Duration(100+i).String()
	}
	r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+aliceKey.AccessKeyID+",SignedHeaders="+
		strings.Join(names, ";")+",Signature="+strings.Repeat("0", 64))
	_, err := v.Verify(r)
	assertCode(t, err, ErrIncomplete, "IncompleteSignature")
}
