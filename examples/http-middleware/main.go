// Command http-middleware runs a small net/http service whose middleware
// authorizes every route the way RAM would: it resolves the caller from an
// AccessKey pair, maps the route to a RAM action and resource ARN, fills the
// request context (source IP, HTTPS, time) and asks a principal.Directory.
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
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"time"

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
	dir *principal.Directory
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
		d, err := s.dir.Authorize(who, req)
		if err != nil || d != evaluator.Allow {
			http.Error(w, "forbidden: "+s.reason(who, req, d, err), http.StatusForbidden)
			return
		}
		next(w, r)
	})
}

// caller verifies "Authorization: ACS <AccessKeyId>:<AccessKeySecret>" and
// returns the user's ARN. (Real Alibaba Cloud APIs sign requests instead of
// sending the secret; the directory's job is the same either way.)
func (s *service) caller(r *http.Request) (string, error) {
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ACS ")
	if !ok {
		return "", errors.New("no ACS credentials")
	}
	keyID, secret, ok := strings.Cut(cred, ":")
	if !ok {
		return "", errors.New("credentials must be AccessKeyId:AccessKeySecret")
	}
	id, err := s.dir.VerifyAccessKey(keyID, secret)
	switch {
	case errors.Is(err, principal.ErrInactive):
		return "", errors.New("access key is inactive")
	case err != nil:
		return "", errors.New("unknown access key or wrong secret")
	}
	return id.String(), nil
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
func (s *service) reason(who string, req evaluator.Request, d evaluator.Decision, err error) string {
	what := req.Action + " on " + req.Resource
	if err != nil {
		return what + ": " + err.Error()
	}
	x, err := s.dir.Explain(who, req)
	if err != nil || d == evaluator.ImplicitDeny {
		return what + ": no policy allows it"
	}
	for _, m := range x.Matched {
		if m.Effect.String() == "Deny" {
			return fmt.Sprintf("%s: denied by policy %s %s", what, m.PolicyID, m.Path)
		}
	}
	return what + ": denied"
}

// setup builds the account: two users, their policies and access keys.
func setup(dir *principal.Directory) (reader, operator principal.NewAccessKey, err error) {
	if err = dir.CreateAccount(account); err != nil {
		return
	}
	for _, name := range []string{"oncall", "operator"} {
		if _, err = dir.CreateUser(account, name); err != nil {
			return
		}
	}
	user := func(name string) principal.ID { return principal.MustParse("acs:ram::" + account + ":user/" + name) }
	if err = dir.AttachPolicy(user("oncall"), principal.System, "AliyunARMSReadOnlyAccess"); err != nil {
		return
	}
	if err = dir.AttachPolicy(user("operator"), principal.System, "AliyunARMSFullAccess"); err != nil {
		return
	}
	const protect = `{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "arms:Delete*",
	  "Resource": "acs:arms:*:*:armsapp/prod-*"}]}`
	if _, err = dir.CreatePolicy(account, "ProtectProduction", "nobody deletes production apps", protect); err != nil {
		return
	}
	if err = dir.AttachPolicy(user("operator"), principal.Custom, "ProtectProduction"); err != nil {
		return
	}
	if reader, err = dir.CreateAccessKey(account, "oncall"); err != nil {
		return
	}
	operator, err = dir.CreateAccessKey(account, "operator")
	return
}

func run(w io.Writer) error {
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	dir := principal.New(principal.Config{Clock: clock})
	reader, operator, err := setup(dir)
	if err != nil {
		return err
	}
	s := &service{dir: dir, now: clock}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()

	creds := func(k principal.NewAccessKey) string { return "ACS " + k.ID + ":" + k.Secret }
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
