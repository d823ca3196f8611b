package demo

import (
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

var injectNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// call signs an RPC call as k (V1, every parameter in the query) and
// returns the status and body.
func callAPI(t *testing.T, w *World, k directory.NewAccessKey, nonce string, params url.Values) (int, string) {
	t.Helper()
	all := url.Values{"Action": {"DeleteTraceApp"}, "Version": {APIVersion}}
	for key, v := range params {
		all[key] = v
	}
	q, err := signature.SignV1("POST", all, signature.Key{AccessKeyID: k.ID, AccessKeySecret: k.Secret.Reveal()}, injectNow, nonce)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	w.API().ServeHTTP(rec, httptest.NewRequest("POST", "http://arms.example.com/?"+q.Encode(), nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// TestResourceARNInjection: the API built the resource ARN by pasting the
// caller's RegionId and AppName into it. B's ARMS administrator (allowed
// arms:* in B's own account only, D24) sent RegionId
// "cn-hangzhou:6543210987654321:x", which moved B's account into the ARN's
// account field: the directory saw a resource of B and allowed, and the API
// deleted A's prod-shop. RegionId and AppName are now checked against the
// grammar of their fields.
func TestResourceARNInjection(t *testing.T) {
	w, err := NewWorld(func() time.Time { return injectNow })
	require.NoError(t, err)
	_, err = w.Dir.AttachPolicy(principal.MustParse("acs:ram::"+AccountB+":user/dave"),
		directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSFullAccess"})
	require.NoError(t, err)
	code, body := callAPI(t, w, w.Dave, "n0", url.Values{"AppName": {"prod-shop"}})
	assert.Equal(t, 403, code, "B's user on A's app: %s", body)
	for i, p := range []url.Values{
		{"AppName": {"prod-shop"}, "RegionId": {"cn-hangzhou:" + AccountB + ":x"}},
		{"AppName": {"prod-shop"}, "RegionId": {"*"}},
		{"AppName": {"x:" + AccountB + ":y/prod-shop"}},
		{"AppName": {"prod-*"}},
		{"AppName": {"prod-shop/../x"}},
	} {
		code, body := callAPI(t, w, w.Dave, "n"+strings.Repeat("i", i+1), p)
		assert.Equal(t, 400, code, "%v: %s", p, body)
		assert.Contains(t, body, `"Code":"InvalidParameter"`, "%v", p)
	}
}
