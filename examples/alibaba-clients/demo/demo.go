// Package demo is the service of the alibaba-clients example, importable so
// that the interop module can point the official Alibaba Cloud SDKs at the
// very same service: an ARMS-like RPC API and an STS endpoint, both
// authenticating callers by their request signatures, over a directory with
// the two seed scenarios.
//
//   - Enterprise A (account 1234567890123456) gives each employee a RAM user
//     with its own AccessKey: "oncall" may read (AliyunARMSReadOnlyAccess),
//     "operator" may change everything except delete production apps
//     (AliyunARMSFullAccess and a custom Deny).
//   - Enterprise B's employee "dave" (account 6543210987654321) assumes A's
//     role "arms-operator", which trusts B's account, and calls A's API with
//     the session's credentials.
package demo

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/signature"
	"github.com/ramauthz/ramauthz/sts"
)

// The world's fixed names.
const (
	AccountA   = "1234567890123456"
	AccountB   = "6543210987654321"
	RoleName   = "arms-operator"
	Region     = "cn-hangzhou"
	APIVersion = "2019-08-08" // the ARMS-like API's version
	HostID     = "arms.cn-hangzhou.example.com"
)

// Apps are the trace apps of account A.
var Apps = []string{"checkout", "prod-shop", "staging-shop"}

// World is the directory, the verifier and the keys of the scenarios.
type World struct {
	Dir *directory.Directory
	// Credentials gives the verifier the directory's (sealed) secrets and
	// decides for verified identities.
	Credentials signature.DirectoryCredentials
	Verifier    *signature.Verifier
	// DiagnosticKeys holds each account administrator's key for encoded
	// diagnostic messages.
	DiagnosticKeys map[string]apierror.DiagnosticKey
	// Oncall and Operator are A's employees' keys, Dave is B's employee's.
	Oncall, Operator, Dave directory.NewAccessKey
	RoleARN                string
	Now                    func() time.Time
}

// NewWorld builds the accounts, users, policies, role and keys. clock is
// the time of the directory and the verifier.
func NewWorld(clock func() time.Time) (*World, error) {
	w := &World{Dir: directory.MustNew(directory.Options{Clock: clock}), Now: clock,
		RoleARN: "acs:ram::" + AccountA + ":role/" + RoleName, DiagnosticKeys: map[string]apierror.DiagnosticKey{}}
	d := w.Dir
	user := func(acct, name string) principal.ID { return principal.MustParse("acs:ram::" + acct + ":user/" + name) }
	system := func(name string) directory.PolicyRef {
		return directory.PolicyRef{Type: directory.PolicySystem, Name: name}
	}
	const protect = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"arms:Delete*","Resource":"acs:arms:*:*:armsapp/prod-*"}]}`
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + AccountB + `:root"]}}]}`
	steps := []func() (directory.Revision, error){
		func() (directory.Revision, error) { return d.CreateAccount(AccountA) },
		func() (directory.Revision, error) { return d.CreateAccount(AccountB) },
		func() (directory.Revision, error) { return d.CreateUser(user(AccountA, "oncall")) },
		func() (directory.Revision, error) { return d.CreateUser(user(AccountA, "operator")) },
		func() (directory.Revision, error) { return d.CreateUser(user(AccountB, "dave")) },
		func() (directory.Revision, error) {
			return d.AttachPolicy(user(AccountA, "oncall"), system("AliyunARMSReadOnlyAccess"))
		},
		func() (directory.Revision, error) {
			return d.AttachPolicy(user(AccountA, "operator"), system("AliyunARMSFullAccess"))
		},
		func() (directory.Revision, error) {
			return d.CreatePolicy(AccountA, directory.PolicySpec{Name: "ProtectProduction", Document: protect})
		},
		func() (directory.Revision, error) {
			return d.AttachPolicy(user(AccountA, "operator"), directory.PolicyRef{Type: directory.PolicyCustom, Name: "ProtectProduction"})
		},
		func() (directory.Revision, error) {
			return d.AttachPolicy(user(AccountB, "dave"), system("AliyunSTSAssumeRoleAccess"))
		},
		func() (directory.Revision, error) {
			return d.CreateRole(principal.MustParse(w.RoleARN), directory.RoleSpec{TrustPolicy: trust,
				Policies: []directory.PolicyRef{system("AliyunARMSFullAccess")}})
		},
	}
	for _, step := range steps {
		if _, err := step(); err != nil {
			return nil, err
		}
	}
	for _, k := range []struct {
		acct, name string
		into       *directory.NewAccessKey
	}{{AccountA, "oncall", &w.Oncall}, {AccountA, "operator", &w.Operator}, {AccountB, "dave", &w.Dave}} {
		key, _, err := d.CreateAccessKey(user(k.acct, k.name))
		if err != nil {
			return nil, err
		}
		*k.into = key
	}
	for _, acct := range []string{AccountA, AccountB} {
		k, err := apierror.NewDiagnosticKey()
		if err != nil {
			return nil, err
		}
		w.DiagnosticKeys[acct] = k
	}
	w.Credentials = signature.DirectoryCredentials{Directory: d}
	v, err := signature.New(signature.Config{Credentials: w.Credentials, Clock: clock})
	if err != nil {
		return nil, err
	}
	w.Verifier = v
	return w, nil
}

// STS returns the STS endpoint (serve it over TLS: credential providers
// speak https to it).
func (w *World) STS() http.Handler {
	return &sts.Handler{Verifier: w.Verifier, Roles: sts.DirectoryRoles{Directory: w.Dir}, HostID: "sts.example.com"}
}

// API returns the ARMS-like RPC API: actions ListTraceApps, GetTrace
// (AppName, TraceId) and DeleteTraceApp (AppName), version 2019-08-08,
// each authorized as the RAM action arms:<Action> on
// acs:arms:<RegionId>:<account A>:armsapp/<AppName> (armsapp/* for the
// list).
func (w *World) API() http.Handler {
	return w.Verifier.Middleware(HostID, http.HandlerFunc(w.serveAPI))
}

// The grammar of the parameters pasted into a resource ARN.
var (
	regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	appPattern    = regexp.MustCompile(`^[^:/*?\x00-\x1f\x7f]{1,64}$`)
)

func (w *World) serveAPI(rw http.ResponseWriter, r *http.Request) {
	id, _ := signature.FromContext(r.Context())
	reqID := apierror.NewRequestID()
	fail := func(status int, code, msg string) {
		apierror.Write(rw, r, status, apierror.Response{RequestID: reqID, HostID: HostID, Code: code, Message: msg})
	}
	if id.APIVersion != APIVersion {
		fail(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
		return
	}
	region := id.Param("RegionId")
	if region == "" {
		region = Region
	}
	app := id.Param("AppName")
	// The ARN is built from the caller's parameters, so each must fit its
	// field: a RegionId carrying ':' would move another account into the
	// ARN's account field (and the account boundary with it), an AppName
	// carrying '*' or '/' would name other resources.
	switch {
	case !regionPattern.MatchString(region):
		fail(http.StatusBadRequest, "InvalidParameter", "RegionId is not a region ID such as cn-hangzhou.")
		return
	case app != "" && !appPattern.MatchString(app):
		fail(http.StatusBadRequest, "InvalidParameter", "AppName must be 1 to 64 characters without ':', '/', '*', '?' or control characters.")
		return
	}
	resource := "acs:arms:" + region + ":" + AccountA + ":armsapp/" + app
	var data any
	switch id.Action {
	case "ListTraceApps":
		resource = "acs:arms:" + region + ":" + AccountA + ":armsapp/*"
		data = Apps
	case "GetTrace":
		data = map[string]string{"AppName": app, "TraceId": id.Param("TraceId")}
	case "DeleteTraceApp":
		data = map[string]string{"Deleted": app}
	default:
		fail(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
		return
	}
	if id.Action != "ListTraceApps" && app == "" {
		fail(http.StatusBadRequest, "MissingParameter", "AppName is mandatory for this action.")
		return
	}
	req := evaluator.Request{Action: "arms:" + id.Action, Resource: resource, Context: id.Context()}
	res, err := w.Credentials.Authorize(id, req)
	if err != nil || !res.Allowed() {
		w.deny(rw, r, reqID, id, req)
		return
	}
	b, err := json.Marshal(map[string]any{"RequestId": reqID, "Data": data})
	if err != nil {
		fail(http.StatusInternalServerError, "InternalError", "")
		return
	}
	rw.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = rw.Write(b)
}

// deny answers 403 Forbidden.RAM with the access-denied detail, its
// diagnostic sealed for the caller's account administrator.
func (w *World) deny(rw http.ResponseWriter, r *http.Request, reqID string, id *signature.Identity, req evaluator.Request) {
	x, err := w.Credentials.Explain(id, req)
	if err != nil {
		x.Decision = evaluator.ImplicitDeny
	}
	d := apierror.Denial{Code: apierror.CodeForbiddenRAM, Action: req.Action, Principal: id.Principal, Explanation: x.Detail}
	d.Explanation.Decision = x.Decision
	if x.Layer == directory.LayerSessionPolicy {
		d.PolicyType = apierror.PolicyTypeSession
	}
	if key, ok := w.DiagnosticKeys[id.Principal.Account()]; ok {
		diag := apierror.NewDiagnostic(id.Principal.String(), req.Action, req.Resource, d.Explanation, id.Now)
		if x.Layer != directory.LayerIdentity && x.Layer != directory.LayerSessionPolicy && x.Layer != 0 {
			diag.Reason = "decided by the " + x.Layer.String()
		}
		d.Encoded, _ = apierror.Seal(key, id.Principal.Account(), diag) // on failure, the detail has no message
	}
	apierror.WriteDenied(rw, r, d, reqID, HostID)
}
