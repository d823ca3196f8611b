package interop

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/examples/alibaba-clients/demo"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

// The ROA signature ("Authorization: acs <AccessKeyId>:<signature>"), which
// darabonba-openapi sends to ROA-style APIs with SignatureAlgorithm "v2".

// TestSignerMatchesSDKROA: for random ROA requests, signature.SignROA
// writes byte-for-byte the Authorization header the SDK's own signer
// (utils.GetStringToSign and utils.GetROASignature) computes for the same
// request, and the verifier accepts the SDK's signature. A query the
// library refuses as ambiguous (a value holding '&') is checked to be
// refused by the verifier too, even though the SDK signs it.
func TestSignerMatchesSDKROA(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 4))
	key := signature.Key{AccessKeyID: "LTAI5tInteropKey", AccessKeySecret: "interop-secret"}
	creds := &signature.MemoryCredentials{}
	creds.AddAccessKey(key.AccessKeyID, key.AccessKeySecret, principal.MustParse("acs:ram::1234567890123456:user/interop"))
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	v, err := signature.New(signature.Config{Credentials: creds, Clock: func() time.Time { return at }, MaxNonces: 1 << 14})
	require.NoError(t, err)
	ambiguous := 0
	for i := range 2000 {
		query := url.Values{}
		for range r.IntN(5) {
			query.Set(randKey(r), randValue(r))
		}
		if r.IntN(8) == 0 {
			query.Set(randKey(r), "") // signed as "key", without '='
		}
		method := []string{"GET", "POST", "PUT", "DELETE"}[r.IntN(4)]
		path := "/"
		if r.IntN(2) == 0 {
			path = "/clusters/" + dara.PercentEncode(randValue(r)) + "/triggers"
		}
		var body []byte
		if r.IntN(3) == 0 {
			body = []byte(`{"Name":"` + randKey(r) + `"}`)
		}
		action := randKey(r)
		nonce := "nonce-" + strconv.Itoa(i)

		// The library's signer on the request as it travels.
		hr := httptest.NewRequest(method, "http://api.example.com"+path+"?"+query.Encode(), nil)
		hr.Header.Set("x-acs-action", action)
		hr.Header.Set("x-acs-version", "2019-08-08")
		hr.Header.Set("user-agent", "not signed")
		if body != nil {
			hr.Header.Set("content-type", "application/json; charset=utf-8")
		}
		signErr := signature.SignROA(hr, body, key, at, nonce)

		// The SDK's signer over the same request, as DoROARequest builds it.
		sdkReq := dara.NewRequest()
		sdkReq.Method = tea.String(method)
		sdkReq.Pathname = tea.String(path)
		sdkReq.Query = map[string]*string{}
		for k := range query {
			sdkReq.Query[k] = tea.String(query.Get(k))
		}
		sdkReq.Headers = map[string]*string{
			"date": tea.String(at.Format(http.TimeFormat)), "host": tea.String("api.example.com"),
			"accept": tea.String("application/json"), "x-acs-signature-nonce": tea.String(nonce),
			"x-acs-signature-method": tea.String("HMAC-SHA1"), "x-acs-signature-version": tea.String("1.0"),
			"x-acs-version": tea.String("2019-08-08"), "x-acs-action": tea.String(action),
			"user-agent": tea.String("not signed"),
		}
		if body != nil {
			sum := md5.Sum(body)
			sdkReq.Headers["content-type"] = tea.String("application/json; charset=utf-8")
			sdkReq.Headers["content-md5"] = tea.String(base64.StdEncoding.EncodeToString(sum[:]))
		}
		sts := tea.StringValue(openapiutil.GetStringToSign(sdkReq))
		want := "acs " + key.AccessKeyID + ":" + tea.StringValue(openapiutil.GetROASignature(tea.String(sts), tea.String(key.AccessKeySecret)))

		if strings.Contains(fmt.Sprint(query), "&") {
			// The SDK signs it; the library refuses to sign or accept it.
			ambiguous++
			require.ErrorIs(t, signErr, signature.ErrIncomplete, "case %d", i)
			hr = httptest.NewRequest(method, "http://api.example.com"+path+"?"+query.Encode(), nil)
			for k, v := range sdkReq.Headers {
				if k != "host" {
					hr.Header.Set(k, *v)
				}
			}
			hr.Header.Set("Authorization", want)
			_, err := v.Verify(hr)
			require.ErrorIs(t, err, signature.ErrIncomplete, "case %d", i)
			continue
		}
		require.NoError(t, signErr, "case %d", i)
		require.Equal(t, want, hr.Header.Get("Authorization"), "case %d: %s %s?%s\n%q", i, method, path, query.Encode(), sts)

		hr.Header.Set("Authorization", want)
		id, err := v.Verify(hr)
		require.NoError(t, err, "case %d", i)
		assert.Equal(t, signature.ROA, id.Version)
		assert.Equal(t, action, id.Action)
		assert.Equal(t, string(body), string(id.Body))
		for k := range query {
			require.Equal(t, query.Get(k), id.Param(k))
		}
	}
	t.Logf("%d of 2000 random queries were ambiguous once unencoded and refused", ambiguous)
	assert.Positive(t, ambiguous)
}

// callROA runs one action of the example API as a ROA call: GET with the
// parameters in the query, signed with SignatureAlgorithm "v2".
func callROA(c *openapi.Client, action string, query map[string]string) (map[string]any, error) {
	params := &openapiutil.Params{Action: tea.String(action), Version: tea.String(demo.APIVersion),
		Protocol: tea.String("HTTP"), Pathname: tea.String("/traceapps"), Method: tea.String("GET"), AuthType: tea.String("AK"),
		Style: tea.String("ROA"), ReqBodyType: tea.String("json"), BodyType: tea.String("json")}
	q := map[string]*string{"RegionId": tea.String(demo.Region)}
	for k, v := range query {
		q[k] = tea.String(v)
	}
	return c.CallApi(params, &openapiutil.OpenApiRequest{Query: q}, &dara.RuntimeOptions{})
}

// TestCallApiROA: darabonba's CallApi, ROA style with SignatureAlgorithm
// "v2", against the example API: allowed calls succeed (a space and a '+'
// in signed values), a denied one is Forbidden.RAM with the access-denied
// detail, a wrong secret is SignatureDoesNotMatch, a replay is
// SignatureNonceUsed.
func TestCallApiROA(t *testing.T) {
	e := start(t)
	var captured *http.Request
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		captured = r.Clone(r.Context())
		send(t, e.api.URL, captured, body, w)
	}))
	defer proxy.Close()
	client := func(cfg *openapi.Config) *openapi.Client {
		cfg.Endpoint = tea.String(hostOf(proxy))
		cfg.Protocol = tea.String("HTTP")
		cfg.SignatureAlgorithm = tea.String("v2")
		c, err := openapi.NewClient(cfg)
		require.NoError(t, err)
		return c
	}
	oncall := client(akConfig(e.world.Oncall))
	res, err := callROA(oncall, "ListTraceApps", nil)
	require.NoError(t, err)
	assert.Equal(t, "200", fmt.Sprint(res["statusCode"]))
	assert.Contains(t, res["body"].(map[string]any)["Data"], "checkout")
	require.NotNil(t, captured)
	assert.True(t, strings.HasPrefix(captured.Header.Get("Authorization"), "acs "+e.world.Oncall.ID+":"),
		"the SDK sent a ROA signature: %q", captured.Header.Get("Authorization"))

	res, err = callROA(oncall, "GetTrace", map[string]string{"AppName": "check out", "TraceId": "t 42+1"})
	require.NoError(t, err, "a space and a '+' in signed values")
	assert.Equal(t, map[string]any{"AppName": "check out", "TraceId": "t 42+1"}, res["body"].(map[string]any)["Data"])

	// Replayed as captured.
	rec := httptest.NewRecorder()
	send(t, e.api.URL, captured, nil, rec)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"Code":"SignatureNonceUsed"`)

	// Denied: the read-only engineer deletes an app.
	_, err = callROA(oncall, "DeleteTraceApp", map[string]string{"AppName": "staging-shop"})
	se := sdkError(t, err)
	assert.Equal(t, "Forbidden.RAM", tea.StringValue(se.Code))
	assert.Equal(t, 403, tea.IntValue(se.StatusCode))
	require.NotNil(t, se.AccessDeniedDetail)
	assert.Equal(t, "arms:DeleteTraceApp", se.AccessDeniedDetail["AuthAction"])
	assert.Equal(t, "ImplicitDeny", se.AccessDeniedDetail["NoPermissionType"])

	// A JSON body: the SDK sends no Content-MD5, so the ROA signature does
	// not cover it and the call is refused, not run with an unsigned body.
	params := &openapiutil.Params{Action: tea.String("GetTrace"), Version: tea.String(demo.APIVersion),
		Protocol: tea.String("HTTP"), Pathname: tea.String("/traces"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("ROA"), ReqBodyType: tea.String("json"), BodyType: tea.String("json")}
	_, err = oncall.CallApi(params, &openapiutil.OpenApiRequest{Query: map[string]*string{"RegionId": tea.String(demo.Region)},
		Body: map[string]any{"AppName": "checkout"}}, &dara.RuntimeOptions{})
	se = sdkError(t, err)
	assert.Equal(t, "IncompleteSignature", tea.StringValue(se.Code))
	assert.Contains(t, tea.StringValue(se.Message), "Content-MD5")
	assert.Empty(t, captured.Header.Get("Content-MD5"), "darabonba sent no Content-MD5")

	// A wrong secret.
	cfg := akConfig(e.world.Oncall)
	cfg.AccessKeySecret = tea.String("guessed")
	_, err = callROA(client(cfg), "ListTraceApps", nil)
	assert.Equal(t, "SignatureDoesNotMatch", tea.StringValue(sdkError(t, err).Code))
}
