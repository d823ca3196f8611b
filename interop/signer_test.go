package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

// Differential tests against the SDK's own signers (darabonba-openapi's
// utils.GetAuthorization for V3 and utils.GetRPCSignature for V1): for
// thousands of random requests, the library's signer produces byte-for-byte
// the SDK's Authorization header and Signature, and its verifier accepts
// what the SDK signed.

// valueRunes are the characters random values are drawn from: everything
// the encodings treat specially (space, '+', '*', '~', '%', '/', '&', '=',
// ':'), plus non-ASCII.
var valueRunes = []rune("aZ09 +*~%/&=:;,.-_!'()@$é中\u00a0")

func randValue(r *rand.Rand) string {
	n := r.IntN(12)
	b := make([]rune, n)
	for i := range b {
		b[i] = valueRunes[r.IntN(len(valueRunes))]
	}
	return string(b)
}

// randKey is a parameter name as APIs use them: letters, digits, '.', '_'.
func randKey(r *rand.Rand) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
	n := 1 + r.IntN(10)
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
	}
	return "K" + string(b)
}

func TestSignerMatchesSDKV3(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	key := signature.Key{AccessKeyID: "LTAI5tInteropKey", AccessKeySecret: "interop-secret"}
	creds := &signature.MemoryCredentials{}
	creds.AddAccessKey(key.AccessKeyID, key.AccessKeySecret, principal.MustParse("acs:ram::1234567890123456:user/interop"))
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	v, err := signature.New(signature.Config{Credentials: creds, Clock: func() time.Time { return at }, MaxNonces: 1 << 14})
	require.NoError(t, err)
	for i := range 2000 {
		query := url.Values{}
		for range r.IntN(5) {
			query.Set(randKey(r), randValue(r))
		}
		body := []byte(randValue(r))
		method := []string{"GET", "POST", "PUT", "DELETE"}[r.IntN(4)]
		path := "/"
		if r.IntN(2) == 0 {
			// A path parameter, encoded as the SDKs encode them.
			path = "/clusters/" + dara.PercentEncode(randValue(r)) + "/triggers"
		}
		action := randValue(r)
		nonce := "nonce-" + strconv.Itoa(i)
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])

		// The SDK's signer.
		sdkReq := dara.NewRequest()
		sdkReq.Method = tea.String(method)
		sdkReq.Pathname = tea.String(path)
		sdkReq.Query = map[string]*string{}
		for k := range query {
			sdkReq.Query[k] = tea.String(query.Get(k))
		}
		sdkReq.Headers = map[string]*string{
			"host": tea.String("api.example.com"), "x-acs-action": tea.String(action), "x-acs-version": tea.String("2019-08-08"),
			"x-acs-date": tea.String(at.Format(signature.TimeFormat)), "x-acs-signature-nonce": tea.String(nonce),
			"x-acs-content-sha256": tea.String(hash), "content-type": tea.String("application/octet-stream"),
			"user-agent": tea.String("not signed"),
		}
		want := tea.StringValue(openapiutil.GetAuthorization(sdkReq, tea.String("ACS3-HMAC-SHA256"), tea.String(hash),
			tea.String(key.AccessKeyID), tea.String(key.AccessKeySecret)))

		// The library's signer on the request as it travels ('+' for a
		// space in the query, as the SDK sends it).
		hr := httptest.NewRequest(method, "http://api.example.com"+path+"?"+query.Encode(), nil)
		hr.Header.Set("x-acs-action", action)
		hr.Header.Set("x-acs-version", "2019-08-08")
		hr.Header.Set("content-type", "application/octet-stream")
		hr.Header.Set("user-agent", "not signed")
		require.NoError(t, signature.SignV3(hr, body, key, at, nonce))
		require.Equal(t, want, hr.Header.Get("Authorization"), "case %d: %s %s?%s", i, method, path, query.Encode())

		// The verifier accepts the SDK-signed request.
		hr.Header.Set("Authorization", want)
		id, err := v.Verify(hr)
		require.NoError(t, err, "case %d", i)
		for k := range query {
			require.Equal(t, query.Get(k), id.Param(k))
		}
	}
}

func TestSignerMatchesSDKV1(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	key := signature.Key{AccessKeyID: "LTAI5tInteropKey", AccessKeySecret: "interop-secret"}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := range 2000 {
		params := url.Values{"Action": {randValue(r)}, "Version": {"2015-04-01"}}
		for range r.IntN(6) {
			params.Set(randKey(r), randValue(r))
		}
		method := []string{"GET", "POST"}[r.IntN(2)]
		signed, err := signature.SignV1(method, params, key, at, "nonce-"+strconv.Itoa(i))
		require.NoError(t, err)
		sdkParams := map[string]*string{}
		for k := range signed {
			if k != "Signature" {
				sdkParams[k] = tea.String(signed.Get(k))
			}
		}
		want := tea.StringValue(openapiutil.GetRPCSignature(sdkParams, tea.String(method), tea.String(key.AccessKeySecret)))
		require.Equal(t, want, signed.Get("Signature"), "case %d: %v", i, params)
	}
}
