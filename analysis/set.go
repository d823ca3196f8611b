package analysis

import (
	"slices"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/match"
	"github.com/ramauthz/ramauthz/policy"
)

// LayerKind says how a layer of a Set combines with the others (spec §6.2,
// §6.3, §6.4).
type LayerKind uint8

const (
	// LayerIdentity: identity policies (a user with its groups, or a role),
	// decided as one pool.
	LayerIdentity LayerKind = iota
	// LayerSession: a session policy; its non-Allow decision is final.
	LayerSession
	// LayerTrust: a role's trust policy, which must allow as well
	// (AssumeRole: trust AND identity).
	LayerTrust
)

// String returns "identity", "session" or "trust".
func (k LayerKind) String() string {
	switch k {
	case LayerIdentity:
		return "identity"
	case LayerSession:
		return "session"
	case LayerTrust:
		return "trust"
	}
	return "LayerKind(?)"
}

// Layer is one group of policies of a Set.
type Layer struct {
	Kind     LayerKind
	Policies []evaluator.Policy
}

// Set is a compiled, immutable policy set for analysis: one or more layers
// that must all allow a request (identity ∩ session; trust AND identity).
// A request is allowed by the Set exactly when Decide returns Allow.
//
// A Set is safe for concurrent use. A nil *Set allows nothing.
type Set struct {
	layers []layer
}

type layer struct {
	kind  LayerKind
	ev    *evaluator.Evaluator
	stmts []stmt
}

type resKind uint8

const (
	resNone   resKind = iota // no Resource element: any resource
	resAllow                 // Resource
	resExcept                // NotResource
)

// stmt is the analysis view of one statement.
type stmt struct {
	ref       StatementRef
	notAction bool
	actions   []string // folded (ASCII lower case), as Decide compares them
	rawActs   []string // as written, for readable witnesses
	actionPat []match.Pattern
	resKind   resKind
	resources []string
	resPat    []match.Pattern
	principal *evaluator.Evaluator // probe: allows "*" on "*" for the Principal element; nil without one
	prin      *policy.Principal    // a copy of the Principal element
	conds     []cond
	// self holds this statement alone, with its effect: Decide returns
	// Allow (or ExplicitDeny for a Deny) exactly when the statement applies.
	self *evaluator.Evaluator
}

// cond is one condition with two probes: evaluators holding only this
// condition in an Allow and in a Deny statement, which read its truth value
// for a request context straight from the evaluator.
type cond struct {
	op    policy.Operator
	key   string
	vals  []string
	allow *evaluator.Evaluator
	deny  *evaluator.Evaluator
}

// Compile builds a Set from identity policies: one LayerIdentity layer.
// Errors are those of CompileLayers.
func Compile(policies ...evaluator.Policy) (*Set, error) {
	return CompileLayers(Layer{Kind: LayerIdentity, Policies: policies})
}

// CompileLayers builds a Set from layers. A request is allowed when every
// layer allows it. Zero layers make a Set that allows nothing.
//
// The documents are copied; later changes to them do not affect the Set.
// On error it returns nil and the *evaluator.CompileError of the offending
// policy (unwrapping to one of policy's sentinel errors).
func CompileLayers(layers ...Layer) (*Set, error) {
	s := &Set{}
	if len(layers) == 0 {
		layers = []Layer{{Kind: LayerIdentity}}
	}
	for li, l := range layers {
		ev, err := evaluator.Compile(l.Policies...)
		if err != nil {
			return nil, err
		}
		ly := layer{kind: l.Kind, ev: ev}
		for pi, p := range l.Policies {
			for si := range p.Document.Statements {
				st, err := newStmt(&p.Document.Statements[si], p.Document.Kind)
				if err != nil {
					return nil, &evaluator.CompileError{PolicyID: p.ID, Index: pi, Err: policy.ErrInvalid, Msg: err.Error()}
				}
				st.ref = StatementRef{Layer: li, Policy: p.ID, PolicyIndex: pi, Index: si, Sid: p.Document.Statements[si].Sid, Effect: p.Document.Statements[si].Effect}
				ly.stmts = append(ly.stmts, st)
			}
		}
		s.layers = append(s.layers, ly)
	}
	return s, nil
}

func newStmt(ps *policy.Statement, kind policy.Kind) (stmt, error) {
	st := stmt{}
	src := ps.Action
	if ps.NotAction != nil {
		st.notAction, src = true, ps.NotAction
	}
	for _, a := range src {
		p, err := match.Compile(a, true)
		if err != nil {
			return st, err
		}
		st.actions = append(st.actions, match.LowerASCII(a))
		st.rawActs = append(st.rawActs, a)
		st.actionPat = append(st.actionPat, p)
	}
	switch {
	case ps.Resource != nil:
		st.resKind, src = resAllow, ps.Resource
	case ps.NotResource != nil:
		st.resKind, src = resExcept, ps.NotResource
	default:
		src = nil
	}
	for _, r := range src {
		p, err := match.Compile(r, false)
		if err != nil {
			return st, err
		}
		st.resources = append(st.resources, r)
		st.resPat = append(st.resPat, p)
	}
	if ps.Principal != nil {
		pr := *ps.Principal
		pr.RAM, pr.Service, pr.Federated = slices.Clone(pr.RAM), slices.Clone(pr.Service), slices.Clone(pr.Federated)
		ev, err := evaluator.Compile(evaluator.Policy{ID: "principal", Document: &policy.Document{
			Kind: policy.Trust, Version: "1",
			Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{"*"}, Principal: &pr}},
		}})
		if err != nil {
			return st, err
		}
		st.principal, st.prin = ev, &pr
	}
	for _, c := range ps.Condition {
		cd := cond{op: c.Operator, key: c.Key}
		vals := make([]policy.Value, len(c.Values))
		copy(vals, c.Values)
		for _, v := range c.Values {
			cd.vals = append(cd.vals, v.Raw)
		}
		// The whole condition (operator, IfExists, key, values) goes into
		// the probes, so whatever the evaluator reads, they read.
		cc := c
		cc.Values = vals
		probe := func(e policy.Effect) (*evaluator.Evaluator, error) {
			return evaluator.Compile(evaluator.Policy{ID: "condition", Document: &policy.Document{
				Version: "1",
				Statements: []policy.Statement{{Effect: e, Action: []string{"*"}, Resource: []string{"*"},
					Condition: []policy.Condition{cc}}},
			}})
		}
		var err error
		if cd.allow, err = probe(policy.Allow); err != nil {
			return st, err
		}
		if cd.deny, err = probe(policy.Deny); err != nil {
			return st, err
		}
		st.conds = append(st.conds, cd)
	}
	one := *ps
	self, err := evaluator.Compile(evaluator.Policy{ID: "statement", Document: &policy.Document{
		Kind: kind, Version: "1", Statements: []policy.Statement{one}}})
	if err != nil {
		return st, err
	}
	st.self = self
	return st, nil
}

// Layers returns the number of layers.
func (s *Set) Layers() int {
	if s == nil {
		return 0
	}
	return len(s.layers)
}

// Statements returns the statements of the Set, layer by layer, in
// document order.
func (s *Set) Statements() []StatementRef {
	if s == nil {
		return nil
	}
	var out []StatementRef
	for _, l := range s.layers {
		for _, st := range l.stmts {
			out = append(out, st.ref)
		}
	}
	return out
}

// Decide decides r against the Set as the evaluator and the directory
// combine layers (spec §6.2–§6.4): a session layer's ExplicitDeny or
// ImplicitDeny is final; then any ExplicitDeny of the other layers wins;
// the request is allowed when every layer allows it; otherwise
// ImplicitDeny. A nil Set decides ImplicitDeny.
func (s *Set) Decide(r evaluator.Request) evaluator.Decision {
	if s == nil || len(s.layers) == 0 {
		return evaluator.ImplicitDeny
	}
	for _, l := range s.layers {
		if l.kind == LayerSession {
			if d := l.ev.Decide(r); d != evaluator.Allow {
				return d
			}
		}
	}
	out := evaluator.Allow
	for _, l := range s.layers {
		if l.kind == LayerSession {
			continue
		}
		switch l.ev.Decide(r) {
		case evaluator.ExplicitDeny:
			return evaluator.ExplicitDeny
		case evaluator.ImplicitDeny:
			out = evaluator.ImplicitDeny
		}
	}
	return out
}

// stmtAt returns the statement ref names.
func (s *Set) stmtAt(r StatementRef) *stmt {
	if s == nil || r.Layer < 0 || r.Layer >= len(s.layers) {
		return nil
	}
	for i := range s.layers[r.Layer].stmts {
		st := &s.layers[r.Layer].stmts[i]
		if st.ref.PolicyIndex == r.PolicyIndex && st.ref.Index == r.Index {
			return st
		}
	}
	return nil
}

// denier returns the first Deny statement of s that applies to r, in layer
// order, as Explain reports it; Index is -1 when none does.
func (s *Set) denier(r evaluator.Request) StatementRef {
	if s != nil {
		for li, l := range s.layers {
			if l.ev.Decide(r) != evaluator.ExplicitDeny {
				continue
			}
			for _, m := range l.ev.Explain(r).Matched {
				if m.Effect != policy.Deny {
					continue
				}
				for _, st := range s.layers[li].stmts {
					if st.ref.Policy == m.PolicyID && st.ref.Index == m.Statement {
						return st.ref
					}
				}
			}
		}
	}
	return StatementRef{Index: -1}
}
