package hardening

import (
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// FuzzAuthorizePrincipal feeds arbitrary identifiers, AccessKeyIds,
// SecurityTokens and requests to a directory in which user u0 and a
// session of role r0 are allowed everything. Whatever the input, no entry
// point panics, an error comes with ImplicitDeny (and, from the directory,
// is a *directory.Error), and an Allow goes to u0, its account's root or
// the session only, named by a form that identifies them: u0's access key,
// the session's AccessKeyId with its own SecurityToken, or an identifier
// that principal.Parse reads as exactly u0 or the root (aliases such as
// acs:ram:*:... are fine; trailing bytes, other cases or other accounts
// are not). A session ARN is not a credential: it is never allowed.
func FuzzAuthorizePrincipal(f *testing.F) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir, sess, key := allowAllDirectory(f, &now, directory.Limits{})
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u0")
	root := principal.MustParse("acs:ram::" + acct + ":root")
	seeds := []string{
		u0.String(), "acs:ram:*:" + acct + ":user/u0", key.ID, sess.AccessKey, sess.ARN.String(),
		"acs:sts::" + acct + ":assumed-role/r0/s1", "arn:sts::" + acct + ":assumed-role/r0/s1",
		root.String(), "acs:ram::" + acct + ":role/r0", u0.String() + "\x00", "ecs.aliyuncs.com", "",
	}
	for _, s := range seeds {
		f.Add(s, sess.Token, "ecs:RunInstances", "acs:ecs:cn-hangzhou:"+acct+":instance/i-1")
		f.Add(s, sess.Token[:len(sess.Token)/2], "ecs:RunInstances", "*")
	}
	f.Fuzz(func(t *testing.T, who, token, action, resource string) {
		r := evaluator.Request{Action: action, Resource: resource}
		dec, err := authorizeAs(dir, who, token, r)
		if err != nil {
			if dec != evaluator.ImplicitDeny {
				t.Fatalf("authorize(%q) = %v with error %v", who, dec, err)
			}
			if _, perr := principal.Parse(who); perr == nil && !isDirectoryError(err) {
				t.Fatalf("authorize(%q): error %T is not a *directory.Error", who, err)
			}
			return
		}
		if dec != evaluator.Allow {
			return
		}
		switch who {
		case key.ID:
			return
		case sess.AccessKey:
			if token != sess.Token {
				t.Fatalf("the session was allowed with a token %q that is not its own", token)
			}
			return
		}
		id, perr := principal.Parse(who)
		switch {
		case perr == nil && id == u0:
		case perr == nil && id == root:
			// The account root is allowed on its own account's resources.
		default:
			t.Fatalf("authorize(%q) allowed %q on %q, but the string names %v (%v)", who, action, resource, id, perr)
		}
	})
}
