// Command alibaba-clients runs an ARMS-like API and an STS endpoint (TLS,
// with a test certificate the client trusts) on loopback, both verifying
// Alibaba Cloud request signatures, and plays the two seed scenarios against
// them with signed requests — no secret ever travels:
//
//   - Enterprise A's employees call with their own AccessKeys (signature
//     V3 and V1); a refusal comes back as RAM's 403 with AccessDeniedDetail,
//     whose encoded diagnostic only A's administrator can read;
//   - B's employee assumes A's role through the STS endpoint and calls A's
//     API with the session's credentials;
//
// and each revocation (RevokeSessions, a deactivated key) is visible as the
// error code an SDK would raise on the next call. The interop module runs
// the same service (package demo) against the official SDKs.
//
//	go run ./examples/alibaba-clients
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/examples/alibaba-clients/demo"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
	"github.com/ramauthz/ramauthz/sts"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "alibaba-clients:", err)
		os.Exit(1)
	}
}

// client signs calls the way the SDKs do.
type client struct {
	http  *http.Client
	now   func() time.Time
	nonce int
}

// result is what a call returned: the HTTP status and the body's fields.
type result struct {
	Status int
	Body   map[string]any
}

func (c *client) nextNonce() string {
	c.nonce++
	return "example-nonce-" + strconv.Itoa(c.nonce)
}

// callV3 calls an API action signed with V3, operation parameters in a
// form body.
func (c *client) callV3(base string, k signature.Key, action string, params url.Values) (result, error) {
	r, err := http.NewRequest("POST", base+"/?RegionId="+demo.Region, nil)
	if err != nil {
		return result{}, err
	}
	r.Header.Set("x-acs-action", action)
	r.Header.Set("x-acs-version", demo.APIVersion)
	r.Header.Set("content-type", "application/x-www-form-urlencoded")
	if err := signature.SignV3(r, []byte(params.Encode()), k, c.now(), c.nextNonce()); err != nil {
		return result{}, err
	}
	return c.do(r)
}

// callV1 calls an RPC action signed with V1: common parameters in the
// query, operation parameters in a form body, both signed.
func (c *client) callV1(base string, k signature.Key, action, version string, params url.Values) (result, error) {
	all := url.Values{"Action": {action}, "Version": {version}, "Format": {"JSON"}}
	for key, v := range params {
		all[key] = v
	}
	signed, err := signature.SignV1("POST", all, k, c.now(), c.nextNonce())
	if err != nil {
		return result{}, err
	}
	for key := range params {
		signed.Del(key)
	}
	r, err := http.NewRequest("POST", base+"/?"+signed.Encode(), strings.NewReader(params.Encode()))
	if err != nil {
		return result{}, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(r)
}

func (c *client) do(r *http.Request) (result, error) {
	resp, err := c.http.Do(r)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	res := result{Status: resp.StatusCode}
	if err := json.Unmarshal(b, &res.Body); err != nil {
		return result{}, fmt.Errorf("%d %s: %w", resp.StatusCode, b, err)
	}
	return res, nil
}

// summary is a call's outcome in one line: the status and the code or data.
func summary(r result) string {
	if r.Status == http.StatusOK {
		return fmt.Sprintf("%d %v", r.Status, r.Body["Data"])
	}
	s := fmt.Sprintf("%d %v", r.Status, r.Body["Code"])
	if d, ok := r.Body["AccessDeniedDetail"].(map[string]any); ok {
		s += fmt.Sprintf(" %v %v:%v %v", d["AuthAction"], d["AuthPrincipalType"], d["AuthPrincipalDisplayName"], d["NoPermissionType"])
	}
	return s
}

func run(w io.Writer) error {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	world, err := demo.NewWorld(clock)
	if err != nil {
		return err
	}
	api := httptest.NewServer(world.API())
	defer api.Close()
	stsSrv := httptest.NewTLSServer(world.STS())
	defer stsSrv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(stsSrv.Certificate())
	c := &client{now: clock, http: &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}}
	key := func(k directory.NewAccessKey) signature.Key {
		return signature.Key{AccessKeyID: k.ID, AccessKeySecret: k.Secret.Reveal()}
	}
	oncall, operator, dave := key(world.Oncall), key(world.Operator), key(world.Dave)
	app := func(name string) url.Values { return url.Values{"AppName": {name}} }
	line := func(who, what string, r result, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-22s %-32s %s\n", who, what, summary(r))
		return nil
	}

	fmt.Fprintln(w, "# Enterprise A's employees, each with an AccessKey of their own")
	r, err := c.callV3(api.URL, oncall, "ListTraceApps", nil)
	if err := line("A/oncall (V3)", "ListTraceApps", r, err); err != nil {
		return err
	}
	r, err = c.callV3(api.URL, oncall, "DeleteTraceApp", app("staging-shop"))
	if err := line("A/oncall (V3)", "DeleteTraceApp staging-shop", r, err); err != nil {
		return err
	}
	r, err = c.callV1(api.URL, operator, "DeleteTraceApp", demo.APIVersion, app("staging-shop"))
	if err := line("A/operator (V1)", "DeleteTraceApp staging-shop", r, err); err != nil {
		return err
	}
	r, err = c.callV1(api.URL, operator, "DeleteTraceApp", demo.APIVersion, app("prod-shop"))
	if err := line("A/operator (V1)", "DeleteTraceApp prod-shop", r, err); err != nil {
		return err
	}
	// A's administrator decodes the diagnostic of that refusal.
	enc, _ := r.Body["AccessDeniedDetail"].(map[string]any)["EncodedDiagnosticMessage"].(string)
	diag, err := apierror.Open(world.DiagnosticKeys[demo.AccountA], demo.AccountA, enc)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-22s %-32s %s by %s\n", "A's administrator", "decodes the diagnostic", diag.Decision, strings.Join(diag.Statements, "; "))
	bad := oncall
	bad.AccessKeySecret = "guessed"
	r, err = c.callV3(api.URL, bad, "ListTraceApps", nil)
	if err := line("thief (V3)", "ListTraceApps, guessed secret", r, err); err != nil {
		return err
	}

	fmt.Fprintln(w, "# Enterprise B's employee assumes A's role and calls A's API")
	r, err = c.callV1(stsSrv.URL, dave, "AssumeRole", sts.APIVersion, url.Values{
		"RoleArn": {world.RoleARN}, "RoleSessionName": {"dave"}, "DurationSeconds": {"900"}})
	if err != nil {
		return err
	}
	creds, _ := r.Body["Credentials"].(map[string]any)
	user, _ := r.Body["AssumedRoleUser"].(map[string]any)
	fmt.Fprintf(w, "%-22s %-32s %d %v until %v\n", "B/dave (V1, https)", "AssumeRole "+demo.RoleName, r.Status, user["Arn"], creds["Expiration"])
	session := signature.Key{AccessKeyID: fmt.Sprint(creds["AccessKeyId"]), AccessKeySecret: fmt.Sprint(creds["AccessKeySecret"]),
		SecurityToken: fmt.Sprint(creds["SecurityToken"])}
	r, err = c.callV3(api.URL, session, "DeleteTraceApp", app("staging-shop"))
	if err := line("B/dave as role (V3)", "DeleteTraceApp staging-shop", r, err); err != nil {
		return err
	}

	fmt.Fprintln(w, "# Revocations, each seen on the next call")
	now = now.Add(time.Minute)
	if _, err := world.Dir.RevokeSessions(principal.MustParse(world.RoleARN), now); err != nil {
		return err
	}
	r, err = c.callV3(api.URL, session, "ListTraceApps", nil)
	if err := line("B/dave as role (V3)", "ListTraceApps after revocation", r, err); err != nil {
		return err
	}
	if _, err := world.Dir.UpdateAccessKey(world.Oncall.ID, directory.KeyInactive); err != nil {
		return err
	}
	r, err = c.callV3(api.URL, oncall, "ListTraceApps", nil)
	return line("A/oncall (V3)", "ListTraceApps, key deactivated", r, err)
}
