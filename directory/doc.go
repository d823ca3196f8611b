// Package directory owns the identity state of RAM-style accounts and
// decides for the identities in it: "may this user, this account root or
// this role session perform this action on this resource, in this
// context?".
//
// # State
//
// A Directory holds accounts, each with RAM users and their access keys,
// groups (members in join order), custom policies with up to five versions
// (only the default is in force; system policies come from package
// policy/system), attachments within the limits of spec §5, and roles with
// trust policies. Entities are named one way, by principal.ID (policies by
// account and PolicyRef). Mutations take Spec and Options structs and
// return the Revision they committed; a mutation with nothing to do
// (attaching what is attached, removing a non-member, ...) commits nothing
// and returns the current revision with a nil error.
//
// Readers never lock: the state is an immutable snapshot published through
// an atomic pointer. A commit copies only what it changes (persistent hash
// array mapped tries of the internal package pmap, which share every node
// off the changed path), so its cost follows the change, not the size of
// the directory, and every decision is made on one revision, which its
// Result names.
//
// # Decisions
//
// Authorize (by principal.ID) and AuthorizeAccessKey decide for users and
// account roots; AuthorizeSession decides for a role session presented by
// its credentials (AccessKeyId and SecurityToken; a session ARN is not a
// credential). Identity policies are compiled once per distinct set of
// policy versions and shared: every holder of the same policies shares one
// compiled evaluator, a change to a policy rebuilds only its holders' sets,
// and a change anywhere else costs a warm identity nothing (its next
// decision does not allocate). The account boundary of spec D24 is
// enforced for every identity; the keys the directory derives
// (acs:PrincipalARN, sts:ExternalId) cannot be supplied by the caller (D26);
// no call writes into a value the caller owns (D27).
//
// # Roles and sessions
//
// AssumeRole decides spec §6.3 (trust policy AND caller's identity
// policies) on one snapshot, stamps the session with the directory's clock
// (D29) and commits nothing: the session lives in its SecurityToken,
// sealed with AES-256-GCM under the directory's current token key, and
// carries the role's RoleId (a re-created role never revives old tokens),
// session name, caller, issue and expiry times, session policy and secret.
// Sessions end at expiry, when the role is deleted, when RevokeSessions or
// RevokeAllSessions cuts them off, and act on the role's current policies,
// so detaching them takes effect at once. RotateTokenKey and RetireTokenKey
// manage the token keys. Opened tokens and their compiled session policies
// are cached in a bounded cache (Options.SessionCacheSize).
//
// # Secrets
//
// Access-key secrets and token keys are sealed under a key-encryption key
// the application supplies (Options.KeyEncryptionKey; by default a random
// key for the life of the process). Secrets are shown once, at creation,
// as Secret values that print as "[REDACTED]"; AccessKeySecret and
// SessionCredential return them unsealed to verify request signatures.
//
// # Persistence
//
// Export, ExportAccount and Import write and read one versioned JSON
// document (secrets sealed) with the strict JSON reader; Import checks
// everything the live API checks.
//
// # Errors
//
// Errors are *Error values (operation, subject, sentinel, limit, blockers,
// cause) unwrapping to ErrInvalid, ErrNotFound, ErrExists, ErrInUse,
// ErrLimit, ErrImmutable, ErrSealed, ErrKeyNotFound, ErrKeyInactive,
// ErrTokenMalformed, ErrTokenExpired, ErrTokenRevoked or
// ErrTokenKeyMismatch; AssumeRole's refusals are *AssumeRoleError values
// with the STS error code, the refusing Side and whether it was explicit.
// Every error on a decision path comes with ImplicitDeny.
//
// A Directory is safe for concurrent use by multiple goroutines.
package directory
