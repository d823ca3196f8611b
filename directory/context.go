package directory

import "github.com/ramauthz/ramauthz/evaluator"

// deriveContext returns a request-local copy of src (src is never written;
// spec D27) in which sts:ExternalId, a key the directory derives (D26),
// is externalID (absent when empty), whatever src says under any spelling.
// acs:PrincipalARN needs no copy: the directory's requests set
// Request.PrincipalResolved, so the evaluator ignores a context value of it.
func deriveContext(src *evaluator.Context, externalID string) *evaluator.Context {
	ctx := src.Clone()
	ctx.Delete(KeyExternalID)
	if externalID != "" {
		ctx.Set(KeyExternalID, externalID)
	}
	return ctx
}
