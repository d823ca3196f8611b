package role

import (
	"errors"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// ExplainAssumeRole says why AssumeRole would grant or refuse in, without
// creating a session: the layer that decides (principal.LayerTrust for the
// role's trust policy, principal.LayerIdentity for the caller's own
// policies, or a layer of the caller's decision such as
// principal.LayerSession or principal.LayerAccountBoundary) and that
// layer's statements. A trust statement that does not name the caller is a
// near miss naming the caller. The combination is AssumeRole's: an explicit
// Deny on either side, else the trust policy's refusal, else the caller's,
// else Allow (explained by the trust policy).
//
// The inputs are checked as AssumeRole checks them and fail with the same
// errors (*Error with ErrInvalidRoleArn, ErrRoleNotExist, ...); a caller
// that does not resolve, or an account root, is ErrNoPermission. Like
// AssumeRole it only reads in.Context. It allocates.
func (s *STS) ExplainAssumeRole(in AssumeRoleInput) (principal.Explanation, error) {
	roleID, duration, err := checkInput(in)
	if err != nil {
		return principal.Explanation{}, err
	}
	roleARN := roleID.String()
	rt, err := s.dir.RoleTrust(roleID)
	if err != nil {
		if errors.Is(err, principal.ErrNotFound) {
			return principal.Explanation{}, fail(ErrRoleNotExist, roleARN, err)
		}
		return principal.Explanation{}, fail(ErrInvalidParameter, "the role's trust policy cannot be used", err)
	}
	if duration > rt.MaxSessionDuration {
		return principal.Explanation{}, fail(ErrInvalidDurationSeconds, "DurationSeconds exceeds the role's MaxSessionDuration", nil)
	}
	caller, err := s.dir.Resolve(in.Caller)
	if err != nil {
		return principal.Explanation{}, fail(ErrNoPermission, "the caller does not resolve", err)
	}
	p, checkIdentity, err := evalPrincipal(caller)
	if err != nil {
		return principal.Explanation{}, err
	}
	ctx := new(evaluator.Context)
	deriveContext(ctx, in.Context, in.ExternalID, rt.ConditionKeys)
	tx, err := s.dir.ExplainTrust(roleID, evaluator.Request{Action: ActionAssumeRole, Resource: roleARN, Principal: p,
		PrincipalResolved: true, Context: ctx})
	if err != nil {
		return principal.Explanation{}, fail(ErrInvalidParameter, "the role's trust policy cannot be used", err)
	}
	ix := principal.Explanation{Explanation: evaluator.Explanation{Decision: evaluator.Allow}, Layer: principal.LayerIdentity,
		Reason: "not consulted for a " + caller.Kind().String() + " caller"}
	if checkIdentity {
		ix, err = s.dir.Explain(in.Caller, evaluator.Request{Action: ActionAssumeRole, Resource: roleARN, Context: ctx})
		if err != nil {
			return principal.Explanation{}, fail(ErrNoPermission, "the caller's policies cannot be evaluated", err)
		}
	}
	switch {
	case tx.Decision == evaluator.ExplicitDeny:
		tx.Reason = "the role's trust policy explicitly denies " + caller.String()
		return tx, nil
	case ix.Decision == evaluator.ExplicitDeny:
		return ix, nil
	case tx.Decision != evaluator.Allow:
		tx.Reason = "the role's trust policy does not allow " + caller.String()
		return tx, nil
	case ix.Decision != evaluator.Allow:
		return ix, nil
	}
	tx.Reason = "the role's trust policy allows " + caller.String() + ", and so do the caller's policies"
	return tx, nil
}
