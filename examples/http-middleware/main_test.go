package main

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	var got [][]string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 5, l)
		got = append(got, []string{f[0], f[1], f[2], f[3], strings.Join(f[4:], " ")})
	}
	const app = "acs:arms:cn-hangzhou:1234567890123456:armsapp/"
	assert.Equal(t, [][]string{
		{"oncall", "GET", "/apps", "200", "checkout prod-shop staging-shop"},
		{"oncall", "GET", "/apps/checkout/traces/t-42", "200", "trace t-42 of checkout"},
		{"oncall", "DELETE", "/apps/staging-shop", "403", "forbidden: arms:DeleteTraceApp on " + app + "staging-shop: no policy allows it"},
		{"operator", "DELETE", "/apps/staging-shop", "200", "deleted staging-shop"},
		{"operator", "DELETE", "/apps/prod-shop", "403", "forbidden: arms:DeleteTraceApp on " + app + "prod-shop: denied by policy ProtectProduction Statement[0]"},
		{"stranger", "GET", "/apps", "401", "unauthorized: no ACS credentials"},
		{"thief", "GET", "/apps", "401", "unauthorized: unknown access key or wrong secret"},
	}, got)
}

// newService builds the demo account and returns the service and the
// on-call engineer's key.
func newService(t *testing.T) (*service, directory.NewAccessKey) {
	t.Helper()
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	dir, err := directory.New(directory.Options{Clock: clock})
	require.NoError(t, err)
	reader, _, err := setup(dir)
	require.NoError(t, err)
	return &service{dir: dir, now: clock}, reader
}

func serve(s *service, req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

func TestMiddleware(t *testing.T) {
	t.Run("malformed-credentials", func(t *testing.T) {
		s, _ := newService(t)
		req := httptest.NewRequest("GET", "/apps", nil)
		req.Header.Set("Authorization", "ACS only-a-key-id")
		code, body := serve(s, req)
		assert.Equal(t, http.StatusUnauthorized, code)
		assert.Equal(t, "unauthorized: credentials must be AccessKeyId:AccessKeySecret", body)
	})
	t.Run("inactive-key", func(t *testing.T) {
		s, key := newService(t)
		_, err := s.dir.UpdateAccessKey(key.ID, directory.KeyInactive)
		require.NoError(t, err)
		req := httptest.NewRequest("GET", "/apps", nil)
		req.Header.Set("Authorization", "ACS "+key.ID+":"+key.Secret.Reveal())
		code, body := serve(s, req)
		assert.Equal(t, http.StatusUnauthorized, code)
		assert.Equal(t, "unauthorized: access key is inactive", body)
	})
	t.Run("unknown-route", func(t *testing.T) {
		s, _ := newService(t)
		code, _ := serve(s, httptest.NewRequest("PUT", "/apps/x", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, code)
	})
	// The middleware fills acs:SecureTransport and acs:SourceIp, so
	// policies can require HTTPS and an office network.
	t.Run("context-keys-reach-policies", func(t *testing.T) {
		s, key := newService(t)
		_, err := s.dir.CreatePolicy(account, directory.PolicySpec{Name: "OfficeHTTPS", Document: `{"Version": "1", "Statement": [
		  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"acs:SecureTransport": "false"}}},
		  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}`})
		require.NoError(t, err)
		_, err = s.dir.AttachPolicy(principal.MustParse("acs:ram::"+account+":user/oncall"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "OfficeHTTPS"})
		require.NoError(t, err)
		get := func(remote string, https bool) (int, string) {
			req := httptest.NewRequest("GET", "/apps/checkout/traces/t-1", nil)
			req.RemoteAddr = remote
			if https {
				req.TLS = &tls.ConnectionState{}
			} else {
				req.TLS = nil
			}
			req.Header.Set("Authorization", "ACS "+key.ID+":"+key.Secret.Reveal())
			return serve(s, req)
		}
		code, body := get("10.1.2.3:5555", true)
		assert.Equal(t, http.StatusOK, code, body)
		code, body = get("10.1.2.3:5555", false)
		assert.Equal(t, http.StatusForbidden, code)
		assert.Equal(t, "forbidden: arms:GetTrace on acs:arms:cn-hangzhou:1234567890123456:armsapp/checkout: denied by policy OfficeHTTPS Statement[0]", body)
		code, body = get("203.0.113.9:5555", true)
		assert.Equal(t, http.StatusForbidden, code)
		assert.Equal(t, "forbidden: arms:GetTrace on acs:arms:cn-hangzhou:1234567890123456:armsapp/checkout: denied by policy OfficeHTTPS Statement[1]", body)
		code, _ = get("[::ffff:10.1.2.3]:5555", true)
		assert.Equal(t, http.StatusOK, code, "IPv4-mapped remote addresses are unmapped")
	})
}
