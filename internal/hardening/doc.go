// Package hardening holds no code, only tests: cross-package invariants,
// fail-closed checks and concurrency stress tests that exercise the public
// API of policy, evaluator, principal and directory together.
//
// What the tests prove:
//
//   - (the model property, that every decision of the directory equals a
//     model's recomputation over random sequences of changes, lives in
//     package directory's own tests, TestDirectoryMatchesModel);
//   - an identity allowed everything in its own account is allowed nothing
//     in another account, whatever the resource string and ResourceOwner
//     say, except what the owner's trust policy consents to (sts:AssumeRole
//     on its role), checked against the rule of spec §13 D24 written out
//     plainly (FuzzAccountBoundary), with Explain agreeing;
//   - every error on the decision path (an unknown or malformed principal,
//     access key or SecurityToken, an inactive key, an expired, revoked or
//     deleted session, a limit hit) comes with ImplicitDeny, and only the
//     identity a credential names is ever allowed (FuzzAuthorizePrincipal);
//   - many goroutines deciding while others commit to a directory and swap
//     compiled policy sets behind an atomic.Pointer see only decisions of
//     states that existed (no torn reads), each the decision of the state
//     at the revision it names, cleanly under -race;
//   - documents generated from the whole grammar survive
//     Parse(Marshal(d)) == d and decide the same before and after.
//
// The package is internal so that nothing outside the module depends on it.
package hardening
