package directory

import "github.com/ramauthz/ramauthz/evaluator"

// deriveContext returns a request-local copy of src (which is never
// written; spec D27) in which the keys the directory derives (D26) hold
// the directory's values: sts:ExternalId is externalID (absent when
// empty) and acs:PrincipalARN is principalARN, whatever src says under
// any spelling of either key.
func deriveContext(src *evaluator.Context, externalID, principalARN string) *evaluator.Context {
	ctx := cloneContext(src)
	if externalID != "" {
		ctx.Set(KeyExternalID, externalID)
	} else {
		ctx.Set(KeyExternalID) // present with no values: conditions see it as absent
	}
	ctx.Set(KeyPrincipalARN, principalARN)
	return ctx
}
