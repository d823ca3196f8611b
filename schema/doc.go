// Package schema holds ram-policy.schema.json, a JSON Schema (draft
// 2020-12) for RAM policy documents that editors can use for completion and
// early errors, and the tests that check it, and the SARIF output of
// ramauthz lint, against outside validators. It is a module of its own so
// that the main module does not depend on those validators.
package schema
