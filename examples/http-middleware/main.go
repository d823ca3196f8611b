// Command http-middleware runs a small net/http service whose middleware
// authorizes every route the way RAM would: it resolves the caller from an
// AccessKey pair, maps the route to a RAM action and resource ARN, fills the
// request context (source IP, HTTPS, time) and asks a directory.Directory.
// A denied request gets 403 with a short reason; a caller it cannot
// identify gets 401.
//
// The demo starts the service on a loopback port, sends requests as two RAM
// users (a read-only on-call engineer and an operator who may not delete
// production apps) and as strangers, prints the answers and stops.
//
//	go run ./examples/http-middleware
package main

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

const account = "1234567890123456"

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "http-middleware:", err)
		os.Exit(1)
	}
}

// service is the HTTP API: trace apps and their traces.
type service struct {
	dir *directory.Directory
	now func() time.Time
}

// appARN is the resource of routes that name an app.
func appARN(r *http.Request) string {
	return "acs:arms:cn-hangzhou:" + account + ":armsapp/" + r.PathValue("app")
}

// allApps is the resource of routes about the app list.
func allApps(*http.Request) string { return "acs:arms:cn-hangzhou:" + account + ":armsapp/*" }

func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /apps", s.authorize("arms:ListTraceApps", allApps, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "checkout prod-shop staging-shop")
	}))
	mux.Handle("GET /apps/{app}/traces/{trace}", s.authorize("arms:GetTrace", appARN, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "trace %s of %s\n", r.PathValue("trace"), r.PathValue("app"))
	}))
	mux.Handle("DELETE /apps/{app}", s.authorize("arms:DeleteTraceApp", appARN, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "deleted %s\n", r.PathValue("app"))
	}))
	return mux
}

// authorize wraps next with the RAM check for action on the resource the
// route names.
func (s *service) authorize(action string, resource func(*http.Request) string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.caller(r)
		if err != nil {
			http.Error(w, "unauthorized: "+err.Error(), http.StatusUnauthorized)
			return
		}
		req := evaluator.Request{Action: action, Resource: resource(r), Context: s.context(r)}
		res, err := s.dir.Authorize(who, req)
		if err != nil || !res.Allowed() {
			http.Error(w, "forbidden: "+s.reason(who, req, res.Decision, err), http.StatusForbidden)
			return
		}
		next(w, r)
	})
}

// caller verifies "Authorization: ACS <AccessKeyId>:<AccessKeySecret>" and
// returns the user. (Real Alibaba Cloud APIs sign requests instead of
// sending the secret; the directory hands out the unsealed secret, through
// AccessKeySecret, for verifying either.)
func (s *service) caller(r *http.Request) (principal.ID, error) {
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ACS ")
	if !ok {
		return principal.ID{}, errors.New("no ACS credentials")
	}
	keyID, secret, ok := strings.Cut(cred, ":")
	if !ok {
		return principal.ID{}, errors.New("credentials must be AccessKeyId:AccessKeySecret")
	}
	id, want, err := s.dir.AccessKeySecret(keyID)
	switch {
	case errors.Is(err, directory.ErrKeyInactive):
		return principal.ID{}, errors.New("access key is inactive")
	case err != nil || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1:
		return principal.ID{}, errors.New("unknown access key or wrong secret")
	}
	return id, nil
}

// context fills the common condition keys from the HTTP request.
func (s *service) context(r *http.Request) *evaluator.Context {
	ctx := new(evaluator.Context)
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		ctx.SetSourceIP(ap.Addr().Unmap())
	}
	ctx.SetSecureTransport(r.TLS != nil)
	ctx.SetCurrentTime(s.now())
	return ctx
}

// reason says briefly why a request was refused.
func (s *service) reason(who principal.ID, req evaluator.Request, d evaluator.Decision, err error) string {
	what := req.Action + " on " + req.Resource
	if err != nil {
		return what + ": " + err.Error()
	}
	x, err := s.dir.Explain(who, req)
	if err != nil || d == evaluator.ImplicitDeny {
		return what + ": no policy allows it"
	}
	for _, m := range x.Detail.Matched {
		if m.Effect.String() == "Deny" {
			return fmt.Sprintf("%s: denied by policy %s %s", what, m.PolicyID, m.Path)
		}
	}
	return what + ": denied"
}

// setup builds the account: two users, their policies and access keys.
func setup(dir *directory.Directory) (reader, operator directory.NewAccessKey, err error) {
	if _, err = dir.CreateAccount(account); err != nil {
		return
	}
	user := func(name string) principal.ID { return principal.MustParse("acs:ram::" + account + ":user/" + name) }
	for _, name := range []string{"oncall", "operator"} {
		if _, err = dir.CreateUser(user(name)); err != nil {
			return
		}
	}
	if _, err = dir.AttachPolicy(user("oncall"), directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"}); err != nil {
		return
	}
	if _, err = dir.AttachPolicy(user("operator"), directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSFullAccess"}); err != nil {
		return
	}
	const protect = `{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "arms:Delete*",
	  "Resource": "acs:arms:*:*:armsapp/prod-*"}]}`
	if _, err = dir.CreatePolicy(account, directory.PolicySpec{Name: "ProtectProduction",
		Description: "nobody deletes production apps", Document: protect}); err != nil {
		return
	}
	if _, err = dir.AttachPolicy(user("operator"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "ProtectProduction"}); err != nil {
		return
	}
	if reader, _, err = dir.CreateAccessKey(user("oncall")); err != nil {
		return
	}
	operator, _, err = dir.CreateAccessKey(user("operator"))
	return
}

func run(w io.Writer) error {
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	dir, err := directory.New(directory.Options{Clock: clock})
	if err != nil {
		return err
	}
	reader, operator, err := setup(dir)
	if err != nil {
		return err
	}
	s := &service{dir: dir, now: clock}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()

	creds := func(k directory.NewAccessKey) string { return "ACS " + k.ID + ":" + k.Secret.Reveal() }
	calls := []struct{ who, auth, method, path string }{
		{"oncall", creds(reader), "GET", "/apps"},
		{"oncall", creds(reader), "GET", "/apps/checkout/traces/t-42"},
		{"oncall", creds(reader), "DELETE", "/apps/staging-shop"},
		{"operator", creds(operator), "DELETE", "/apps/staging-shop"},
		{"operator", creds(operator), "DELETE", "/apps/prod-shop"},
		{"stranger", "", "GET", "/apps"},
		{"thief", "ACS " + reader.ID + ":guessed", "GET", "/apps"},
	}
	for _, c := range calls {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		if err != nil {
			return err
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s %-6s %-28s %d %s\n", c.who, c.method, c.path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
