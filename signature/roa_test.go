package signature

import (
	"bytes"
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

// roaVectors are ROA strings to sign and signatures computed by the SDK's
// signer (darabonba-openapi v2.1.13, utils.GetStringToSign and
// utils.GetROASignature) for the requests below: the query unencoded and
// sorted, an empty value signed as the bare key, '=' kept in a value, the
// path as sent (an encoded '/' stays encoded).
var roaVectors = []struct {
	name, method, secret, md5, contentType string
	body                                   string
	token                                  Key
	stringToSign, signature                string
}{
	{
		name: "GET", method: "GET", secret: "YourAccessKeySecret",
		stringToSign: "GET\napplication/json\n\n\nMon, 02 Mar 2026 10:00:00 GMT\n" +
			"x-acs-action:DescribeClusterTriggers\nx-acs-signature-method:HMAC-SHA1\n" +
			"x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-signature-version:1.0\n" +
			"x-acs-version:2015-12-15\n/clusters/c-82e6b%2Fx/triggers?Empty&Name=a b+c&RegionId=cn-hangzhou&Tag=x=y",
		signature: "tU2PZD1rmG/8yRR80Kg8p8fVilU=",
	},
	{
		name: "POST with STS token and Content-MD5", method: "POST", secret: "session-secret",
		md5: "es2CPiL+GaM8wH8DwJ2JCg==", contentType: "application/json; charset=utf-8", body: `{"Name":"ci"}`,
		token: Key{AccessKeyID: "STS.NSessionKey", SecurityToken: "CAIS-token"},
		stringToSign: "POST\napplication/json\nes2CPiL+GaM8wH8DwJ2JCg==\napplication/json; charset=utf-8\n" +
			"Mon, 02 Mar 2026 10:00:00 GMT\nx-acs-accesskey-id:STS.NSessionKey\nx-acs-action:DescribeClusterTriggers\n" +
			"x-acs-security-token:CAIS-token\nx-acs-signature-method:HMAC-SHA1\n" +
			"x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-signature-version:1.0\n" +
			"x-acs-version:2015-12-15\n/clusters/c-82e6b%2Fx/triggers?Empty&Name=a b+c&RegionId=cn-hangzhou&Tag=x=y",
		signature: "oejQEanuQpTz6x17pzDBz9tW/RI=",
	},
}

// TestSDKVectorROA: the string to sign built from the request as it
// travels (query encoded with '+' for a space, as the SDK sends it) and
// the signature are byte-for-byte the SDK's; SignROA writes the same
// Authorization header.
func TestSDKVectorROA(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, vec := range roaVectors {
		t.Run(vec.name, func(t *testing.T) {
			keyID := "LTAI5tVectorKey"
			if vec.token.AccessKeyID != "" {
				keyID = vec.token.AccessKeyID
			}
			k := Key{AccessKeyID: keyID, AccessKeySecret: vec.secret, SecurityToken: vec.token.SecurityToken}
			r := httptest.NewRequest(vec.method, "http://cs.cn-hangzhou.example.com/clusters/c-82e6b%2Fx/triggers?"+
				"RegionId=cn-hangzhou&Name=a+b%2Bc&Empty=&Tag=x%3Dy", nil)
			r.Header.Set("x-acs-action", "DescribeClusterTriggers")
			r.Header.Set("x-acs-version", "2015-12-15")
			r.Header.Set("User-Agent", "AlibabaCloud (linux; amd64) Go/go1.26 Core/1.0 TeaDSL/2")
			if vec.contentType != "" {
				r.Header.Set("Content-Type", vec.contentType)
			}
			require.NoError(t, SignROA(r, []byte(vec.body), k, at, "3156853299f313e23d1673dc12e1703d"))
			assert.Equal(t, vec.md5, r.Header.Get("Content-MD5"))

			acs, e := acsHeaders(r.Header, nil)
			require.Nil(t, e)
			query, ok := parseParams(r.URL.RawQuery, nil)
			require.True(t, ok)
			var fields [len(roaFields)]string
			for i, key := range roaFields {
				fields[i] = r.Header.Get(key)
			}
			sts := appendStringToSignROA(nil, r.Method, fields, acs, r.URL.EscapedPath(), query)
			assert.Equal(t, vec.stringToSign, string(sts))
			assert.Equal(t, "acs "+keyID+":"+vec.signature, r.Header.Get("Authorization"))
		})
	}
}

// roaRequest is a typical ROA call signed as the SDK signs it (plus
// Content-MD5 when there is a body).
func roaRequest(t testing.TB, k Key, at time.Time, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "http://cs.example.com/clusters/c1/triggers?RegionId=cn-hangzhou&Name=a+b&Tag=x%2By", nil)
	if body != "" {
		r.Method = "POST"
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	r.Header.Set("x-acs-action", "DescribeClusterTriggers")
	r.Header.Set("x-acs-version", "2015-12-15")
	r.Header.Set("User-Agent", "test")
	require.NoError(t, SignROA(r, []byte(body), k, at, nextNonce()))
	return r
}

func TestVerifyROA(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := roaRequest(t, aliceKey, t0.Add(-time.Minute), "")
	r.RemoteAddr = "203.0.113.9:5555"
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, alice, id.Principal)
	assert.Equal(t, ROA, id.Version)
	assert.Equal(t, "ROA", id.Version.String())
	assert.Equal(t, "DescribeClusterTriggers", id.Action)
	assert.Equal(t, "2015-12-15", id.APIVersion)
	assert.Equal(t, "a b", id.Param("Name"), "'+' in a query is a space, as the SDKs send it")
	assert.Equal(t, "x+y", id.Param("Tag"))
	assert.Empty(t, id.Body)
	assert.Equal(t, t0.Add(-time.Minute), id.Time)

	// A JSON body covered by Content-MD5, with STS credentials.
	r = roaRequest(t, stsKey, t0, `{"Name":"ci"}`)
	id, err = v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, oncall, id.Principal)
	assert.Equal(t, stsKey.SecurityToken, id.SecurityToken)
	assert.Equal(t, `{"Name":"ci"}`, string(id.Body))

	// A form body covered by Content-MD5 adds its parameters.
	r = httptest.NewRequest("POST", "http://cs.example.com/apps?RegionId=cn-hangzhou", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.NoError(t, SignROA(r, []byte("AppName=check+out"), aliceKey, t0, nextNonce()))
	id, err = v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, "check out", id.Param("AppName"))
}

// TestROARefusals: each way a ROA request can be wrong, with its code.
func TestROARefusals(t *testing.T) {
	wrong := aliceKey
	wrong.AccessKeySecret = "guessed"
	set := func(name, value string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set(name, value) }
	}
	cases := []struct {
		name     string
		req      func(t *testing.T) *http.Request
		change   func(*http.Request)
		sentinel error
		code     string
	}{
		{"wrong secret", func(t *testing.T) *http.Request { return roaRequest(t, wrong, t0, "") }, nil,
			ErrSignatureMismatch, "SignatureDoesNotMatch"},
		{"unknown key", func(t *testing.T) *http.Request {
			return roaRequest(t, Key{AccessKeyID: "LTAInobody", AccessKeySecret: "x"}, t0, "")
		}, nil, ErrKeyNotFound, "InvalidAccessKeyId.NotFound"},
		{"too old", func(t *testing.T) *http.Request { return roaRequest(t, aliceKey, t0.Add(-16*time.Minute), "") }, nil,
			ErrTimestampExpired, "InvalidTimeStamp.Expired"},
		{"Date not in http.TimeFormat", nil, set("Date", "2026-03-02T10:00:00Z"), ErrTimestampFormat, "InvalidTimeStamp.Format"},
		{"Date with a wrong weekday", nil, set("Date", "Tue, 02 Mar 2026 10:00:00 GMT"), ErrTimestampFormat, "InvalidTimeStamp.Format"},
		{"no Date", nil, func(r *http.Request) { r.Header.Del("Date") }, ErrTimestampFormat, "InvalidTimeStamp.Format"},
		{"no nonce", nil, func(r *http.Request) { r.Header.Del(HeaderNonce) }, ErrIncomplete, "IncompleteSignature"},
		{"signature method SHA-256", nil, set(HeaderSignatureMethod, "HMAC-SHA256"), ErrIncomplete, "IncompleteSignature"},
		{"signature version 2.0", nil, set(HeaderSignatureVersion, "2.0"), ErrIncomplete, "IncompleteSignature"},
		{"short signature", nil, func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")[:30])
		}, ErrSignatureMismatch, "SignatureDoesNotMatch"},
		{"no colon", nil, set("Authorization", "acs LTAI5tAliceKey000000000"), ErrIncomplete, "IncompleteSignature"},
		{"x-acs-accesskey-id of another key", nil, set(HeaderAccessKeyID, "LTAIother"), ErrIncomplete, "IncompleteSignature"},
		{"STS key without its token", func(t *testing.T) *http.Request {
			k := stsKey
			k.SecurityToken = ""
			return roaRequest(t, k, t0, "")
		}, nil, ErrTokenMalformed, "InvalidSecurityToken.Malformed"},
		{"token of another session", func(t *testing.T) *http.Request {
			k := stsKey
			k.SecurityToken = otherSTS.SecurityToken
			return roaRequest(t, k, t0, "")
		}, nil, ErrTokenMismatch, "InvalidSecurityToken.MismatchWithAccessKey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _, _ := newTestVerifier(t, Config{})
			var r *http.Request
			if c.req != nil {
				r = c.req(t)
			} else {
				r = roaRequest(t, aliceKey, t0, "")
			}
			if c.change != nil {
				c.change(r)
			}
			_, err := v.Verify(r)
			assertCode(t, err, c.sentinel, c.code)
		})
	}
}

// TestROASignedSetIsExecuted: the ROA signature leaves the host and the
// body outside (the body is covered only by Content-MD5) and signs the
// query unencoded; none of that may let a request run with values its
// signer did not send.
func TestROASignedSetIsExecuted(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	verify := func(r *http.Request) error { _, err := v.Verify(r); return err }

	t.Run("a body without Content-MD5", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, "")
		r.Body = io.NopCloser(strings.NewReader(`{"Name":"prod"}`))
		r.ContentLength = -1 // the early check sees no length: refused once read
		assert.ErrorIs(t, verify(r), ErrIncomplete)
		r = roaRequest(t, aliceKey, t0, "")
		r.Body = io.NopCloser(strings.NewReader(`{"Name":"prod"}`))
		r.ContentLength = 15
		assert.ErrorIs(t, verify(r), ErrIncomplete, "refused before the credentials are looked up")
	})
	t.Run("a body other than the signed Content-MD5's", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, `{"Name":"ci"}`)
		r.Body = io.NopCloser(strings.NewReader(`{"Name":"pr"}`))
		assert.ErrorIs(t, verify(r), ErrBodyHash)
	})
	t.Run("Content-MD5 changed", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, `{"Name":"ci"}`)
		r.Header.Set("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")
		assert.ErrorIs(t, verify(r), ErrSignatureMismatch)
	})
	t.Run("a value holding '&' could be two parameters", func(t *testing.T) {
		// {Name: "a&Tag=evil"} and {Name: "a", Tag: "evil"} share one string to sign.
		r := httptest.NewRequest("GET", "http://cs.example.com/x?Name=a", nil)
		r.URL.RawQuery = url.Values{"Name": {"a&Tag=evil"}}.Encode()
		assert.ErrorIs(t, SignROA(r, nil, aliceKey, t0, nextNonce()), ErrIncomplete)
		// Sign the split form, then send the joined one: refused either way.
		r = httptest.NewRequest("GET", "http://cs.example.com/x?Name=a&Tag=evil", nil)
		require.NoError(t, SignROA(r, nil, aliceKey, t0, nextNonce()))
		r.URL.RawQuery = "Name=a%26Tag%3Devil"
		assert.ErrorIs(t, verify(r), ErrIncomplete)
	})
	t.Run("a key holding '='", func(t *testing.T) {
		r := httptest.NewRequest("GET", "http://cs.example.com/x?Name=a", nil)
		require.NoError(t, SignROA(r, nil, aliceKey, t0, nextNonce()))
		r.URL.RawQuery = "Name%3Da" // the key "Name=a" with an empty value signs as "Name=a" too
		assert.ErrorIs(t, verify(r), ErrIncomplete)
	})
	t.Run("an unsigned x-acs-* header cannot exist: all are signed", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, "")
		r.Header.Set("x-acs-action", "DeleteCluster")
		assert.ErrorIs(t, verify(r), ErrSignatureMismatch)
		r = roaRequest(t, aliceKey, t0, "")
		r.Header.Set("x-acs-extra", "1")
		assert.ErrorIs(t, verify(r), ErrSignatureMismatch)
	})
	t.Run("a header under two spellings", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, "")
		r.Header["x-acs-action"] = []string{"DeleteCluster"}
		assert.ErrorIs(t, verify(r), ErrIncomplete)
		r = roaRequest(t, aliceKey, t0, "")
		r.Header["content-type"] = []string{"text/plain"}
		assert.ErrorIs(t, verify(r), ErrIncomplete)
	})
	t.Run("a repeated header", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, "")
		r.Header.Add("x-acs-version", "2099-01-01")
		assert.ErrorIs(t, verify(r), ErrIncomplete)
		r = roaRequest(t, aliceKey, t0, "")
		r.Header.Add("Accept", "text/xml")
		assert.ErrorIs(t, verify(r), ErrIncomplete)
	})
	t.Run("path, method, query and double encoding", func(t *testing.T) {
		for _, change := range []func(*http.Request){
			func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/clusters/c2/triggers", "" },
			func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/clusters/c1/triggers", "/clusters/c%31/triggers" },
			func(r *http.Request) { r.Method = "DELETE" },
			func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "cn-hangzhou", "cn-beijing", 1)
			},
			func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Tag=x%2By", "Tag=x%252By", 1) },
			func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Tag=x%2By", "Tag=x+y", 1) },
			func(r *http.Request) { r.URL.RawQuery += "&Extra=1" },
		} {
			r := roaRequest(t, aliceKey, t0, "")
			change(r)
			assert.ErrorIs(t, verify(r), ErrSignatureMismatch, r.Method+" "+r.URL.String())
		}
		// '+' and %20 are the same space.
		r := roaRequest(t, aliceKey, t0, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "Name=a+b", "Name=a%20b", 1)
		assert.NoError(t, verify(r))
	})
	t.Run("replay", func(t *testing.T) {
		r := roaRequest(t, aliceKey, t0, `{"Name":"ci"}`)
		body := `{"Name":"ci"}`
		require.NoError(t, verify(r))
		r.Body = io.NopCloser(bytes.NewReader([]byte(body)))
		assert.ErrorIs(t, verify(r), ErrNonceUsed)
	})
}

func FuzzVerifyROA(f *testing.F) {
	f.Add("RegionId=cn-hangzhou&Name=a+b&Tag=x%2By", []byte(nil), "", "", "", "/clusters/c1/triggers")
	f.Add("Name=a%26Tag%3Devil", []byte(`{"Name":"ci"}`), "Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==", "", "/")
	f.Add("", []byte("x"), "x-acs-action", "DeleteCluster", "acs LTAI5tAliceKey000000000:"+strings.Repeat("A", 28), "/a%2Fb")
	f.Add("a=1;b=2", []byte(nil), "Date", "Mon, 02 Mar 2026 10:00:00 GMT", "acs :", "//")
	f.Add("Empty&Empty=", []byte(nil), "X-Acs-Signature-Method", "HMAC-SHA256", "acs a:b:c", "/%zz")
	f.Fuzz(func(t *testing.T, query string, body []byte, hname, hval, auth, path string) {
		v, _, _ := newTestVerifier(t, Config{})
		r := roaRequest(t, aliceKey, t0, "")
		signedQuery, signedPath := r.URL.RawQuery, r.URL.EscapedPath()
		signedHeader := r.Header.Clone()
		if body != nil {
			r.ContentLength = -1
		}
		if !tamper(r, query, body, hname, hval, auth, path) {
			return
		}
		id, err := v.Verify(r)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			return
		}
		// Accepted: what runs is what was signed.
		signed, _ := url.ParseQuery(signedQuery)
		if got := id.Params(); len(got) != len(signed) {
			t.Fatalf("parameters %v, signed %v", got, signed)
		}
		for k := range signed {
			if id.Param(k) != signed.Get(k) {
				t.Fatalf("parameter %s = %q, signed %q", k, id.Param(k), signed.Get(k))
			}
		}
		if len(id.Body) != 0 {
			t.Fatalf("a body ran that no Content-MD5 signed: %q", id.Body)
		}
		if id.Action != signedHeader.Get("x-acs-action") || id.APIVersion != signedHeader.Get("x-acs-version") {
			t.Fatalf("action %q/%q, signed %q/%q", id.Action, id.APIVersion, signedHeader.Get("x-acs-action"), signedHeader.Get("x-acs-version"))
		}
		if p, _ := url.PathUnescape(signedPath); r.URL.Path != p {
			t.Fatalf("path %q, signed %q", r.URL.Path, p)
		}
	})
}
