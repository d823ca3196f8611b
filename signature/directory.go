package signature

import (
	"errors"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// DirectoryCredentials is the Credentials of a *directory.Directory: the
// directory keeps access-key secrets sealed and session credentials in
// sealed SecurityTokens, and unseals them for each lookup, so deactivating
// or deleting a key, deleting a user or role, RevokeSessions and token-key
// retirement take effect on the next request.
//
// The directory's refusals map to this package's sentinels, and so to the
// API codes credential providers and SDKs act on:
//
//	directory.ErrKeyNotFound      -> ErrKeyNotFound    InvalidAccessKeyId.NotFound
//	directory.ErrKeyInactive      -> ErrKeyInactive    InvalidAccessKeyId.Inactive
//	directory.ErrTokenMalformed   -> ErrTokenMalformed InvalidSecurityToken.Malformed
//	directory.ErrTokenExpired     -> ErrTokenExpired   InvalidSecurityToken.Expired
//	directory.ErrTokenRevoked     -> ErrTokenExpired   InvalidSecurityToken.Expired
//	directory.ErrTokenKeyMismatch -> ErrTokenMismatch  InvalidSecurityToken.MismatchWithAccessKey
//
// A revoked session (its role deleted or re-created, or cut off by
// RevokeSessions) reads as expired because that is the one code on which
// credential providers fetch new credentials. Any other directory error
// (such as directory.ErrSealed, a key-encryption key that does not open
// the secret) or a nil Directory is ErrUnavailable. The returned errors
// wrap both the sentinel of this package and the directory's *Error.
//
// A DirectoryCredentials is safe for concurrent use (the directory is).
type DirectoryCredentials struct {
	Directory *directory.Directory
}

var _ Credentials = DirectoryCredentials{}

// errNoDirectory is the cause of ErrUnavailable for a nil Directory.
var errNoDirectory = errors.New("signature: DirectoryCredentials has no Directory (or no Identity)")

// directoryErrors maps the directory's sentinels to this package's.
var directoryErrors = [...]struct{ from, to error }{
	{directory.ErrKeyNotFound, ErrKeyNotFound},
	{directory.ErrKeyInactive, ErrKeyInactive},
	{directory.ErrTokenMalformed, ErrTokenMalformed},
	{directory.ErrTokenExpired, ErrTokenExpired},
	{directory.ErrTokenRevoked, ErrTokenExpired},
	{directory.ErrTokenKeyMismatch, ErrTokenMismatch},
}

// fromDirectory wraps a directory error with this package's sentinel.
func fromDirectory(err error) error {
	for _, m := range directoryErrors {
		if errors.Is(err, m.from) {
			return errors.Join(m.to, err)
		}
	}
	return errors.Join(ErrUnavailable, err)
}

// AccessKeySecret implements Credentials with
// directory.Directory.AccessKeySecret: the owning RAM user and the
// unsealed secret of an active access key.
// Errors: ErrKeyNotFound, ErrKeyInactive, ErrUnavailable (see the type's
// doc), each joined with the directory's error.
func (c DirectoryCredentials) AccessKeySecret(accessKeyID string) (principal.ID, string, error) {
	if c.Directory == nil {
		return principal.ID{}, "", errors.Join(ErrUnavailable, errNoDirectory)
	}
	owner, secret, err := c.Directory.AccessKeySecret(accessKeyID)
	if err != nil {
		return principal.ID{}, "", fromDirectory(err)
	}
	return owner, secret, nil
}

// SessionCredential implements Credentials with
// directory.Directory.SessionCredential: the role session
// (acs:ram::<uid>:role/<role>/<session>) and its unsealed secret.
// Errors: ErrTokenMalformed, ErrTokenExpired (also for a revoked session),
// ErrTokenMismatch, ErrUnavailable (see the type's doc), each joined with
// the directory's error.
func (c DirectoryCredentials) SessionCredential(accessKeyID, securityToken string) (principal.ID, string, error) {
	if c.Directory == nil {
		return principal.ID{}, "", errors.Join(ErrUnavailable, errNoDirectory)
	}
	id, secret, err := c.Directory.SessionCredential(accessKeyID, securityToken)
	if err != nil {
		return principal.ID{}, "", fromDirectory(err)
	}
	return id, secret, nil
}

// Authorize decides req with the directory for the identity Verify
// returned: a RAM user by its ID (directory.Directory.Authorize), a role
// session by its credentials, AccessKeyId and SecurityToken
// (directory.Directory.AuthorizeSession). Set req.Context from
// id.Context() first to give policies the request's keys. A nil id or
// Directory is an ImplicitDeny with ErrUnavailable.
// Errors (with ImplicitDeny): those of the directory call.
func (c DirectoryCredentials) Authorize(id *Identity, req evaluator.Request) (directory.Result, error) {
	switch {
	case c.Directory == nil || id == nil:
		return directory.Result{Decision: evaluator.ImplicitDeny}, errors.Join(ErrUnavailable, errNoDirectory)
	case id.SecurityToken != "":
		return c.Directory.AuthorizeSession(id.AccessKeyID, id.SecurityToken, req)
	}
	return c.Directory.Authorize(id.Principal, req)
}

// Explain is Authorize with reasons (directory.Directory.Explain or
// ExplainSession): the layer that decided and, for the policy layers, the
// evaluator's explanation. It is a cold path, for refusals.
// Errors: as Authorize.
func (c DirectoryCredentials) Explain(id *Identity, req evaluator.Request) (directory.Explanation, error) {
	switch {
	case c.Directory == nil || id == nil:
		var x directory.Explanation
		x.Decision = evaluator.ImplicitDeny
		return x, errors.Join(ErrUnavailable, errNoDirectory)
	case id.SecurityToken != "":
		return c.Directory.ExplainSession(id.AccessKeyID, id.SecurityToken, req)
	}
	return c.Directory.Explain(id.Principal, req)
}
