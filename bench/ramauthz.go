package bench

import (
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Ramauthz is this project's evaluator: the document is compiled once with
// evaluator.Compile and each request is decided with Evaluator.Decide. For
// the per-request path (Decide) the string context fills a reused
// evaluator.Context (Reset, then Set per key) inside the timed call; for
// the decision-alone rows (Prepare) it is filled beforehand.
type Ramauthz struct{}

// Name returns "ramauthz".
func (Ramauthz) Name() string { return "ramauthz" }

// Compiler's build step is evaluator.Load: it parses the workload's JSON
// (limits raised to fit the large generated workloads) and compiles it, as
// a service that loads policies from JSON does; it keeps no Document.
func (Ramauthz) Compiler(w *Workload) (func() (Loaded, error), error) {
	src := w.JSON
	id := w.PolicyID
	opts := []policy.Option{policy.WithLimits(BenchLimits)}
	return func() (Loaded, error) {
		ev, err := evaluator.Load(id, src, opts...)
		if err != nil {
			return nil, err
		}
		return &ramauthzLoaded{ev: ev}, nil
	}, nil
}

type ramauthzLoaded struct {
	ev  *evaluator.Evaluator
	ctx evaluator.Context // reused by Decide, as a service reuses one per goroutine
}

// convert fills c from r's string context (after a Reset) and builds the
// evaluator's request.
func convert(r *Request, c *evaluator.Context) evaluator.Request {
	req := evaluator.Request{Action: r.Action, Resource: r.Resource}
	if len(r.Context) > 0 {
		c.Reset()
		for k, v := range r.Context {
			c.Set(k, v)
		}
		req.Context = c
	}
	return req
}

func fromEvaluator(d evaluator.Decision) Decision {
	switch d {
	case evaluator.Allow:
		return Allow
	case evaluator.ExplicitDeny:
		return ExplicitDeny
	case evaluator.ImplicitDeny:
		return ImplicitDeny
	}
	return Failed
}

func (l *ramauthzLoaded) Prepare(r Request) (func() Decision, error) {
	req := convert(&r, &evaluator.Context{})
	ev := l.ev
	return func() Decision { return fromEvaluator(ev.Decide(req)) }, nil
}

func (l *ramauthzLoaded) Decide(r *Request) Decision {
	return fromEvaluator(l.ev.Decide(convert(r, &l.ctx)))
}
