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
	"time"

	"github.com/ramauthz/ramauthz/apierror"
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
	Dir      *principal.Directory
	Bridge   *sts.Bridge
	Verifier *signature.Verifier
	// DiagnosticKeys holds each account administrator's key for encoded
	// diagnostic messages.
	DiagnosticKeys map[string]apierror.DiagnosticKey
	// Oncall and Operator are A's employees' keys, Dave is B's employee's.
	Oncall, Operator, Dave principal.NewAccessKey
	RoleARN                string
	Now                    func() time.Time
}

// NewWorld builds the accounts, users, policies, role and keys. clock is
// the time of the directory and the verifier.
func NewWorld(clock func() time.Time) (*World, error) {
	w := &World{Dir: principal.New(principal.Config{Clock: clock}), Now: clock,
		RoleARN: "acs:ram::" + AccountA + ":role/" + RoleName, DiagnosticKeys: map[string]apierror.DiagnosticKey{}}
	d := w.Dir
	user := func(acct, name string) principal.ID { return principal.MustParse("acs:ram::" + acct + ":user/" + name) }
	const protect = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"arms:Delete*","Resource":"acs:arms:*:*:armsapp/prod-*"}]}`
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + AccountB + `:root"]}}]}`
	steps := []func() error{
		func() error { return d.CreateAccount(AccountA) },
		func() error { return d.CreateAccount(AccountB) },
		func() error { _, err := d.CreateUser(AccountA, "oncall"); return err },
		func() error { _, err := d.CreateUser(AccountA, "operator"); return err },
		func() error { _, err := d.CreateUser(AccountB, "dave"); return err },
		func() error {
			return d.AttachPolicy(user(AccountA, "oncall"), principal.System, "AliyunARMSReadOnlyAccess")
		},
		func() error {
			return d.AttachPolicy(user(AccountA, "operator"), principal.System, "AliyunARMSFullAccess")
		},
		func() error { _, err := d.CreatePolicy(AccountA, "ProtectProduction", "", protect); return err },
		func() error { return d.AttachPolicy(user(AccountA, "operator"), principal.Custom, "ProtectProduction") },
		func() error {
			return d.AttachPolicy(user(AccountB, "dave"), principal.System, "AliyunSTSAssumeRoleAccess")
		},
		func() error {
			_, err := d.CreateRole(AccountA, principal.RoleSpec{Name: RoleName, TrustPolicy: trust})
			return err
		},
		func() error {
			return d.AttachPolicy(principal.MustParse(w.RoleARN), principal.System, "AliyunARMSFullAccess")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	w.Bridge = sts.NewBridge(d)
	for _, k := range []struct {
		acct, name string
		into       *principal.NewAccessKey
	}{{AccountA, "oncall", &w.Oncall}, {AccountA, "operator", &w.Operator}, {AccountB, "dave", &w.Dave}} {
		key, err := d.CreateAccessKey(k.acct, k.name)
		if err != nil {
			return nil, err
		}
		*k.into = key
		w.Bridge.RememberAccessKey(key)
	}
	for _, acct := range []string{AccountA, AccountB} {
		k, err := apierror.NewDiagnosticKey()
		if err != nil {
			return nil, err
		}
		w.DiagnosticKeys[acct] = k
	}
	v, err := signature.New(signature.Config{Credentials: w.Bridge, Clock: clock})
	if err != nil {
		return nil, err
	}
	w.Verifier = v
	return w, nil
}

// STS returns the STS endpoint (serve it over TLS: credential providers
// speak https to it).
func (w *World) STS() http.Handler {
	return &sts.Handler{Verifier: w.Verifier, Roles: w.Bridge, HostID: "sts.example.com"}
}

// API returns the ARMS-like RPC API: actions ListTraceApps, GetTrace
// (AppName, TraceId) and DeleteTraceApp (AppName), version 2019-08-08,
// each authorized as the RAM action arms:<Action> on
// acs:arms:<RegionId>:<account A>:armsapp/<AppName> (armsapp/* for the
// list).
func (w *World) API() http.Handler {
	return w.Verifier.Middleware(HostID, http.HandlerFunc(w.serveAPI))
}

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
	dec, err := w.Dir.Authorize(id.AccessKeyID, req)
	if err != nil || dec != evaluator.Allow {
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
	x, err := w.Dir.Explain(id.AccessKeyID, req)
	if err != nil {
		x.Decision = evaluator.ImplicitDeny
	}
	d := apierror.Denial{Code: apierror.CodeForbiddenRAM, Action: req.Action, Principal: id.Principal, Explanation: x.Explanation}
	if x.Layer == principal.LayerSession {
		d.PolicyType = apierror.PolicyTypeSession
	}
	if key, ok := w.DiagnosticKeys[id.Principal.Account()]; ok {
		diag := apierror.NewDiagnostic(id.Principal.String(), req.Action, req.Resource, x.Explanation, id.Now)
		diag.Reason = x.Reason
		d.Encoded, _ = apierror.Seal(key, id.Principal.Account(), diag) // on failure, the detail has no message
	}
	apierror.WriteDenied(rw, r, d, reqID, HostID)
}
