package signature

import (
	"errors"
	"net/http"
)

// Sentinels that every *Error unwraps to. Each one has one Alibaba Cloud
// error code (Error.Code) and one HTTP status (Error.HTTPStatus), listed here
// as "code, status".
var (
	// ErrIncomplete: the request is not a well-formed signed request: a
	// required header or parameter is missing or repeated, the Authorization
	// header does not parse, the algorithm or signature version is not one
	// this package verifies (ACS3-HMAC-SM3, ACS4-*), the query does not
	// decode, a V1 POST carries a body that is not a form, a V1 request is
	// sent to a path outside Config.V1Paths, or a ROA request carries a
	// body without Content-MD5 or a query that is ambiguous once unencoded.
	// "IncompleteSignature", 400.
	ErrIncomplete = errors.New("incomplete or malformed signature")
	// ErrUnsignedHeader: a V3 request carries an x-acs-* header (or
	// content-type) that SignedHeaders does not cover, or a V1 request
	// carries x-acs-action, x-acs-version or x-acs-security-token that
	// disagree with the signed parameters. "IncompleteSignature", 400.
	ErrUnsignedHeader = errors.New("header not covered by the signature")
	// ErrSignatureMismatch: the signature is not the one the key's secret
	// produces for this request. "SignatureDoesNotMatch", 400.
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrBodyHash: a V3 request's body does not hash to its signed
	// x-acs-content-sha256, or a ROA request's to its signed Content-MD5.
	// "SignatureDoesNotMatch", 400.
	ErrBodyHash = errors.New("body does not match x-acs-content-sha256")
	// ErrBodyTooLarge: the body is longer than Config.MaxBodyBytes.
	// "RequestEntityTooLarge", 413.
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrKeyNotFound: no AccessKey has this ID. "InvalidAccessKeyId.NotFound", 404.
	ErrKeyNotFound = errors.New("access key not found")
	// ErrKeyInactive: the AccessKey is disabled. "InvalidAccessKeyId.Inactive", 400.
	ErrKeyInactive = errors.New("access key is inactive")
	// ErrTimestampFormat: x-acs-date or Timestamp is not
	// yyyy-MM-ddTHH:mm:ssZ in UTC, or a ROA request's Date is not an HTTP
	// date (http.TimeFormat). "InvalidTimeStamp.Format", 400.
	ErrTimestampFormat = errors.New("malformed timestamp")
	// ErrTimestampExpired: the request's time is further than the allowed
	// window (Config.MaxSkew) from the verifier's clock. "InvalidTimeStamp.Expired", 400.
	ErrTimestampExpired = errors.New("timestamp outside the allowed window")
	// ErrNonceUsed: the AccessKey already sent this nonce within the window,
	// or the request is no later than one the bounded nonce cache had to
	// forget for this AccessKey (see Config.MaxNonces). "SignatureNonceUsed", 400.
	ErrNonceUsed = errors.New("signature nonce already used")
	// ErrTokenExpired: the security token's session expired or was revoked
	// (RevokeSessions, role deleted). Credential providers refresh on
	// exactly this code. "InvalidSecurityToken.Expired", 400.
	ErrTokenExpired = errors.New("security token expired")
	// ErrTokenMismatch: the security token belongs to another AccessKeyId.
	// "InvalidSecurityToken.MismatchWithAccessKey", 400.
	ErrTokenMismatch = errors.New("security token does not belong to the access key")
	// ErrTokenMalformed: the security token is not one that was issued, or
	// an STS AccessKeyId came without one. "InvalidSecurityToken.Malformed", 400.
	ErrTokenMalformed = errors.New("security token malformed")
	// ErrUnavailable: the credential source failed for another reason; the
	// request is refused. "ServiceUnavailable", 503.
	ErrUnavailable = errors.New("credential source unavailable")
)

// codes maps each sentinel to its Alibaba Cloud code and HTTP status.
var codes = map[error]struct {
	code   string
	status int
}{
	ErrIncomplete:        {"IncompleteSignature", http.StatusBadRequest},
	ErrUnsignedHeader:    {"IncompleteSignature", http.StatusBadRequest},
	ErrSignatureMismatch: {"SignatureDoesNotMatch", http.StatusBadRequest},
	ErrBodyHash:          {"SignatureDoesNotMatch", http.StatusBadRequest},
	ErrBodyTooLarge:      {"RequestEntityTooLarge", http.StatusRequestEntityTooLarge},
	ErrKeyNotFound:       {"InvalidAccessKeyId.NotFound", http.StatusNotFound},
	ErrKeyInactive:       {"InvalidAccessKeyId.Inactive", http.StatusBadRequest},
	ErrTimestampFormat:   {"InvalidTimeStamp.Format", http.StatusBadRequest},
	ErrTimestampExpired:  {"InvalidTimeStamp.Expired", http.StatusBadRequest},
	ErrNonceUsed:         {"SignatureNonceUsed", http.StatusBadRequest},
	ErrTokenExpired:      {"InvalidSecurityToken.Expired", http.StatusBadRequest},
	ErrTokenMismatch:     {"InvalidSecurityToken.MismatchWithAccessKey", http.StatusBadRequest},
	ErrTokenMalformed:    {"InvalidSecurityToken.Malformed", http.StatusBadRequest},
	ErrUnavailable:       {"ServiceUnavailable", http.StatusServiceUnavailable},
}

// Error is a refused request: what was wrong (Err, one of the sentinels
// above), the Alibaba Cloud error code and HTTP status a client expects for
// it, and details for people. Cause, when set, is the credential source's
// own error.
type Error struct {
	Err   error  // one of the sentinels of this package
	Code  string // such as "SignatureDoesNotMatch"
	Msg   string // details for people; never contains a secret
	Cause error  // the credential source's error, or nil
}

func refuse(sentinel error, msg string) *Error {
	return &Error{Err: sentinel, Code: codes[sentinel].code, Msg: msg}
}

// Error formats the error as "Code: message".
func (e *Error) Error() string {
	s := e.Code + ": " + e.Err.Error()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// ErrorCode returns the Alibaba Cloud error code (package apierror renders
// it).
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatus returns the HTTP status of the refusal.
func (e *Error) HTTPStatus() int {
	if c, ok := codes[e.Err]; ok {
		return c.status
	}
	return http.StatusBadRequest
}

// ErrorMessage returns the message a client sees: the sentinel's text and
// the details.
func (e *Error) ErrorMessage() string {
	if e.Msg != "" {
		return e.Err.Error() + ": " + e.Msg
	}
	return e.Err.Error()
}
