package main

// staticNotes closes RESULTS.md: what each peer can and cannot express, and
// how each adapter was written. It describes the adapters in bench/*.go; keep
// the two in step.
const staticNotes = `## What each peer can express, and how it was written

All four peers decide every request of every timed workload exactly as the
specification does (TestAgreement). Where they differ from RAM semantics, the
workloads stay inside what they can express, and the differences are listed
here rather than timed.

- **ladon** (ory/ladon v1.3.0, in-memory manager): one ladon policy per
  statement; a wildcard pattern becomes a ladon template with ` + "`<.*>`" + ` for
  ` + "`*`" + ` and ` + "`<.>`" + ` for ` + "`?`" + `, matched by regexp2. Actions are lower-cased on both
  sides (ladon is case-sensitive). Conditions: CIDRCondition, StringEqualCondition
  ("false" compared as a string, so "FALSE" would not match, unlike RAM's Bool),
  and a custom Condition for the date (ladon has none; its docs invite custom
  conditions). One condition per key, one value per condition. Explicit and
  implicit deny are told apart by ladon's two errors. Two rows: **ladon** uses
  ladon.DefaultMatcher (a process-wide 512-entry LRU of compiled expressions;
  with more distinct patterns than that, as in statements-1000 and above, every
  request recompiles expressions), **ladon-sized** gives each workload its own
  NewRegexpMatcher sized to all of its patterns. ladon also lists every policy
  on every request (the memory manager returns all of them) and starts a
  goroutine per denied request for its metrics hook.
- **casbin** (v2.135.0): model with deny-override effect
  ` + "`some(where (p.eft == allow)) && !some(where (p.eft == deny))`" + `, one rule per
  action×resource pair, globMatch (doublestar) on both. doublestar's ` + "`*`" + ` stops
  at ` + "`/`" + `, RAM's does not: a pattern that is exactly ` + "`*`" + ` is written ` + "`**`" + `, but a
  ` + "`*`" + ` inside a longer resource pattern cannot cross ` + "`/`" + ` (e.g.
  ` + "`acs:oss:*:*:bucket/*`" + ` would not cover ` + "`bucket/a/b`" + `). No request in the
  workloads depends on that. Conditions use casbin's ABAC form, ` + "`eval(p.cond)`" + `
  over a request struct; govaluate cannot compare an RFC 3339 string with
  ` + "`<`" + `, so the request time is passed as Unix seconds. Decisions come from
  EnforceEx, which names the deciding rule and so tells an explicit deny from
  an implicit one (Enforce alone returns only a bool).
- **cedar-go** (v1.9.1): one permit/forbid per statement in Cedar text, action
  and resource as context strings matched with ` + "`like`" + ` (Cedar has no ` + "`?`" + `; a
  pattern with ` + "`?`" + ` cannot be expressed) or ` + "`==`" + `; conditions with the ipaddr and
  datetime extensions, guarded by ` + "`has`" + `. A deny whose diagnostic names a
  policy is explicit.
- **OPA** (v1.22.3, v1/rego, prepared query): statements as data
  (` + "`data.ram.statements`" + `) and one generic module using glob.match with no
  delimiters, net.cidr_contains and time.parse_rfc3339_ns; the data-driven
  style rather than one generated rule per statement. OPA keeps at most 100
  compiled globs in its process-wide cache, so large policy sets recompile
  globs on every query.

### Fail-closed request values (spec §4.9), checked but not timed

RAM evaluation here is three-valued: a context value that cannot be parsed
for its operator makes the condition *unknown*, and a Deny applies when its
condition is true or unknown. No peer has that notion. TestFailClosed keeps
this table true:

`
