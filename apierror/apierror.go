// Package apierror writes refusals the way Alibaba Cloud APIs do, so the
// official SDKs surface them as typed errors: an HTTP status and a JSON (or,
// for Format=XML, XML) body with RequestId, HostId, Code and Message, and for
// authorization refusals (HTTP 403, Code NoPermission or Forbidden.RAM) the
// AccessDeniedDetail object with AuthAction, AuthPrincipalType,
// AuthPrincipalOwnerId, AuthPrincipalDisplayName, NoPermissionType,
// PolicyType and EncodedDiagnosticMessage.
//
// The encoded diagnostic message is the explanation of the refusal (which
// statements applied) sealed with AES-256-GCM under a key only the account's
// administrator holds (see Seal and Open), so a caller learns that it was
// refused but not the account's policies.
//
// Every function here is safe for concurrent use.
package apierror

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// Codes of authorization refusals (HTTP 403).
const (
	CodeNoPermission = "NoPermission"  // most APIs and STS
	CodeForbiddenRAM = "Forbidden.RAM" // the code of many product APIs
)

// Values of AccessDeniedDetail.NoPermissionType.
const (
	ImplicitDeny = "ImplicitDeny"
	ExplicitDeny = "ExplicitDeny"
)

// Values of AccessDeniedDetail.PolicyType.
const (
	PolicyTypeIdentity = "AccountLevelIdentityBasedPolicy"
	PolicyTypeSession  = "SessionPolicy"
)

// Values of AccessDeniedDetail.AuthPrincipalType.
const (
	PrincipalSubUser         = "SubUser"         // a RAM user
	PrincipalAssumedRoleUser = "AssumedRoleUser" // a role session
	PrincipalAccount         = "Account"         // an account root
)

// Response is the body of an Alibaba Cloud API error.
type Response struct {
	XMLName            xml.Name            `json:"-" xml:"Error"`
	RequestID          string              `json:"RequestId" xml:"RequestId"`
	HostID             string              `json:"HostId" xml:"HostId"`
	Code               string              `json:"Code" xml:"Code"`
	Message            string              `json:"Message" xml:"Message"`
	Recommend          string              `json:"Recommend,omitempty" xml:"Recommend,omitempty"`
	AccessDeniedDetail *AccessDeniedDetail `json:"AccessDeniedDetail,omitempty" xml:"AccessDeniedDetail,omitempty"`
}

// AccessDeniedDetail says which identity was refused which action, and why
// in a form only the account's administrator can read.
type AccessDeniedDetail struct {
	AuthAction               string `json:"AuthAction" xml:"AuthAction"`
	AuthPrincipalType        string `json:"AuthPrincipalType" xml:"AuthPrincipalType"`
	AuthPrincipalOwnerID     string `json:"AuthPrincipalOwnerId" xml:"AuthPrincipalOwnerId"`
	AuthPrincipalDisplayName string `json:"AuthPrincipalDisplayName" xml:"AuthPrincipalDisplayName"`
	NoPermissionType         string `json:"NoPermissionType" xml:"NoPermissionType"`
	PolicyType               string `json:"PolicyType" xml:"PolicyType"`
	EncodedDiagnosticMessage string `json:"EncodedDiagnosticMessage,omitempty" xml:"EncodedDiagnosticMessage,omitempty"`
}

// Coded is an error that knows its Alibaba Cloud code and HTTP status, such
// as *signature.Error.
type Coded interface {
	error
	ErrorCode() string
	HTTPStatus() int
	ErrorMessage() string
}

// NewRequestID returns a fresh request ID: 32 upper-case hex digits in the
// 8-4-4-4-12 form Alibaba Cloud uses.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Denial describes an authorization refusal.
type Denial struct {
	// Code is CodeNoPermission (the default when "") or CodeForbiddenRAM.
	Code string
	// Action is the RAM action refused, such as "arms:DeleteTraceApp".
	Action string
	// Principal is the identity refused: a RAM user, a role session or an
	// account root.
	Principal principal.ID
	// Explanation is the evaluator's explanation (Directory.Explain). Its
	// Decision gives NoPermissionType; a Deny statement of the session
	// policy gives PolicyType SessionPolicy.
	Explanation evaluator.Explanation
	// Encoded is the sealed diagnostic message (Seal), or "" for none.
	Encoded string
	// PolicyType, when set, is AccessDeniedDetail.PolicyType as is (for
	// example PolicyTypeSession when a directory says its session layer
	// decided); "" derives it from Explanation.
	PolicyType string
}

// DeniedResponse builds the 403 body of a refusal.
func DeniedResponse(d Denial, requestID, hostID string) Response {
	code := d.Code
	if code == "" {
		code = CodeNoPermission
	}
	det := &AccessDeniedDetail{AuthAction: d.Action, AuthPrincipalOwnerID: d.Principal.Account(),
		NoPermissionType: ImplicitDeny, PolicyType: PolicyTypeIdentity, EncodedDiagnosticMessage: d.Encoded}
	switch d.Principal.Kind() {
	case principal.KindUser:
		det.AuthPrincipalType, det.AuthPrincipalDisplayName = PrincipalSubUser, d.Principal.Name()
	case principal.KindSession:
		det.AuthPrincipalType = PrincipalAssumedRoleUser
		det.AuthPrincipalDisplayName = d.Principal.Role().Name() + ":" + d.Principal.SessionName()
	case principal.KindAccount:
		det.AuthPrincipalType, det.AuthPrincipalDisplayName = PrincipalAccount, d.Principal.Account()
	default:
		det.AuthPrincipalType, det.AuthPrincipalDisplayName = d.Principal.Kind().String(), d.Principal.String()
	}
	if d.Explanation.Decision == evaluator.ExplicitDeny {
		det.NoPermissionType = ExplicitDeny
		for _, m := range d.Explanation.Matched {
			if m.Effect == policy.Deny && m.PolicyID == principal.SessionPolicyID {
				det.PolicyType = PolicyTypeSession
			}
		}
	}
	if d.PolicyType != "" {
		det.PolicyType = d.PolicyType
	}
	msg := "You are not authorized to do this action. You should be authorized by RAM."
	return Response{RequestID: requestID, HostID: hostID, Code: code, Message: msg, AccessDeniedDetail: det}
}

// FromError builds the body of any other refusal: a Coded error gives its
// code and message; any other error is "InternalError" (its text is not
// shown, so nothing internal leaks). It also returns the HTTP status.
func FromError(err error, requestID, hostID string) (Response, int) {
	var c Coded
	if errors.As(err, &c) {
		return Response{RequestID: requestID, HostID: hostID, Code: c.ErrorCode(), Message: c.ErrorMessage()}, c.HTTPStatus()
	}
	return Response{RequestID: requestID, HostID: hostID, Code: "InternalError",
		Message: "The request processing has failed due to some unknown error."}, http.StatusInternalServerError
}

// Write sends resp with status: XML when the request asked for Format=XML
// (an RPC parameter), JSON otherwise. r (or its URL) may be nil.
func Write(w http.ResponseWriter, r *http.Request, status int, resp Response) {
	if r != nil && r.URL != nil && strings.EqualFold(r.URL.Query().Get("Format"), "XML") {
		b, err := xml.Marshal(resp)
		if err == nil {
			w.Header().Set("Content-Type", "application/xml;charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write(append([]byte(xml.Header), b...))
			return
		}
	}
	b, err := json.Marshal(resp)
	if err != nil { // cannot happen: every field is a string
		b = []byte(`{"Code":"InternalError"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteError writes FromError's body and status.
func WriteError(w http.ResponseWriter, r *http.Request, err error, requestID, hostID string) {
	resp, status := FromError(err, requestID, hostID)
	Write(w, r, status, resp)
}

// WriteDenied writes DeniedResponse's body with HTTP 403.
func WriteDenied(w http.ResponseWriter, r *http.Request, d Denial, requestID, hostID string) {
	Write(w, r, http.StatusForbidden, DeniedResponse(d, requestID, hostID))
}
