package casefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
)

// caseTime is the clock of the directories that assume_role and session
// cases build; sessions are issued at this instant and checked at it.
var caseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sessionAccount owns the role of a session case.
const sessionAccount = "1234567890123456"

// checkCaller validates the identity fields of an assume_role caller.
func (c *Case) checkCaller() error {
	cl := c.Caller
	if cl == nil {
		return nil
	}
	has := map[string]bool{"arn": cl.ARN != "", "service": cl.Service != "", "provider_arn": cl.ProviderARN != "", "session_name": cl.SessionName != ""}
	var need []string
	switch cl.Type {
	case "RamUser":
		need = []string{"arn"}
	case "RamRole":
		need = []string{"arn", "session_name"}
	case "Service":
		need = []string{"service"}
	case "Federated":
		need = []string{"provider_arn"}
	}
	for _, f := range []string{"arn", "service", "provider_arn", "session_name"} {
		wanted := false
		for _, n := range need {
			wanted = wanted || n == f
		}
		switch {
		case wanted && !has[f]:
			return fieldErr("caller", fmt.Sprintf("a %s caller needs %q", cl.Type, f))
		case !wanted && has[f]:
			return fieldErr("caller."+f, fmt.Sprintf("field %q does not belong to a %s caller", f, cl.Type))
		}
	}
	if (cl.Type == "Service" || cl.Type == "Federated") && c.CallerPolicies != nil {
		return fieldErr("caller_policies", fmt.Sprintf(`a %s caller has no identity policies; remove "caller_policies"`, cl.Type))
	}
	return nil
}

// attach creates each document as a custom policy of account uid and
// attaches it to target. Policies are named prefix-0, prefix-1, ...
func attach(dir *principal.Directory, uid string, target principal.ID, prefix string, docs []json.RawMessage) error {
	for i, doc := range docs {
		name := prefix + "-" + strconv.Itoa(i)
		if _, err := dir.CreatePolicy(uid, name, "", string(doc)); err != nil {
			return err
		}
		if err := dir.AttachPolicy(target, principal.Custom, name); err != nil {
			return err
		}
	}
	return nil
}

// ensureAccount creates account uid unless it exists.
func ensureAccount(dir *principal.Directory, uid string) error {
	if err := dir.CreateAccount(uid); err != nil && !errors.Is(err, principal.ErrExists) {
		return err
	}
	return nil
}

// runAssumeRole builds a directory holding the role and the caller, asks
// role.STS.AssumeRole, and reports Allow when it succeeds. When it refuses,
// the decision is ExplicitDeny if the trust policy or the caller's policies
// deny explicitly, else ImplicitDeny; those two component decisions are
// taken through the same public APIs AssumeRole uses and must agree with
// its verdict.
func (c *Case) runAssumeRole(r *Result) {
	if err := c.checkCaller(); err != nil {
		r.Err = err
		return
	}
	roleID, err := principal.Parse(c.RoleARN)
	if err != nil || roleID.Kind() != principal.KindRole {
		r.Err = fmt.Errorf("role_arn %q is not a role ARN (acs:ram::<uid>:role/<name>)", c.RoleARN)
		return
	}
	dir := principal.New(principal.Config{Clock: func() time.Time { return caseTime }})
	if err := ensureAccount(dir, roleID.Account()); err != nil {
		r.Err = err
		return
	}
	if _, err := dir.CreateRole(roleID.Account(), principal.RoleSpec{Name: roleID.Name(), TrustPolicy: string(c.TrustPolicy)}); err != nil {
		r.Err = fmt.Errorf("trust_policy: %w", err)
		return
	}
	caller, p, err := c.setupCaller(dir, roleID)
	if err != nil {
		r.Err = err
		return
	}

	ctx := new(evaluator.Context)
	externalID := ""
	for k, v := range c.Context {
		if sameKey(k, role.KeyExternalID) { // any spelling of the key (spec §13 D23)
			if len(v) != 1 {
				r.Err = fmt.Errorf("context key %s takes one value (AssumeRole's ExternalId)", k)
				return
			}
			externalID = v[0]
			continue
		}
		ctx.Set(k, v...)
	}
	_, aerr := role.New(dir).AssumeRole(role.AssumeRoleInput{
		Caller: caller, RoleARN: roleID.String(), RoleSessionName: "casefile",
		ExternalID: externalID, Context: ctx,
	})
	if aerr != nil && !errors.Is(aerr, role.ErrNoPermission) {
		r.Err = aerr
		return
	}

	// The two sides, for the kind of denial and the explanation. AssumeRole
	// only read ctx (spec §13 D27); the trust policy saw ExternalId as
	// sts:ExternalId, so add it here the same way.
	if externalID != "" {
		ctx.Set(role.KeyExternalID, externalID)
	}
	req := evaluator.Request{Action: role.ActionAssumeRole, Resource: roleID.String(), Context: ctx}
	rt, err := dir.RoleTrust(roleID)
	if err != nil {
		r.Err = err
		return
	}
	treq := req
	treq.Principal = p
	trust := rt.Trust.Explain(treq)
	idDec := evaluator.Allow
	idText := "not consulted (" + c.Caller.Type + " caller)"
	if c.Caller.Type == "RamUser" || c.Caller.Type == "RamRole" {
		x, err := dir.Explain(caller, req)
		if err != nil {
			r.Err = err
			return
		}
		idDec, idText = x.Decision, strings.TrimRight(x.String(), "\n")
	}
	var b strings.Builder
	if aerr != nil {
		b.WriteString("AssumeRole: " + aerr.Error() + "\n")
	}
	b.WriteString("trust policy: " + strings.TrimRight(trust.String(), "\n") + "\n")
	b.WriteString("caller's policies: " + idText + "\n")
	r.Detail = b.String()

	bothAllow := trust.Decision == evaluator.Allow && idDec == evaluator.Allow
	switch {
	case aerr == nil && !bothAllow, aerr != nil && bothAllow:
		r.Err = fmt.Errorf("AssumeRole (err=%v) disagrees with its parts: trust %s, caller %s", aerr, trust.Decision, idDec)
		return
	case aerr == nil:
		r.Got = evaluator.Allow.String()
	case trust.Decision == evaluator.ExplicitDeny || idDec == evaluator.ExplicitDeny:
		r.Got = evaluator.ExplicitDeny.String()
	default:
		r.Got = evaluator.ImplicitDeny.String()
	}
	r.Pass = r.Got == r.Expected
}

// setupCaller creates the caller in dir and returns the string AssumeRole
// takes and the principal the trust policy sees.
func (c *Case) setupCaller(dir *principal.Directory, target principal.ID) (string, evaluator.Principal, error) {
	cl := c.Caller
	switch cl.Type {
	case "Service":
		id, err := principal.Parse(cl.Service)
		if err != nil || id.Kind() != principal.KindService {
			return "", evaluator.Principal{}, fmt.Errorf("caller service %q is not a service name", cl.Service)
		}
		return id.String(), evaluator.Principal{Type: evaluator.PrincipalService, AccountID: cl.AccountID, ARN: id.String()}, nil
	case "Federated":
		id, err := principal.Parse(cl.ProviderARN)
		if err != nil || (id.Kind() != principal.KindSAMLProvider && id.Kind() != principal.KindOIDCProvider) {
			return "", evaluator.Principal{}, fmt.Errorf("caller provider_arn %q is not a saml-provider or oidc-provider ARN", cl.ProviderARN)
		}
		return id.String(), evaluator.Principal{Type: evaluator.PrincipalFederated, AccountID: id.Account(), ARN: id.String()}, nil
	}
	id, err := principal.Parse(cl.ARN)
	want := principal.KindUser
	if cl.Type == "RamRole" {
		want = principal.KindRole
	}
	if err != nil || id.Kind() != want {
		return "", evaluator.Principal{}, fmt.Errorf("caller arn %q is not a %s ARN", cl.ARN, want)
	}
	uid := id.Account()
	if cl.AccountID != "" && cl.AccountID != uid {
		return "", evaluator.Principal{}, fmt.Errorf("caller account_id %s differs from the account of %s", cl.AccountID, cl.ARN)
	}
	if err := ensureAccount(dir, uid); err != nil {
		return "", evaluator.Principal{}, err
	}
	if cl.Type == "RamUser" {
		if _, err := dir.CreateUser(uid, id.Name()); err != nil {
			return "", evaluator.Principal{}, err
		}
		if err := attach(dir, uid, id, "caller-policy", c.CallerPolicies); err != nil {
			return "", evaluator.Principal{}, fmt.Errorf("caller_policies: %w", err)
		}
		return id.String(), evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: uid, ARN: id.String()}, nil
	}
	// RamRole: a session of the caller's role. How that session came to
	// be is not what the case tests, so it is recorded directly.
	if id == target {
		return "", evaluator.Principal{}, errors.New("the caller's role is the role to assume")
	}
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + uid + `:root"]}}]}`
	if _, err := dir.CreateRole(uid, principal.RoleSpec{Name: id.Name(), TrustPolicy: trust}); err != nil {
		return "", evaluator.Principal{}, err
	}
	if err := attach(dir, uid, id, "caller-policy", c.CallerPolicies); err != nil {
		return "", evaluator.Principal{}, fmt.Errorf("caller_policies: %w", err)
	}
	// An account root cannot hold a session (it cannot call AssumeRole), so
	// the session is recorded as assumed by a service.
	via := principal.MustParse("ecs.aliyuncs.com")
	cred, err := dir.CreateSession(principal.SessionSpec{Role: id, Name: cl.SessionName, Caller: via,
		Duration: principal.DefaultSessionDuration}, dir.Generation())
	if err != nil {
		return "", evaluator.Principal{}, fmt.Errorf("caller session: %w", err)
	}
	return cred.ARN.String(), evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: uid, ARN: id.String()}, nil
}

// runSession creates a role with the case's policies, assumes it through
// role.STS.AssumeRole (with the session policy, if any) as a user allowed
// to, and decides the request for the new session with
// principal.Directory.Authorize.
func (c *Case) runSession(r *Result) {
	dir := principal.New(principal.Config{Clock: func() time.Time { return caseTime }})
	const uid = sessionAccount
	if err := dir.CreateAccount(uid); err != nil {
		r.Err = err
		return
	}
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + uid + `:root"]}}]}`
	info, err := dir.CreateRole(uid, principal.RoleSpec{Name: "case-role", TrustPolicy: trust})
	if err != nil {
		r.Err = err
		return
	}
	if err := attach(dir, uid, info.ID, "role-policy", c.RolePolicies); err != nil {
		r.Err = fmt.Errorf("role_policies: %w", err)
		return
	}
	u, err := dir.CreateUser(uid, "case-caller")
	if err != nil {
		r.Err = err
		return
	}
	if err := dir.AttachPolicy(u.ID, principal.System, "AliyunSTSAssumeRoleAccess"); err != nil {
		r.Err = err
		return
	}
	sessionPolicy := ""
	if !isNull(c.SessionPolicy) {
		sessionPolicy = string(c.SessionPolicy)
	}
	out, err := role.New(dir).AssumeRole(role.AssumeRoleInput{
		Caller: u.ID.String(), RoleARN: info.ID.String(), RoleSessionName: "case-session",
		Policy: sessionPolicy,
	})
	if err != nil {
		r.Err = fmt.Errorf("AssumeRole: %w", err)
		return
	}
	req := c.Request.EvalRequest()
	who := out.AssumedRoleUser.ARN.String()
	d, err := dir.Authorize(who, req)
	if err != nil {
		r.Err = err
		return
	}
	x, err := dir.Explain(who, req)
	if err != nil {
		r.Err = err
		return
	}
	r.Got, r.Detail = d.String(), x.String()
	if x.Decision != d {
		r.Err = fmt.Errorf("Explain decided %s but Authorize decided %s", x.Decision, d)
		return
	}
	r.Pass = r.Got == r.Expected
}
