package hardening

import (
	"errors"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// FuzzAuthorizePrincipal feeds arbitrary principal strings and requests to
// a directory in which user u0 and a session of role r0 are allowed
// everything. Whatever the input, Authorize must not panic, an error must
// come with ImplicitDeny, and an Allow must go to u0 or the session only,
// named by a form that identifies them: their access keys, or an
// identifier that principal.Parse reads as exactly that user or session
// (aliases such as acs:ram:*:... or acs:sts::...:assumed-role/... are
// fine; trailing bytes, other cases or other accounts are not).
func FuzzAuthorizePrincipal(f *testing.F) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir, sess := allowAllDirectory(f, &now, principal.Limits{})
	key, err := dir.CreateAccessKey(acct, "u0")
	if err != nil {
		f.Fatal(err)
	}
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u0")
	seeds := []string{
		u0.String(), "acs:ram:*:" + acct + ":user/u0", key.ID, sess.AccessKeyID, sess.ARN.String(),
		"acs:sts::" + acct + ":assumed-role/r0/s1", "arn:sts::" + acct + ":assumed-role/r0/s1",
		"acs:ram::" + acct + ":root", "acs:ram::" + acct + ":role/r0", u0.String() + "\x00", "ecs.aliyuncs.com", "",
	}
	for _, s := range seeds {
		f.Add(s, "ecs:RunInstances", "acs:ecs:cn-hangzhou:"+acct+":instance/i-1")
	}
	f.Fuzz(func(t *testing.T, who, action, resource string) {
		r := evaluator.Request{Action: action, Resource: resource}
		dec, err := dir.Authorize(who, r)
		if err != nil {
			if dec != evaluator.ImplicitDeny {
				t.Fatalf("Authorize(%q) = %v with error %v", who, dec, err)
			}
			var pe *principal.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Authorize(%q): error %T is not a *principal.Error", who, err)
			}
			return
		}
		if dec != evaluator.Allow {
			return
		}
		if who == key.ID || who == sess.AccessKeyID {
			return
		}
		id, perr := principal.Parse(who)
		switch {
		case perr == nil && id == u0:
		case perr == nil && id == sess.ARN:
		case perr == nil && id == principal.MustParse("acs:ram::"+acct+":root"):
			// The account root is allowed on its own account's resources.
		default:
			t.Fatalf("Authorize(%q) allowed %q on %q, but the string names %v (%v)", who, action, resource, id, perr)
		}
	})
}
