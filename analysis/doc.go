// Package analysis answers questions about whole policy sets rather than
// single requests: "does this change grant anything new?" (NoNewAccess,
// Compare), "can this policy ever allow X?" (AccessNotGranted) and "does it
// always allow X?" (AlwaysAllows). It needs no solver.
//
// # Semantics
//
// The semantics are the evaluator's (spec §1–§6 and §13): a request is
// allowed by a Set exactly when evaluator.Decide, applied layer by layer as
// Set.Decide does, returns Allow. Every answer is one of
//
//   - Holds: proved for every request of the Universe;
//   - Fails: refuted, with one Reason per responsible statement, each
//     carrying a witness request that Decide has confirmed on both sides
//     before it is reported;
//   - Unknown: not decided, with an error saying why (a budget ran out,
//     a construct is not handled, or a witness failed confirmation, which
//     is a bug and fails closed).
//
// A wrong Holds or Fails is a bug; Unknown is always a safe answer.
//
// # How it works
//
// In the RAM language every condition constrains exactly one request
// variable: the action, the resource, the principal, or one condition key.
// For each variable the analysis computes a finite set of atoms: values
// that between them show every behaviour the policies' patterns and
// conditions can tell apart. Strings are explored with one automaton per
// pattern over the characters the patterns use plus one fresh character
// (any two characters outside that alphabet behave alike for every
// pattern); numbers, dates and IP addresses are cut at the policies'
// constants; Bool has three points; an absent key is an atom of its own,
// and multi-valued keys (spec §4.8) take every combination of atoms. Each
// atom's behaviour is read from the evaluator itself, so the analysis and
// Decide cannot disagree about a single value. Each statement is then a box
// (one set of atoms per variable) and every question is a search for a
// point inside some boxes and outside others, which is decided by splitting
// boxes one dimension at a time.
//
// # Cost
//
// Both steps are exponential in the worst case (a pattern such as
// "*a??????????" has thousands of automaton states). Limits bounds the
// automaton states explored and the search decisions made per question;
// when a budget runs out the answer is Unknown with a *BudgetError naming
// the statement concerned. Budgets are deterministic: identical inputs give
// identical answers and identical Stats. A context deadline is honoured as
// a backstop only.
//
// # Questions
//
//   - NoNewAccess(newer, older): is everything newer allows also allowed
//     by older? Reasons name newer's granting statements.
//   - Compare(a, b): Equivalent, LessPermissive, MorePermissive or
//     Incomparable, with both directions' results.
//   - AccessNotGranted(s, actions, resources): can s ever allow any of
//     these?
//   - AlwaysAllows(s, actions, resources, fixed): does s allow all of them,
//     with some keys pinned?
//   - NeverApplies(s, statement), ConditionNeverHolds(s, statement) and
//     ShadowedByDeny(s, statement): the per-statement questions a linter
//     asks (dead statements, unsatisfiable conditions, Allows that a Deny
//     always overrides, what an Allow with NotAction or NotResource
//     grants). Set.Statements lists the statements to ask about.
//
// # Universe
//
// The zero Universe is every request Decide accepts: any action and
// resource string, any principal, and every condition key absent,
// single-valued or multi-valued. A Fails may therefore name an action that
// does not exist ("arms:z") or a list value a service never sends; it still
// means exactly what Decide would do. Universe.Actions (a catalogue),
// ARNShape, Keys (single-valued or pinned keys) and Now narrow it.
//
// # Limits of this version
//
// A condition key compared with operators of two families (StringEquals
// and NumericLessThan on one key) gives Unknown (*MixedKeyTypeError).
// Conditions on acs:PrincipalARN in a set that also has Principal elements
// give Unknown (the key defaults to the principal's ARN, which ties two
// variables together), and so do StringEqualsIgnoreCase values containing
// U+FFFD. Everything else (the 21 operators and their IfExists forms,
// NotAction, NotResource, Principal, absent and multi-valued keys,
// unparseable request values, IPv4-mapped addresses) is decided exactly.
//
// # Concurrency
//
// A Set is immutable after Compile and safe for concurrent use; the
// question functions may be called concurrently. Results belong to the
// caller.
package analysis
