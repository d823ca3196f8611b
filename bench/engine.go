package bench

import (
	"errors"
	"fmt"
)

// ErrCannotExpress is returned (wrapped) by Engine.Load when the engine has
// no faithful way to express part of a workload. The report then says so
// instead of timing something else.
var ErrCannotExpress = errors.New("cannot express")

// Engine is one authorization library behind a common face.
//
// Compiler translates a workload's policy document into the engine's native
// source form (Cedar text, Rego data, casbin rules, ladon policies, RAM
// JSON) and returns a function that builds a decider from that source: the
// "compile" step, which the compile benchmark times.
type Engine interface {
	// Name is the engine's short name ("ramauthz", "ladon", ...).
	Name() string
	// Compiler returns the build step for the workload, or an error
	// wrapping ErrCannotExpress when the engine cannot express it.
	Compiler(w *Workload) (func() (Loaded, error), error)
}

// Load translates and builds in one step.
func Load(e Engine, w *Workload) (Loaded, error) {
	build, err := e.Compiler(w)
	if err != nil {
		return nil, err
	}
	return build()
}

// Loaded is an engine with a workload's policies loaded.
type Loaded interface {
	// Prepare converts a request into the engine's native request form
	// (outside the timed loop) and returns a function that decides it. The
	// returned function is what BenchmarkDecide times (decision alone); it
	// may be called any number of times.
	Prepare(r Request) (func() Decision, error)
	// Decide converts r, which holds strings as a service receives them,
	// into the engine's native request and decides it, in one call: the
	// per-request path a service pays, which BenchmarkRequestPath times.
	// Every engine does in Decide exactly the conversion Prepare does.
	// Decide is not safe for concurrent use (ramauthz's reuses one Context,
	// as a service would per goroutine).
	Decide(r *Request) Decision
}

// Engines returns every engine, ramauthz first.
func Engines() []Engine {
	return []Engine{Ramauthz{}, Ladon{}, Ladon{Sized: true}, Casbin{}, Cedar{}, OPA{}}
}

// EngineByName returns the engine called name.
func EngineByName(name string) (Engine, error) {
	for _, e := range Engines() {
		if e.Name() == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("bench: no engine named %q", name)
}

// cannot builds an ErrCannotExpress error for engine e.
func cannot(e, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", e, ErrCannotExpress, fmt.Sprintf(format, args...))
}
