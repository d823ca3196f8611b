package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

// TestRun ties each row to RAM: read-only access lists and reads, an
// implicit deny for its delete; the operator's delete is allowed except on
// production, where ProtectProduction denies explicitly; an unsigned or
// wrongly signed request is refused before any policy is evaluated.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	var got [][]string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 5, l)
		got = append(got, []string{f[0], f[1], f[2], f[3], strings.Join(f[4:], " ")})
	}
	assert.Equal(t, [][]string{
		{"oncall", "GET", "/apps", "200", "checkout prod-shop staging-shop"},
		{"oncall", "GET", "/apps/checkout/traces/t-42", "200", "trace t-42 of checkout"},
		{"oncall", "DELETE", "/apps/staging-shop", "403", "NoPermission ImplicitDeny SubUser:oncall"},
		{"operator", "DELETE", "/apps/staging-shop", "200", "deleted staging-shop"},
		{"operator", "DELETE", "/apps/prod-shop", "403", "NoPermission ExplicitDeny SubUser:operator"},
		{"stranger", "GET", "/apps", "400", "IncompleteSignature"},
		{"thief", "GET", "/apps", "400", "SignatureDoesNotMatch"},
	}, got)
}

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testService builds the demo account and returns the service and the
// on-call engineer's key.
func testService(t *testing.T) (*service, directory.NewAccessKey) {
	t.Helper()
	clock := func() time.Time { return now }
	dir := directory.MustNew(directory.Options{Clock: clock})
	reader, _, err := setup(dir)
	require.NoError(t, err)
	s, err := newService(dir, clock)
	require.NoError(t, err)
	return s, reader
}

func serve(s *service, req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, req)
	return rec.Code, outcome(rec.Code, rec.Body.Bytes())
}

// why serves req and returns, for a refusal, what the administrator reads
// in its encoded diagnostic message: the statements that applied.
func why(t *testing.T, s *service, req *http.Request) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, req)
	var e apierror.Response
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
	require.NotNil(t, e.AccessDeniedDetail, rec.Body.String())
	text, err := s.dir.DecodeDiagnosticMessage(account, e.AccessDeniedDetail.EncodedDiagnosticMessage)
	require.NoError(t, err)
	var d apierror.Diagnostic
	require.NoError(t, json.Unmarshal([]byte(text), &d))
	return d.Decision + ": " + strings.Join(d.Statements, "; ")
}

var nonce int

func signedReq(t *testing.T, method, path string, k directory.NewAccessKey) *http.Request {
	t.Helper()
	nonce++
	req, err := signed(method, "http://apps.example.com"+path, k, now, "n"+time.Duration(nonce).String())
	require.NoError(t, err)
	return req
}

func TestMiddleware(t *testing.T) {
	t.Run("inactive-key", func(t *testing.T) {
		s, key := testService(t)
		_, err := s.dir.UpdateAccessKey(key.ID, directory.KeyInactive)
		require.NoError(t, err)
		code, body := serve(s, signedReq(t, "GET", "/apps", key))
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "InvalidAccessKeyId.Inactive", body)
	})
	t.Run("replay", func(t *testing.T) {
		s, key := testService(t)
		req := signedReq(t, "GET", "/apps", key)
		again := req.Clone(req.Context())
		code, _ := serve(s, req)
		require.Equal(t, http.StatusOK, code)
		code, body := serve(s, again)
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "SignatureNonceUsed", body)
	})
	t.Run("path is signed", func(t *testing.T) {
		s, key := testService(t)
		req := signedReq(t, "GET", "/apps/checkout/traces/t-1", key)
		req.URL.Path = "/apps/prod-shop/traces/t-1"
		code, body := serve(s, req)
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "SignatureDoesNotMatch", body)
	})
	// A V1 signature covers neither path nor host: a V1-signed request
	// must not pick a route (it ran DELETE /apps/staging-shop before).
	t.Run("V1 cannot choose the route", func(t *testing.T) {
		s, key := testService(t)
		q, err := signature.SignV1("DELETE", url.Values{"Action": {"ListTraceApps"}},
			signature.Key{AccessKeyID: key.ID, AccessKeySecret: key.Secret.Reveal()}, now, "v1-route")
		require.NoError(t, err)
		code, body := serve(s, httptest.NewRequest("DELETE", "http://apps.example.com/apps/staging-shop?"+q.Encode(), nil))
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "IncompleteSignature", body)
	})
	t.Run("unknown-route", func(t *testing.T) {
		s, _ := testService(t)
		code, _ := serve(s, httptest.NewRequest("PUT", "/apps/x", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, code)
	})
	// The middleware fills acs:SecureTransport and acs:SourceIp from the
	// verified request, so policies can require HTTPS and an office network.
	t.Run("context-keys-reach-policies", func(t *testing.T) {
		s, key := testService(t)
		_, err := s.dir.CreatePolicy(account, directory.PolicySpec{Name: "OfficeHTTPS", Document: `{"Version": "1", "Statement": [
		  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "false"}}},
		  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}`})
		require.NoError(t, err)
		_, err = s.dir.AttachPolicy(principal.MustParse("acs:ram::"+account+":user/oncall"),
			directory.PolicyRef{Type: directory.PolicyCustom, Name: "OfficeHTTPS"})
		require.NoError(t, err)
		req := func(remote string, https bool) *http.Request {
			req := signedReq(t, "GET", "/apps/checkout/traces/t-1", key)
			req.RemoteAddr = remote
			if https {
				req.TLS = &tls.ConnectionState{}
			}
			return req
		}
		get := func(remote string, https bool) (int, string) { return serve(s, req(remote, https)) }
		code, body := get("10.1.2.3:5555", true)
		assert.Equal(t, http.StatusOK, code, body)
		code, body = get("10.1.2.3:5555", false)
		assert.Equal(t, http.StatusForbidden, code)
		assert.Equal(t, "NoPermission ExplicitDeny SubUser:oncall", body)
		assert.Equal(t, "ExplicitDeny: Deny policy OfficeHTTPS Statement[0]; Allow policy AliyunARMSReadOnlyAccess Statement[0]",
			why(t, s, req("10.1.2.3:5555", false)))
		code, body = get("203.0.113.9:5555", true)
		assert.Equal(t, http.StatusForbidden, code)
		assert.Equal(t, "NoPermission ExplicitDeny SubUser:oncall", body)
		assert.Equal(t, "ExplicitDeny: Deny policy OfficeHTTPS Statement[1]; Allow policy AliyunARMSReadOnlyAccess Statement[0]",
			why(t, s, req("203.0.113.9:5555", true)))
		code, _ = get("[::ffff:10.1.2.3]:5555", true)
		assert.Equal(t, http.StatusOK, code, "IPv4-mapped remote addresses are unmapped")
	})
}
