package evaluator

import "strconv"

// PrincipalType says what kind of identity makes a request.
//
// The zero value is PrincipalNone: no principal is known, and statements
// that have a Principal element never apply.
type PrincipalType uint8

const (
	// PrincipalNone: the request carries no principal.
	PrincipalNone PrincipalType = iota
	// PrincipalAccount: an Alibaba Cloud account (root identity).
	// AccountID "1234567890123456", ARN "acs:ram::1234567890123456:root".
	// No Principal element entry covers it (an account cannot assume
	// roles), so it never matches a statement with a Principal element.
	PrincipalAccount
	// PrincipalUser: a RAM user. ARN "acs:ram::<uid>:user/<name>".
	PrincipalUser
	// PrincipalRole: a role session. ARN is the role's ARN
	// "acs:ram::<uid>:role/<name>", not the session ARN.
	PrincipalRole
	// PrincipalService: a cloud service. ARN is the service name, such as
	// "ecs.aliyuncs.com"; AccountID is optional.
	PrincipalService
	// PrincipalFederated: an identity provider. ARN is the provider's ARN,
	// "acs:ram::<uid>:saml-provider/<name>" or ":oidc-provider/<name>".
	PrincipalFederated
)

// String returns "None", "Account", "User", "Role", "Service", "Federated",
// or "PrincipalType(N)" for an unknown value.
func (t PrincipalType) String() string {
	switch t {
	case PrincipalNone:
		return "None"
	case PrincipalAccount:
		return "Account"
	case PrincipalUser:
		return "User"
	case PrincipalRole:
		return "Role"
	case PrincipalService:
		return "Service"
	case PrincipalFederated:
		return "Federated"
	}
	return "PrincipalType(" + strconv.Itoa(int(t)) + ")"
}

// Principal is who makes a request, as trust and resource policies see it.
// Only statements with a Principal element look at it:
//
//   - a RAM entry acs:ram::<uid>:root covers every User and Role principal
//     whose AccountID is <uid> ("all RAM users and RAM roles of that
//     account", spec §3.3); it does not cover the Account principal itself,
//     which cannot assume roles (spec §6.3);
//   - a RAM entry naming a user or role ARN covers the User or Role
//     principal with exactly that ARN;
//   - a Service entry covers the Service principal whose ARN is that service
//     name;
//   - a Federated entry covers the Federated principal whose ARN is that
//     provider ARN.
//
// All comparisons are exact (case-sensitive).
//
// The principal's ARN is also the value of the condition key
// acs:PrincipalARN whenever the request's Context does not set that key, or
// always when Request.PrincipalResolved is set; for a role session the ARN
// is the role's (spec §3.2).
type Principal struct {
	Type      PrincipalType
	AccountID string
	ARN       string
}

// Request is one authorization question: may this principal perform Action
// on Resource, in this Context?
type Request struct {
	// Action is the action name, such as "arms:GetTrace". It is compared
	// with action patterns without regard to ASCII letter case.
	Action string
	// Resource is the resource ARN, such as
	// "acs:arms:cn-hangzhou:1234567890123456:dashboard/abc". It is compared
	// case-sensitively.
	Resource string
	// Principal is consulted by statements that have a Principal element,
	// and its ARN by conditions on acs:PrincipalARN when Context lacks it.
	Principal Principal
	// Context holds the condition keys of the request; nil means an empty
	// context. The evaluator only reads it, so one Context may be shared by
	// concurrent calls (spec §13 D27).
	Context *Context
	// ResourceOwner is the ID of the account that owns Resource, such as
	// "1234567890123456", when the caller knows it; "" when not. The
	// directory (package principal) uses it for the account boundary (spec
	// §13 D24: the owner is ResourceOwner when set, else the account field
	// of the resource ARN, else the principal's own account). The bare
	// evaluator does not enforce the account boundary and ignores it.
	ResourceOwner string
	// PrincipalResolved is set by callers that resolved Principal themselves
	// (the directory, STS role assumption) rather than taking it from the
	// request's sender. Conditions on acs:PrincipalARN then read
	// Principal.ARN, and any value of that key in Context (in any spelling)
	// is ignored, so a caller cannot claim another identity (spec §13 D26).
	// When false, a Context value of acs:PrincipalARN wins and Principal.ARN
	// is the fallback (spec §3.2).
	PrincipalResolved bool
}
