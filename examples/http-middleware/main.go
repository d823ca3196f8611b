// Command http-middleware runs a small net/http service whose middleware
// authorizes every route the way Alibaba Cloud does: it verifies the
// request's signature (V3, ACS3-HMAC-SHA256: the client signs, the secret
// never travels), maps the route to a RAM action and resource ARN, fills the
// request context (source IP, HTTPS, time) from the verified request and
// asks a directory.Directory. Refusals have RAM's error shape (package
// apierror): 403 NoPermission with AccessDeniedDetail for a denied request,
// the documented codes (SignatureDoesNotMatch, InvalidAccessKeyId.Inactive,
// ...) for a caller it cannot authenticate.
//
// The demo starts the service on a loopback port, sends signed requests as
// two RAM users (a read-only on-call engineer and an operator who may not
// delete production apps) and as strangers, prints the answers and stops.
//
//	go run ./examples/http-middleware
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
)

const account = "1234567890123456"

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "http-middleware:", err)
		os.Exit(1)
	}
}

// hostID is the HostId of the service's error responses.
const hostID = "apps.example.com"

// service is the HTTP API: trace apps and their traces.
type service struct {
	dir      *directory.Directory
	creds    signature.DirectoryCredentials
	verifier *signature.Verifier
}

// newService returns the service over dir. The verifier takes the secrets
// of the keys the directory issued from the directory (which keeps them
// sealed), so a key deactivated or deleted there is refused on the next
// request.
func newService(dir *directory.Directory, now func() time.Time) (*service, error) {
	creds := signature.DirectoryCredentials{Directory: dir}
	v, err := signature.New(signature.Config{Credentials: creds, Clock: now})
	if err != nil {
		return nil, err
	}
	return &service{dir: dir, creds: creds, verifier: v}, nil
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

// authorize wraps next with signature verification and the RAM check for
// action on the resource the route names.
func (s *service) authorize(action string, resource func(*http.Request) string, next http.HandlerFunc) http.Handler {
	check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := signature.FromContext(r.Context())
		req := evaluator.Request{Action: action, Resource: resource(r), Context: id.Context()}
		res, err := s.creds.Authorize(id, req)
		if err != nil || !res.Allowed() {
			x, xerr := s.creds.Explain(id, req)
			if xerr != nil {
				x.Decision = evaluator.ImplicitDeny
			}
			d := apierror.Denial{Action: action, Principal: id.Principal, Explanation: x.Detail}
			d.Explanation.Decision = x.Decision
			if x.Layer == directory.LayerSessionPolicy {
				d.PolicyType = apierror.PolicyTypeSession
			}
			diag := apierror.NewDiagnostic(id.Principal.String(), action, req.Resource, d.Explanation, id.Now)
			if x.Layer != directory.LayerIdentity && x.Layer != directory.LayerSessionPolicy && x.Layer != 0 {
				diag.Reason = "decided by the " + x.Layer.String()
			}
			// The explanation goes sealed into the response's
			// EncodedDiagnosticMessage: only the account's administrator
			// reads which statement denied (Directory.DecodeDiagnosticMessage,
			// RAM's DecodeDiagnosticMessage). On failure the detail has no
			// message.
			if b, err := json.Marshal(diag); err == nil {
				d.Encoded, _ = s.dir.EncodeDiagnosticMessage(id.Principal.Account(), b)
			}
			apierror.WriteDenied(w, r, d, apierror.NewRequestID(), hostID)
			return
		}
		next(w, r)
	})
	return s.verifier.Middleware(hostID, check)
}

// setup builds the account: two users, their policies and access keys.
func setup(dir *directory.Directory) (reader, operator directory.NewAccessKey, err error) {
	user := func(name string) principal.ID { return principal.MustParse("acs:ram::" + account + ":user/" + name) }
	const protect = `{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "arms:Delete*",
	  "Resource": "acs:arms:*:*:armsapp/prod-*"}]}`
	steps := []func() error{
		func() error { _, err := dir.CreateAccount(account); return err },
		func() error { _, err := dir.CreateUser(user("oncall")); return err },
		func() error { _, err := dir.CreateUser(user("operator")); return err },
		func() error {
			_, err := dir.AttachPolicy(user("oncall"), directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"})
			return err
		},
		func() error {
			_, err := dir.AttachPolicy(user("operator"), directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunARMSFullAccess"})
			return err
		},
		func() error {
			_, err := dir.CreatePolicy(account, directory.PolicySpec{Name: "ProtectProduction",
				Description: "nobody deletes production apps", Document: protect})
			return err
		},
		func() error {
			_, err := dir.AttachPolicy(user("operator"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "ProtectProduction"})
			return err
		},
		func() (err error) { reader, _, err = dir.CreateAccessKey(user("oncall")); return err },
		func() (err error) { operator, _, err = dir.CreateAccessKey(user("operator")); return err },
	}
	for _, step := range steps {
		if err = step(); err != nil {
			return
		}
	}
	return
}

// signed returns a request signed with k (signature V3) at now, as an
// Alibaba Cloud SDK would send it.
func signed(method, url string, k directory.NewAccessKey, now time.Time, nonce string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	return req, signature.SignV3(req, nil, signature.Key{AccessKeyID: k.ID, AccessKeySecret: k.Secret.Reveal()}, now, nonce)
}

// outcome summarizes a response: the body of a success, the code (and for
// a denial the access-denied detail) of a refusal.
func outcome(status int, body []byte) string {
	if status == http.StatusOK {
		return strings.TrimSpace(string(body))
	}
	var e apierror.Response
	if err := json.Unmarshal(body, &e); err != nil {
		return "unreadable error: " + string(body)
	}
	if d := e.AccessDeniedDetail; d != nil {
		return fmt.Sprintf("%s %s %s:%s", e.Code, d.NoPermissionType, d.AuthPrincipalType, d.AuthPrincipalDisplayName)
	}
	return e.Code
}

func run(w io.Writer) error {
	clock := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	dir := directory.MustNew(directory.Options{Clock: clock})
	reader, operator, err := setup(dir)
	if err != nil {
		return err
	}
	s, err := newService(dir, clock)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()

	guessed := directory.NewAccessKey{AccessKey: reader.AccessKey} // the right ID, a wrong (empty) secret
	calls := []struct {
		who    string
		key    *directory.NewAccessKey // nil: an unsigned request
		method string
		path   string
	}{
		{"oncall", &reader, "GET", "/apps"},
		{"oncall", &reader, "GET", "/apps/checkout/traces/t-42"},
		{"oncall", &reader, "DELETE", "/apps/staging-shop"},
		{"operator", &operator, "DELETE", "/apps/staging-shop"},
		{"operator", &operator, "DELETE", "/apps/prod-shop"},
		{"stranger", nil, "GET", "/apps"},
		{"thief", &guessed, "GET", "/apps"},
	}
	for i, c := range calls {
		var req *http.Request
		if c.key == nil {
			req, err = http.NewRequest(c.method, srv.URL+c.path, nil)
		} else {
			req, err = signed(c.method, srv.URL+c.path, *c.key, clock(), fmt.Sprint("nonce-", i))
		}
		if err != nil {
			return err
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
		fmt.Fprintf(w, "%-8s %-6s %-28s %d %s\n", c.who, c.method, c.path, resp.StatusCode, outcome(resp.StatusCode, body))
	}
	return nil
}
