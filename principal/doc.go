// Package principal models who may act in a RAM-style account structure
// and answers, for any of them, "may this identity do this?".
//
// It has two parts:
//
//   - ID, a comparable value type for every identifier form of spec §3.2:
//     account roots, RAM users, groups, roles, role sessions (canonical
//     acs:ram::<uid>:role/<role>/<session>, with the acs:sts and arn:sts
//     assumed-role aliases accepted on input), SAML and OIDC providers and
//     service principals. Parse returns the zero ID and an *IDError on bad
//     input.
//
//   - Directory, an in-memory store of accounts, each with RAM users and
//     their access keys (secrets kept only as SHA-256 hashes), groups,
//     custom policies with up to five versions (only the default version is
//     in force), the shipped system policies (package policy/system,
//     read-only), attachments with the limits of spec §5, roles, and role
//     sessions (created through package role). Every mutation validates
//     fully before it changes anything, so a failed one changes nothing.
//     Export and Import persist a whole directory, or one account, as a
//     versioned JSON document.
//
// Directory.Authorize is the one call a service makes per request. It
// resolves the principal (user ARN, AccessKeyId, session ARN or STS key,
// account root), finds the compiled evaluator of the identity's policies
// (the user's own and its groups', or the role's, under the session
// policy), and decides. Identity policies act only on resources of the
// principal's own account (spec §13 D24): another account's resource needs
// that account's consent, which the directory has as a role's trust policy
// for sts:AssumeRole. acs:PrincipalARN is always the resolved identity's
// (D26), and the request's Context is only read (D27). Compiled evaluators
// are cached per identity and rebuilt after any change, so a revocation is
// effective on the very next decision, and a cache hit does not allocate.
// Decisions already running finish on the state they started with.
//
// Directory.Explain returns an Explanation naming the Layer that decided:
// the session policy, the identity policies, a trust policy, the account
// root's rule or the account boundary.
//
// Every time the directory stores comes from its one clock (D29) and lies in
// the years 0001 to 9999 (D28), so Export never fails. Values that carry a
// secret (NewAccessKey, SessionCredentials) print it as [REDACTED].
//
// Errors are *Error values that unwrap to the sentinels ErrInvalid,
// ErrNotFound, ErrExists, ErrInUse, ErrLimit (with the limit's name in
// Error.Limit), ErrImmutable, ErrInactive, ErrExpired, ErrCredentials and
// ErrStale.
//
// A Directory is safe for concurrent use by multiple goroutines.
package principal
