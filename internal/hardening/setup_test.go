package hardening

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// Fixtures on package directory, the identity state every consumer now
// uses.

const acct = "1234567890123456"

// trustRoot trusts the account acct (its root and the users it allows).
const trustRoot = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::` + acct + `:root"}}]}`

const allowAllDoc = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// allowAll is the custom policy "All" (allowAllDoc).
var allowAll = directory.PolicyRef{Type: directory.PolicyCustom, Name: "All"}

// session is a role session's ARN and credentials as AssumeRole returned
// them.
type session struct {
	ARN        principal.ID
	AccessKey  string
	Token      string
	Expiration time.Time
}

// allowAllDirectory has user u0 allowed everything (with access key key),
// role r0 (trusting the account) allowed everything, and one session of r0
// assumed by u0 for 900 seconds.
func allowAllDirectory(t testing.TB, now *time.Time, limits directory.Limits) (*directory.Directory, session, directory.NewAccessKey) {
	t.Helper()
	dir := directory.MustNew(directory.Options{Clock: func() time.Time { return *now }, Limits: limits})
	must := func(_ directory.Revision, err error) { t.Helper(); require.NoError(t, err) }
	must(dir.CreateAccount(acct))
	must(dir.CreatePolicy(acct, directory.PolicySpec{Name: "All", Document: allowAllDoc}))
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u0")
	must(dir.CreateUser(u0))
	must(dir.AttachPolicy(u0, allowAll))
	r0 := principal.MustParse("acs:ram::" + acct + ":role/r0")
	must(dir.CreateRole(r0, directory.RoleSpec{TrustPolicy: trustRoot, Policies: []directory.PolicyRef{allowAll}}))
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: u0, Role: r0, SessionName: "s1", DurationSeconds: 900})
	require.NoError(t, err)
	key, _, err := dir.CreateAccessKey(u0)
	require.NoError(t, err)
	return dir, sessionOf(out), key
}

func sessionOf(out directory.AssumeRoleOutput) session {
	return session{ARN: out.Session, AccessKey: out.Credentials.AccessKeyID,
		Token: out.Credentials.SecurityToken.Reveal(), Expiration: out.Credentials.Expiration}
}

// authorizeAs decides r for who the way a service does with what a request
// carried: an STS AccessKeyId with the given SecurityToken
// (AuthorizeSession), another AccessKeyId (AuthorizeAccessKey), or an
// identifier (principal.Parse, then Authorize). A string that does not
// parse is refused here with the parse error.
func authorizeAs(dir *directory.Directory, who, token string, r evaluator.Request) (evaluator.Decision, error) {
	var (
		res directory.Result
		err error
	)
	switch {
	case strings.HasPrefix(who, "STS."):
		res, err = dir.AuthorizeSession(who, token, r)
	case strings.HasPrefix(who, "LTAI"):
		res, err = dir.AuthorizeAccessKey(who, r)
	default:
		id, perr := principal.Parse(who)
		if perr != nil {
			return evaluator.ImplicitDeny, perr
		}
		res, err = dir.Authorize(id, r)
	}
	return res.Decision, err
}

// isDirectoryError reports whether err is a *directory.Error (every
// decision-path error of the directory is one).
func isDirectoryError(err error) bool {
	var de *directory.Error
	return errors.As(err, &de)
}
