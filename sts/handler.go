// Package sts serves the STS AssumeRole API (RPC style, version 2015-04-01)
// over net/http, so the official clients — credentials-go's RAM-role-ARN
// provider, the SDKs' sts clients — can obtain session credentials from a
// service built on this library.
//
// The caller is authenticated by its request signature (package
// signature); the decision and the session are the job of an AssumeRoler,
// such as DirectoryRoles over a *directory.Directory. Responses have
// the real API's fields: RequestId, Credentials{AccessKeyId,
// AccessKeySecret, SecurityToken, Expiration} with Expiration in UTC as
// 2006-01-02T15:04:05Z, and AssumedRoleUser{Arn, AssumedRoleId}; JSON, or
// XML for Format=XML. Refusals use Alibaba Cloud's error shape (package
// apierror): an expired or revoked session calling AssumeRole gets
// InvalidSecurityToken.Expired, a refusal by the trust policy or the
// caller's policies NoPermission (403).
package sts

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/signature"
)

// APIVersion is the STS API version this handler serves.
const APIVersion = "2015-04-01"

// ExpirationFormat is the layout of Credentials.Expiration (UTC).
const ExpirationFormat = "2006-01-02T15:04:05Z"

// AssumeRoleInput is one AssumeRole call: the verified caller and the
// API's parameters.
type AssumeRoleInput struct {
	Caller          *signature.Identity
	RoleArn         string
	RoleSessionName string
	Policy          string // session policy, or ""
	ExternalID      string // or ""
	DurationSeconds int    // seconds; 0 means the default (3,600)
	// Context holds the request's condition keys (acs:SourceIp,
	// acs:SecureTransport, acs:CurrentTime).
	Context *evaluator.Context
}

// AssumeRoleOutput is the new session.
type AssumeRoleOutput struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
	Arn             string // acs:ram::<uid>:role/<role>/<session>
	AssumedRoleID   string // <roleId>:<session>
}

// AssumeRoler decides AssumeRole calls and creates the sessions. Errors
// that are *directory.AssumeRoleError keep their code (NoPermission, EntityNotExist.Role,
// InvalidParameter.*); any other error is InternalError.
type AssumeRoler interface {
	AssumeRole(AssumeRoleInput) (AssumeRoleOutput, error)
}

// Handler is the STS endpoint. Set its fields before serving; it is then
// safe for concurrent use. Credential providers send AssumeRole signed with
// V1 to the path "/" of the endpoint, the only path a Verifier accepts V1
// at unless its Config.V1Paths says otherwise; serve the handler there.
type Handler struct {
	Verifier *signature.Verifier
	Roles    AssumeRoler
	HostID   string // the HostId of error responses, such as "sts.aliyuncs.com"
}

// Error codes of requests the handler cannot route.
const (
	CodeInvalidAction  = "InvalidAction.NotFound"
	CodeInvalidVersion = "InvalidVersion"
	CodeMissingParam   = "MissingParameter"
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := apierror.NewRequestID()
	fail := func(status int, code, msg string) {
		apierror.Write(w, r, status, apierror.Response{RequestID: reqID, HostID: h.HostID, Code: code, Message: msg})
	}
	id, err := h.Verifier.Verify(r)
	if err != nil {
		apierror.WriteError(w, r, err, reqID, h.HostID)
		return
	}
	switch {
	case id.Action != "AssumeRole":
		fail(http.StatusBadRequest, CodeInvalidAction, "Specified api is not found, please check your url and method.")
		return
	case id.APIVersion != APIVersion:
		fail(http.StatusBadRequest, CodeInvalidVersion, "Specified parameter Version is not valid.")
		return
	}
	p := id.Params() // a few lookups; the map is the handler's own
	in := AssumeRoleInput{Caller: id, RoleArn: p.Get("RoleArn"), RoleSessionName: p.Get("RoleSessionName"),
		Policy: p.Get("Policy"), ExternalID: p.Get("ExternalId"), Context: id.Context()}
	for _, name := range []string{"RoleArn", "RoleSessionName"} {
		if p.Get(name) == "" {
			fail(http.StatusBadRequest, CodeMissingParam, name+" is mandatory for this action.")
			return
		}
	}
	if d := p.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			fail(http.StatusBadRequest, directory.CodeInvalidDuration, "DurationSeconds must be a positive number of seconds.")
			return
		}
		in.DurationSeconds = n
	}
	out, err := h.Roles.AssumeRole(in)
	if err != nil {
		h.refuse(w, r, reqID, id, err)
		return
	}
	writeResponse(w, r, reqID, out)
}

// refuse writes an AssumeRole failure.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, reqID string, id *signature.Identity, err error) {
	var re *directory.AssumeRoleError
	if !errors.As(err, &re) {
		apierror.WriteError(w, r, err, reqID, h.HostID) // a Coded error keeps its code
		return
	}
	status := http.StatusBadRequest
	switch re.Code {
	case directory.CodeNoPermission:
		d := apierror.Denial{Action: directory.ActionAssumeRole, Principal: id.Principal}
		if re.Explicit {
			d.Explanation.Decision = evaluator.ExplicitDeny
		}
		// The message stays RAM's generic one: the AssumeRoleError says
		// whose policy refused (Side: the role's trust policy, in the
		// role's account, or the caller's own), which a caller of another
		// account must not learn about the role's account.
		apierror.Write(w, r, http.StatusForbidden, apierror.DeniedResponse(d, reqID, h.HostID))
		return
	case directory.CodeRoleNotExist:
		status = http.StatusNotFound
	}
	apierror.Write(w, r, status, apierror.Response{RequestID: reqID, HostID: h.HostID, Code: re.Code, Message: refusalMessage(re)})
}

// refusalMessage is what a caller reads about a refusal: the code and the
// message, and the cause only where it is about the caller's own input (its
// session policy, session name, ...). Other causes (the role's trust policy
// that does not compile, the directory's own errors) describe the role's
// account or the service, not the caller's request.
func refusalMessage(re *directory.AssumeRoleError) string {
	msg := re.Code
	if re.Msg != "" {
		msg += ": " + re.Msg
	}
	if re.Cause != nil {
		switch re.Code {
		case directory.CodeInvalidPolicyGrammar, directory.CodeInvalidPolicySize, directory.CodeInvalidRoleArn,
			directory.CodeInvalidSessionName, directory.CodeInvalidExternalID, directory.CodeInvalidDuration:
			msg += ": " + re.Cause.Error()
		}
	}
	return msg
}

type credentialsJSON struct {
	AccessKeyID     string `json:"AccessKeyId" xml:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret" xml:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken" xml:"SecurityToken"`
	Expiration      string `json:"Expiration" xml:"Expiration"`
}

type assumedRoleUserJSON struct {
	Arn           string `json:"Arn" xml:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId" xml:"AssumedRoleId"`
}

type responseJSON struct {
	XMLName         xml.Name            `json:"-" xml:"AssumeRoleResponse"`
	RequestID       string              `json:"RequestId" xml:"RequestId"`
	AssumedRoleUser assumedRoleUserJSON `json:"AssumedRoleUser" xml:"AssumedRoleUser"`
	Credentials     credentialsJSON     `json:"Credentials" xml:"Credentials"`
}

func writeResponse(w http.ResponseWriter, r *http.Request, reqID string, out AssumeRoleOutput) {
	resp := responseJSON{RequestID: reqID,
		AssumedRoleUser: assumedRoleUserJSON{Arn: out.Arn, AssumedRoleID: out.AssumedRoleID},
		Credentials: credentialsJSON{AccessKeyID: out.AccessKeyID, AccessKeySecret: out.AccessKeySecret,
			SecurityToken: out.SecurityToken, Expiration: out.Expiration.UTC().Format(ExpirationFormat)}}
	if strings.EqualFold(r.URL.Query().Get("Format"), "XML") {
		b, err := xml.Marshal(resp)
		if err == nil {
			w.Header().Set("Content-Type", "application/xml;charset=utf-8")
			_, _ = w.Write(append([]byte(xml.Header), b...))
			return
		}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		apierror.WriteError(w, r, err, reqID, "")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b)
}
