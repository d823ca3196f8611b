package casefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
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
func attach(dir *directory.Directory, uid string, target principal.ID, prefix string, docs []json.RawMessage) error {
	for i, doc := range docs {
		name := prefix + "-" + strconv.Itoa(i)
		if _, err := dir.CreatePolicy(uid, directory.PolicySpec{Name: name, Document: string(doc)}); err != nil {
			return err
		}
		if _, err := dir.AttachPolicy(target, directory.PolicyRef{Type: directory.PolicyCustom, Name: name}); err != nil {
			return err
		}
	}
	return nil
}

// ensureAccount creates account uid unless it exists.
func ensureAccount(dir *directory.Directory, uid string) error {
	if _, err := dir.CreateAccount(uid); err != nil && !errors.Is(err, directory.ErrExists) {
		return err
	}
	return nil
}

func newCaseDirectory() (*directory.Directory, error) {
	return directory.New(directory.Options{Clock: func() time.Time { return caseTime }})
}

// runAssumeRole builds a directory holding the role and the caller, asks
// directory.AssumeRole, and reports Allow when it succeeds. When it
// refuses, its *directory.AssumeRoleError says whether the refusing side
// denied explicitly (ExplicitDeny) or not (ImplicitDeny); the detail is
// ExplainAssumeRole's account of both sides, which must agree.
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
	dir, err := newCaseDirectory()
	if err != nil {
		r.Err = err
		return
	}
	if err := ensureAccount(dir, roleID.Account()); err != nil {
		r.Err = err
		return
	}
	if _, err := dir.CreateRole(roleID, directory.RoleSpec{TrustPolicy: string(c.TrustPolicy)}); err != nil {
		r.Err = fmt.Errorf("trust_policy: %w", err)
		return
	}
	in, err := c.setupCaller(dir, roleID)
	if err != nil {
		r.Err = err
		return
	}
	ctx := new(evaluator.Context)
	for k, v := range c.Context {
		if sameKey(k, directory.KeyExternalID) { // any spelling of the key (spec §13 D23)
			if len(v) != 1 {
				r.Err = fmt.Errorf("context key %s takes one value (AssumeRole's ExternalId)", k)
				return
			}
			in.ExternalID = v[0]
			continue
		}
		ctx.Set(k, v...)
	}
	in.Role, in.SessionName, in.Context = roleID, "casefile", ctx
	_, aerr := dir.AssumeRole(in)
	if aerr != nil && !errors.Is(aerr, directory.ErrNoPermission) {
		r.Err = aerr
		return
	}
	x, err := dir.ExplainAssumeRole(in)
	if err != nil {
		r.Err = err
		return
	}
	idText := "not consulted (" + c.Caller.Type + " caller)"
	if x.IdentityConsulted {
		idText = strings.TrimRight(x.Identity.String(), "\n")
	}
	var b strings.Builder
	if aerr != nil {
		b.WriteString("AssumeRole: " + aerr.Error() + "\n")
	}
	b.WriteString("trust policy: " + strings.TrimRight(x.Trust.String(), "\n") + "\n")
	b.WriteString("caller's policies: " + idText + "\n")
	r.Detail = b.String()

	got := evaluator.Allow
	var refusal *directory.AssumeRoleError
	if errors.As(aerr, &refusal) {
		got = evaluator.ImplicitDeny
		if refusal.Explicit {
			got = evaluator.ExplicitDeny
		}
	}
	if got != x.Decision {
		r.Err = fmt.Errorf("AssumeRole (err=%v) disagrees with ExplainAssumeRole (%s)", aerr, x.Decision)
		return
	}
	r.Got = got.String()
	r.Pass = r.Got == r.Expected
}

// setupCaller creates the caller in dir and returns the AssumeRole input
// naming it (Caller, or CallerSession for a role session).
func (c *Case) setupCaller(dir *directory.Directory, target principal.ID) (directory.AssumeRoleInput, error) {
	var in directory.AssumeRoleInput
	cl := c.Caller
	switch cl.Type {
	case "Service":
		id, err := principal.Parse(cl.Service)
		if err != nil || id.Kind() != principal.KindService {
			return in, fmt.Errorf("caller service %q is not a service name", cl.Service)
		}
		in.Caller = id
		return in, nil
	case "Federated":
		id, err := principal.Parse(cl.ProviderARN)
		if err != nil || (id.Kind() != principal.KindSAMLProvider && id.Kind() != principal.KindOIDCProvider) {
			return in, fmt.Errorf("caller provider_arn %q is not a saml-provider or oidc-provider ARN", cl.ProviderARN)
		}
		in.Caller = id
		return in, nil
	}
	id, err := principal.Parse(cl.ARN)
	want := principal.KindUser
	if cl.Type == "RamRole" {
		want = principal.KindRole
	}
	if err != nil || id.Kind() != want {
		return in, fmt.Errorf("caller arn %q is not a %s ARN", cl.ARN, want)
	}
	uid := id.Account()
	if cl.AccountID != "" && cl.AccountID != uid {
		return in, fmt.Errorf("caller account_id %s differs from the account of %s", cl.AccountID, cl.ARN)
	}
	if err := ensureAccount(dir, uid); err != nil {
		return in, err
	}
	if cl.Type == "RamUser" {
		if _, err := dir.CreateUser(id); err != nil {
			return in, err
		}
		if err := attach(dir, uid, id, "caller-policy", c.CallerPolicies); err != nil {
			return in, fmt.Errorf("caller_policies: %w", err)
		}
		in.Caller = id
		return in, nil
	}
	// RamRole: a session of the caller's role. How that session came to
	// be is not what the case tests: the role trusts a cloud service,
	// which assumes it (an account root cannot hold a session).
	if id == target {
		return in, errors.New("the caller's role is the role to assume")
	}
	const via = "ecs.aliyuncs.com"
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["` + via + `"]}}]}`
	if _, err := dir.CreateRole(id, directory.RoleSpec{TrustPolicy: trust}); err != nil {
		return in, err
	}
	if err := attach(dir, uid, id, "caller-policy", c.CallerPolicies); err != nil {
		return in, fmt.Errorf("caller_policies: %w", err)
	}
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: principal.MustParse(via), Role: id, SessionName: cl.SessionName})
	if err != nil {
		return in, fmt.Errorf("caller session: %w", err)
	}
	in.CallerSession = directory.SessionCredentials{AccessKeyID: out.Credentials.AccessKeyID,
		SecurityToken: out.Credentials.SecurityToken.Reveal()}
	return in, nil
}

// runSession creates a role with the case's policies, assumes it through
// directory.AssumeRole (with the session policy, if any) as a user allowed
// to, and decides the request for the new session by its credentials with
// directory.AuthorizeSession.
func (c *Case) runSession(r *Result) {
	dir, err := newCaseDirectory()
	if err != nil {
		r.Err = err
		return
	}
	const uid = sessionAccount
	if _, err := dir.CreateAccount(uid); err != nil {
		r.Err = err
		return
	}
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + uid + `:root"]}}]}`
	roleID := principal.MustParse("acs:ram::" + uid + ":role/case-role")
	if _, err := dir.CreateRole(roleID, directory.RoleSpec{TrustPolicy: trust}); err != nil {
		r.Err = err
		return
	}
	if err := attach(dir, uid, roleID, "role-policy", c.RolePolicies); err != nil {
		r.Err = fmt.Errorf("role_policies: %w", err)
		return
	}
	caller := principal.MustParse("acs:ram::" + uid + ":user/case-caller")
	if _, err := dir.CreateUser(caller); err != nil {
		r.Err = err
		return
	}
	if _, err := dir.AttachPolicy(caller, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"}); err != nil {
		r.Err = err
		return
	}
	sessionPolicy := ""
	if !isNull(c.SessionPolicy) {
		sessionPolicy = string(c.SessionPolicy)
	}
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: caller, Role: roleID, SessionName: "case-session", Policy: sessionPolicy})
	if err != nil {
		r.Err = fmt.Errorf("AssumeRole: %w", err)
		return
	}
	req := c.Request.EvalRequest()
	keyID, token := out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal()
	res, err := dir.AuthorizeSession(keyID, token, req)
	if err != nil {
		r.Err = err
		return
	}
	x, err := dir.ExplainSession(keyID, token, req)
	if err != nil {
		r.Err = err
		return
	}
	r.Got = res.Decision.String()
	r.Detail = strings.TrimRight(x.Detail.String(), "\n") + "\ndecided by: " + x.Layer.String() + "\n"
	if x.Layer == directory.LayerAccountBoundary || x.Layer == directory.LayerTrustPolicy {
		r.Detail = res.Decision.String() + "\ndecided by: " + x.Layer.String() + "\n"
	}
	r.Pass = r.Got == r.Expected
}
