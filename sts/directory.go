package sts

import (
	"errors"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/principal"
)

// DirectoryRoles is the AssumeRoler of a *directory.Directory: each call is
// directory.Directory.AssumeRole, decided on one revision of the directory
// (the role's trust policy AND the caller's identity policies, spec §6.3,
// and the account boundary of D24). A caller that signed with a RAM user's
// AccessKey assumes the role as that user; one that signed with a role
// session's credentials chains from that session. Nothing is remembered
// here: the session lives in its sealed SecurityToken, which
// signature.DirectoryCredentials opens on the next request.
//
// Errors: the *directory.AssumeRoleError of AssumeRole (the handler writes
// its Code; one with code InvalidParameter.RoleArn when RoleArn is not a
// role's ARN), or, for a nil Directory or a nil Caller, an error the
// handler writes as InternalError.
//
// A DirectoryRoles is safe for concurrent use (the directory is).
type DirectoryRoles struct {
	Directory *directory.Directory
}

var _ AssumeRoler = DirectoryRoles{}

// errNoDirectory refuses calls on a DirectoryRoles without a Directory or
// without a verified caller; the handler writes it as InternalError.
var errNoDirectory = errors.New("sts: DirectoryRoles needs a Directory and a verified Caller")

// AssumeRole implements AssumeRoler.
func (d DirectoryRoles) AssumeRole(in AssumeRoleInput) (AssumeRoleOutput, error) {
	if d.Directory == nil || in.Caller == nil {
		return AssumeRoleOutput{}, errNoDirectory
	}
	roleID, err := principal.Parse(in.RoleArn)
	if err != nil || roleID.Kind() != principal.KindRole {
		return AssumeRoleOutput{}, &directory.AssumeRoleError{Code: directory.CodeInvalidRoleArn,
			Msg: "the role must be acs:ram::<uid>:role/<name>", Cause: err}
	}
	din := directory.AssumeRoleInput{Role: roleID, SessionName: in.RoleSessionName,
		DurationSeconds: in.DurationSeconds, Policy: in.Policy, ExternalID: in.ExternalID, Context: in.Context}
	if in.Caller.SecurityToken != "" {
		din.CallerSession = directory.SessionCredentials{AccessKeyID: in.Caller.AccessKeyID, SecurityToken: in.Caller.SecurityToken}
	} else {
		din.Caller = in.Caller.Principal
	}
	out, err := d.Directory.AssumeRole(din)
	if err != nil {
		return AssumeRoleOutput{}, err
	}
	c := out.Credentials
	return AssumeRoleOutput{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret.Reveal(),
		SecurityToken: c.SecurityToken.Reveal(), Expiration: c.Expiration, Arn: out.Session.String(),
		AssumedRoleID: out.AssumedRoleID}, nil
}
