package bench

import (
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Ramauthz is this project's evaluator: the document is compiled once with
// evaluator.Compile and each request is decided with Evaluator.Decide. The
// request context is filled once per request, outside the timed loop, as the
// evaluator's Context type is designed to be used.
type Ramauthz struct{}

// Name returns "ramauthz".
func (Ramauthz) Name() string { return "ramauthz" }

// Compiler's build step parses the workload's JSON with policy.Parse (limits
// raised to fit the large generated workloads) and compiles the document.
func (Ramauthz) Compiler(w *Workload) (func() (Loaded, error), error) {
	src := w.JSON
	id := w.PolicyID
	return func() (Loaded, error) {
		doc, err := policy.Parse(src, policy.WithLimits(BenchLimits))
		if err != nil {
			return nil, err
		}
		ev, err := evaluator.Compile(evaluator.Policy{ID: id, Document: doc})
		if err != nil {
			return nil, err
		}
		return &ramauthzLoaded{ev: ev}, nil
	}, nil
}

type ramauthzLoaded struct{ ev *evaluator.Evaluator }

func (l *ramauthzLoaded) Prepare(r Request) (func() Decision, error) {
	req := evaluator.Request{Action: r.Action, Resource: r.Resource}
	if len(r.Context) > 0 {
		req.Context = &evaluator.Context{}
		for k, v := range r.Context {
			req.Context.Set(k, v)
		}
	}
	ev := l.ev
	return func() Decision {
		switch ev.Decide(req) {
		case evaluator.Allow:
			return Allow
		case evaluator.ExplicitDeny:
			return ExplicitDeny
		case evaluator.ImplicitDeny:
			return ImplicitDeny
		}
		return Failed
	}, nil
}
