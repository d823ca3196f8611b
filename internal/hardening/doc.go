// Package hardening holds no code, only tests: cross-package invariants,
// fail-closed checks and concurrency stress tests that exercise the public
// API of policy, evaluator, principal and role together.
//
// What the tests prove:
//
//   - through the directory, every decision equals the decision of a model
//     that recomputes it from the attachments, memberships, policy versions
//     and sessions in force, over random sequences of changes; so a detached
//     policy, a deleted user, group or role, and an expired or revoked
//     session never yield an allow;
//   - an identity allowed everything in its own account is allowed nothing
//     in another account, whatever the resource string and ResourceOwner
//     say, except what the owner's trust policy consents to (sts:AssumeRole
//     on its role), checked against the rule of spec §13 D24 written out
//     plainly (FuzzAccountBoundary), with Explain agreeing;
//   - every error on the decision path (an unknown or malformed principal,
//     an inactive key, an expired, revoked or deleted session, a limit hit)
//     comes with ImplicitDeny;
//   - many goroutines deciding while others mutate a directory and swap
//     compiled policy sets behind an atomic.Pointer see only decisions of
//     states that existed (no torn reads), cleanly under -race;
//   - documents generated from the whole grammar survive
//     Parse(Marshal(d)) == d and decide the same before and after.
//
// The package is internal so that nothing outside the module depends on it.
package hardening
