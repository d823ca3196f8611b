package directory

import "github.com/ramauthz/ramauthz/evaluator"

// cloneContext copies src. PLACEHOLDER until evaluator.Context.Clone lands
// (tag ctx-api): it copies only the well-known keys below.
func cloneContext(src *evaluator.Context) *evaluator.Context {
	out := &evaluator.Context{}
	if src == nil {
		return out
	}
	for _, k := range []string{"acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport", "acs:MFAPresent", "acs:SourceVpc", "acs:AccessId", "saml:recipient"} {
		if v, ok := src.Get(k); ok {
			out.Set(k, v...)
		}
	}
	return out
}
