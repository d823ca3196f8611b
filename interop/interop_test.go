package interop

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/examples/alibaba-clients/demo"
)

// env is the running example service: the API over http, the STS endpoint
// over TLS with a certificate the default transport trusts.
type env struct {
	world *demo.World
	api   *httptest.Server
	sts   *httptest.Server
}

func start(t *testing.T) *env {
	t.Helper()
	w, err := demo.NewWorld(time.Now)
	require.NoError(t, err)
	e := &env{world: w, api: httptest.NewServer(w.API()), sts: httptest.NewTLSServer(w.STS())}
	t.Cleanup(e.api.Close)
	t.Cleanup(e.sts.Close)
	// credentials-go clones http.DefaultTransport for every STS call:
	// trusting the test server's certificate there is how a deployment
	// would install its own CA.
	pool := x509.NewCertPool()
	pool.AddCert(e.sts.Certificate())
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.TLSClientConfig
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(func() { tr.TLSClientConfig = old })
	return e
}

func hostOf(s *httptest.Server) string {
	return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
}

// client is a darabonba client for the API; v1 selects signature V1
// (SignatureAlgorithm "v2" in the SDK's terms).
func (e *env) client(t *testing.T, cfg *openapi.Config, v1 bool) *openapi.Client {
	t.Helper()
	cfg.Endpoint = tea.String(hostOf(e.api))
	cfg.Protocol = tea.String("HTTP")
	if v1 {
		cfg.SignatureAlgorithm = tea.String("v2")
	}
	c, err := openapi.NewClient(cfg)
	require.NoError(t, err)
	return c
}

func akConfig(k directory.NewAccessKey) *openapi.Config {
	return &openapi.Config{AccessKeyId: tea.String(k.ID), AccessKeySecret: tea.String(k.Secret.Reveal())}
}

// call runs one RPC action of the example API.
func call(c *openapi.Client, action string, query map[string]string) (map[string]any, error) {
	params := &openapiutil.Params{Action: tea.String(action), Version: tea.String(demo.APIVersion),
		Protocol: tea.String("HTTP"), Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	q := map[string]*string{"RegionId": tea.String(demo.Region)}
	body := map[string]any{}
	for k, v := range query {
		body[k] = v // operation parameters travel in the form body, which V1 signs too
	}
	req := &openapiutil.OpenApiRequest{Query: q, Body: body}
	return c.CallApi(params, req, &dara.RuntimeOptions{})
}

func sdkError(t *testing.T, err error) *tea.SDKError {
	t.Helper()
	require.Error(t, err)
	var se *tea.SDKError
	require.True(t, errors.As(err, &se), "%T %v", err, err)
	return se
}

func TestCallApi(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		name := map[bool]string{false: "V3", true: "V1"}[v1]
		t.Run(name, func(t *testing.T) {
			e := start(t)
			oncall := e.client(t, akConfig(e.world.Oncall), v1)
			res, err := call(oncall, "ListTraceApps", nil)
			require.NoError(t, err)
			assert.Equal(t, "200", fmt.Sprint(res["statusCode"]))
			assert.Contains(t, res["body"].(map[string]any)["Data"], "checkout")

			res, err = call(oncall, "GetTrace", map[string]string{"AppName": "check out", "TraceId": "t 42+1"})
			require.NoError(t, err, "a space and a '+' in signed values")
			assert.Equal(t, map[string]any{"AppName": "check out", "TraceId": "t 42+1"}, res["body"].(map[string]any)["Data"])

			// Denied: the read-only engineer deletes an app.
			_, err = call(oncall, "DeleteTraceApp", map[string]string{"AppName": "staging-shop"})
			se := sdkError(t, err)
			assert.Equal(t, "Forbidden.RAM", tea.StringValue(se.Code))
			assert.Equal(t, 403, tea.IntValue(se.StatusCode))
			det := se.AccessDeniedDetail
			require.NotNil(t, det)
			assert.Equal(t, "arms:DeleteTraceApp", det["AuthAction"])
			assert.Equal(t, "SubUser", det["AuthPrincipalType"])
			assert.Equal(t, demo.AccountA, det["AuthPrincipalOwnerId"])
			assert.Equal(t, "oncall", det["AuthPrincipalDisplayName"])
			assert.Equal(t, "ImplicitDeny", det["NoPermissionType"])
			// Only the account's administrator can read why.
			enc, _ := det["EncodedDiagnosticMessage"].(string)
			diag, err := apierror.Open(e.world.DiagnosticKeys[demo.AccountA], demo.AccountA, enc)
			require.NoError(t, err)
			assert.Equal(t, "arms:DeleteTraceApp", diag.Action)
			assert.Equal(t, "ImplicitDeny", diag.Decision)
			_, err = apierror.Open(e.world.DiagnosticKeys[demo.AccountB], demo.AccountA, enc)
			assert.ErrorIs(t, err, apierror.ErrDiagnostic)

			// Explicit deny: the operator deletes a production app.
			operator := e.client(t, akConfig(e.world.Operator), v1)
			_, err = call(operator, "DeleteTraceApp", map[string]string{"AppName": "staging-shop"})
			require.NoError(t, err)
			_, err = call(operator, "DeleteTraceApp", map[string]string{"AppName": "prod-shop"})
			se = sdkError(t, err)
			assert.Equal(t, "ExplicitDeny", se.AccessDeniedDetail["NoPermissionType"])

			// A wrong secret.
			cfg := akConfig(e.world.Oncall)
			cfg.AccessKeySecret = tea.String("guessed")
			_, err = call(e.client(t, cfg, v1), "ListTraceApps", nil)
			se = sdkError(t, err)
			assert.Equal(t, "SignatureDoesNotMatch", tea.StringValue(se.Code))

			// An unknown key, then a deactivated one.
			cfg = akConfig(e.world.Oncall)
			cfg.AccessKeyId = tea.String("LTAInobody")
			_, err = call(e.client(t, cfg, v1), "ListTraceApps", nil)
			assert.Equal(t, "InvalidAccessKeyId.NotFound", tea.StringValue(sdkError(t, err).Code))
			_, err = e.world.Dir.UpdateAccessKey(e.world.Oncall.ID, directory.KeyInactive)
			require.NoError(t, err)
			_, err = call(oncall, "ListTraceApps", nil)
			assert.Equal(t, "InvalidAccessKeyId.Inactive", tea.StringValue(sdkError(t, err).Code))
		})
	}
}

// TestReplayRefused captures a request the SDK signed and sends it again.
func TestReplayRefused(t *testing.T) {
	e := start(t)
	var captured *http.Request
	var body []byte
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = ioCopy(b, r)
		body = []byte(b.String())
		captured = r.Clone(r.Context())
		send(t, e.api.URL, captured, body, w)
	}))
	defer proxy.Close()
	cfg := akConfig(e.world.Oncall)
	cfg.Endpoint = tea.String(hostOf(proxy))
	cfg.Protocol = tea.String("HTTP")
	c, err := openapi.NewClient(cfg)
	require.NoError(t, err)
	_, err = call(c, "ListTraceApps", nil)
	require.NoError(t, err)

	rec := httptest.NewRecorder()
	send(t, e.api.URL, captured, body, rec)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"Code":"SignatureNonceUsed"`)
}
