package evaluator

import (
	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/ramauthz/ramauthz/policy"
)

// Load parses one policy document and compiles it into an Evaluator that
// cites it as id. The Evaluator decides exactly as
// Compile(Policy{ID: id, Document: doc}) with doc from
// policy.Parse(data, opts...) does, and holds the same tables; it shares no
// memory with data.
//
// Load is for a service that loads policies from JSON and keeps no
// Document: it parses into memory reused from one call to the next (safe
// for concurrent use: each call takes memory of its own from a pool), so
// a load allocates only what the Evaluator keeps, whatever the options.
// On AliyunARMSReadOnlyAccess that is 3 allocations and 4,800 bytes where
// Parse and Compile make 6 and 7,488 (BenchmarkLoad,
// BenchmarkParseCompile). A caller that needs the Document too (to print,
// lint or analyse it) calls policy.Parse and Compile.
//
// Errors: a *policy.ParseError exactly as policy.Parse returns it (its Err
// is one of policy's sentinels: ErrSyntax, ErrLimit and the rest), or a
// *CompileError exactly as Compile returns it. On error the Evaluator is
// nil.
func Load(id string, data []byte, opts ...policy.Option) (*Evaluator, error) {
	doc, mem, err := parseTransient(data, opts)
	if err != nil {
		return nil, err
	}
	ev, cerr := Compile(Policy{ID: id, Document: doc})
	if mem == nil {
		if cerr != nil {
			return nil, cerr
		}
		return ev, nil
	}
	docpool.Release(mem)
	if cerr != nil {
		// The error is made again from an ordinary Document, so that no
		// string of it can be one of the released document's. (No
		// document reaches this today: Compile refuses nothing Parse
		// accepts. It is here so that a check Compile alone makes one
		// day cannot hand out pooled memory.)
		doc, err := policy.Parse(data, opts...)
		if err != nil {
			return nil, err
		}
		_, err = Compile(Policy{ID: id, Document: doc})
		return nil, err
	}
	return ev, nil
}

// parseTransient is package policy's parse into reusable memory
// (internal/docpool), as its own type.
var parseTransient = docpool.Parse.(func([]byte, []policy.Option) (*policy.Document, any, error))
