package principal

import (
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Layer names the part of a directory decision that settled it.
//
// The zero value, LayerNone, is not a layer: an Explanation returned with
// an error carries it.
type Layer uint8

const (
	// LayerNone: no layer decided (the explanation comes with an error).
	LayerNone Layer = iota
	// LayerIdentity: the identity-based policies: a user's own and its
	// groups' policies, or a session's role policies (spec §6.2).
	LayerIdentity
	// LayerSession: the session policy of a role session, whose non-Allow
	// result is final (spec §6.4, D16).
	LayerSession
	// LayerTrust: a role's trust policy, the resource-based policy that
	// consents to sts:AssumeRole on the role (spec §6.3, §13 D24).
	LayerTrust
	// LayerAccountRoot: the rule for an account root, which may do
	// anything on resources of its own account and nothing else (spec
	// §6.2).
	LayerAccountRoot
	// LayerAccountBoundary: the resource belongs to another account, and
	// no resource-based policy of that account consents (spec §13 D24).
	LayerAccountBoundary
)

var layerNames = [...]string{
	LayerNone:            "none",
	LayerIdentity:        "identity policies",
	LayerSession:         "session policy",
	LayerTrust:           "trust policy",
	LayerAccountRoot:     "account root",
	LayerAccountBoundary: "account boundary",
}

// String returns the layer's name as people read it: "identity policies",
// "session policy", "trust policy", "account root", "account boundary"
// ("none" for LayerNone), or "Layer(N)" for a value outside the list.
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "Layer(" + itoa(int(l)) + ")"
}

// Explanation is a directory decision with its reasons: the layer that
// settled it, a sentence saying why when the layer has no statements of its
// own (account root, account boundary) or combines two sides (a
// cross-account AssumeRole), and the statements of the deciding policy set
// (evaluator.Explanation, embedded: Decision, Matched, NearMisses).
//
// Decision is always the directory's decision, the one Authorize returns.
type Explanation struct {
	evaluator.Explanation
	// Layer is the layer that decided.
	Layer Layer
	// Reason says in one line why that layer decided, or is "".
	Reason string
}

// String renders the explanation as readable text: the decision, a
// "decided by" line naming the layer (and the reason, if any; no such line
// for LayerNone), then the
// statements of the deciding policy set, as evaluator.Explanation.String
// writes them:
//
//	ImplicitDeny
//	  decided by: account boundary: the resource belongs to account 1111111111111111, ...
//	  applied: Allow policy "EcsAdmin" Statement[0]
func (x Explanation) String() string {
	var b strings.Builder
	b.WriteString(x.Decision.String())
	b.WriteByte('\n')
	if x.Layer != LayerNone {
		b.WriteString("  decided by: ")
		b.WriteString(x.Layer.String())
		if x.Reason != "" {
			b.WriteString(": ")
			b.WriteString(x.Reason)
		}
		b.WriteByte('\n')
	}
	inner := x.Explanation.String()
	_, rest, _ := strings.Cut(inner, "\n")
	if x.Layer == LayerAccountRoot && len(x.Matched) == 0 && len(x.NearMisses) == 0 {
		return b.String() // no policy statements are involved
	}
	b.WriteString(rest)
	return b.String()
}

// explainTrust explains a trust policy's decision on req (whose Principal is
// the caller) and adds, for every statement that the request's principal is
// the only thing keeping from applying, a near miss that names the
// principal. doc is the trust document ev was compiled from.
func explainTrust(doc *policy.Document, ev *evaluator.Evaluator, req evaluator.Request) evaluator.Explanation {
	x := ev.Explain(req)
	if doc == nil {
		return x
	}
	seen := map[int]bool{}
	for _, m := range x.Matched {
		seen[m.Statement] = true
	}
	for _, n := range x.NearMisses {
		seen[n.Statement] = true
	}
	cover := coveringPrincipal(req.Principal)
	for i := range doc.Statements {
		s := doc.Statements[i]
		if seen[i] || s.Principal == nil || cover == nil {
			continue
		}
		// Would the statement apply, or nearly, if it named the caller?
		s.Principal = cover
		probe, err := evaluator.Compile(evaluator.Policy{ID: TrustPolicyID,
			Document: &policy.Document{Kind: policy.Trust, Version: doc.Version, Statements: []policy.Statement{s}}})
		if err != nil {
			continue
		}
		px := probe.Explain(req)
		if len(px.Matched) == 0 && len(px.NearMisses) == 0 {
			continue // the action or resource does not match either
		}
		x.NearMisses = append(x.NearMisses, evaluator.NearMiss{
			Match: evaluator.Match{PolicyID: TrustPolicyID, Statement: i, Sid: s.Sid, Effect: s.Effect,
				Path: "Statement[" + strconv.Itoa(i) + "]"},
			Reason: "Principal does not name " + describePrincipal(req.Principal),
		})
	}
	return x
}

// coveringPrincipal returns a Principal element that names p exactly, or
// nil when no entry can name it.
func coveringPrincipal(p evaluator.Principal) *policy.Principal {
	switch p.Type {
	case evaluator.PrincipalUser, evaluator.PrincipalRole:
		return &policy.Principal{RAM: []string{p.ARN}}
	case evaluator.PrincipalService:
		return &policy.Principal{Service: []string{p.ARN}}
	case evaluator.PrincipalFederated:
		return &policy.Principal{Federated: []string{p.ARN}}
	}
	return nil
}

func describePrincipal(p evaluator.Principal) string {
	switch p.Type {
	case evaluator.PrincipalUser, evaluator.PrincipalRole:
		s := strings.ToLower(p.Type.String()) + " " + p.ARN
		if p.AccountID != "" {
			s += " (nor its account, acs:ram::" + p.AccountID + ":root)"
		}
		return s
	}
	return strings.ToLower(p.Type.String()) + " " + p.ARN
}

// ExplainTrust explains the decision of role roleID's trust policy on req,
// whose Principal is the caller as the trust policy sees it (see
// evaluator.Principal) and whose Context is the one the trust policy reads.
// The explanation's Layer is LayerTrust; a statement that would apply but
// for its Principal element is a near miss whose reason names the
// principal ("Principal does not name user acs:ram::...").
// Errors: ErrInvalid, ErrNotFound (as RoleTrust). It allocates.
func (d *Directory) ExplainTrust(roleID ID, req evaluator.Request) (Explanation, error) {
	d.mu.RLock()
	r, err := d.roleByID("ExplainTrust", roleID)
	var c *compiled
	if err == nil {
		c = d.trustCompiled(r)
	}
	d.mu.RUnlock()
	if err != nil {
		return Explanation{}, err
	}
	if c.err != nil {
		return Explanation{}, c.err
	}
	return Explanation{Explanation: explainTrust(r.trust, c.ev, req), Layer: LayerTrust}, nil
}
