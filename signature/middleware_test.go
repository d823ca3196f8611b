package signature

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMiddleware(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	var seen *http.Request
	var seenBody string
	h := v.Middleware("api.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
	}))

	t.Run("V1 passes the verified request on, without unsigned x-acs headers", func(t *testing.T) {
		r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}})
		r.Header.Set("x-acs-credentials-provider", "static_ak")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusOK, rec.Code)
		id, ok := FromContext(seen.Context())
		require.True(t, ok)
		assert.Equal(t, alice, id.Principal)
		assert.Equal(t, "AppName=checkout", seenBody, "the handler reads the verified body")
		assert.Empty(t, seen.Header.Get("x-acs-credentials-provider"))
		assert.Empty(t, seen.Header.Get("x-acs-action"))
		assert.Equal(t, "static_ak", r.Header.Get("x-acs-credentials-provider"), "the caller's request is not modified")
	})
	t.Run("V3 keeps its signed headers", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, v3Request(t, aliceKey, t0, "Page=1"))
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "ListTraceApps", seen.Header.Get("x-acs-action"))
		assert.Equal(t, "Page=1", seenBody)
	})
	// HTTP/2 delivers a "host" header beside :authority (Request.Host, the
	// signed one) in Request.Header; it reached the handler unsigned.
	t.Run("no unsigned Host header reaches the handler", func(t *testing.T) {
		r := v3Request(t, aliceKey, t0, "")
		r.Header["Host"] = []string{"other.example.com"}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Empty(t, seen.Header.Values("Host"))
		assert.Equal(t, r.Host, seen.Host)
	})
	t.Run("a refusal never reaches the handler and has RAM's shape", func(t *testing.T) {
		seen = nil
		bad := aliceKey
		bad.AccessKeySecret = "guessed"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, v3Request(t, bad, t0, ""))
		assert.Nil(t, seen)
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		var body map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, "SignatureDoesNotMatch", body["Code"])
		assert.Equal(t, "api.example.com", body["HostId"])
		assert.Len(t, body["RequestId"], 36)
		assert.Equal(t, "signature does not match", body["Message"])
	})
}
