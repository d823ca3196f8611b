package casefile

import "errors"

// errNoRoles is returned until assume_role and session cases are wired to
// the role package.
var errNoRoles = errors.New("assume_role and session cases are not supported yet")

func (c *Case) runAssumeRole(r *Result) { r.Err = errNoRoles }

func (c *Case) runSession(r *Result) { r.Err = errNoRoles }
