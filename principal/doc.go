// Package principal holds the identifier value types of RAM-style
// accounts: who can be named in a policy, a request or a directory.
//
// ID is a small comparable value for every identifier form of spec §3.2:
// account roots (acs:ram::<uid>:root), RAM users, groups and roles
// (acs:ram::<uid>:<kind>/<name>), role sessions (canonical
// acs:ram::<uid>:role/<role>/<session>, with the acs:sts and arn:sts
// assumed-role aliases accepted on input), SAML and OIDC providers, and
// service principals (lower-case domain names such as ecs.aliyuncs.com).
// Parse reads any of them and returns the zero ID and an *IDError on bad
// input; the constructors (UserID, RoleID, SessionID, ...) build one from
// its parts; Kind says what an ID names. The Check*Name functions are the
// name rules of spec §3.2 and §5 (lengths in characters, allowed
// characters), IsAccountID the 16-digit account ID rule, and ARNAccount the
// account field of a resource ARN. SessionPolicyID is the policy ID under
// which explanations cite a session policy.
//
// Every error unwraps to ErrInvalid. The package is a leaf: it holds no
// state and imports nothing of this module. The state (accounts, users,
// keys, policies, roles, sessions) and the decisions are package
// directory's. IDs are immutable values, safe for concurrent use.
package principal
