// Package docpool connects package evaluator to a parse of package policy
// whose Document lives in reusable memory, for evaluator.Load: a caller
// that compiles a document at once and keeps none of it need not allocate
// the document, its lists and a copy of its input on every load.
//
// Package policy sets Parse and Release when it is initialised (package
// evaluator imports policy, so they are set before evaluator can call
// them). The functions are typed without policy's types, which this
// package cannot import: policy imports it.
package docpool

import "sync/atomic"

var (
	// Parse holds package policy's
	//
	//	func(data []byte, opts []policy.Option) (doc *policy.Document, mem any, err error)
	//
	// which parses data as policy.Parse(data, opts...) does and returns
	// the same Document or the same error. (It is held as any because
	// this package cannot name policy's types; package evaluator asserts
	// it to that type once. Passing the options and the document as
	// their own types costs no allocation, where an interface holding a
	// slice of options would.) When mem is not nil, the document's
	// containers (statements, lists, conditions, values, principals) and
	// its Action, NotAction, Resource and NotResource strings live in
	// memory that Release(mem) hands to a later Parse: the caller must be
	// done with all of them by then. Every other string of the document
	// (Sids, condition keys and values, principals) is a copy of its own,
	// which the caller may keep. When mem is nil the document is an
	// ordinary one.
	Parse any
	// Release gives back the memory of a document Parse returned with mem.
	Release func(mem any)
)

// Scribble, when set, makes Release overwrite the memory it takes back
// (strings with 0xA5 bytes, containers with zeros) before it is reused, so
// that a test catches anything kept from a released document. Set it only
// in tests.
var Scribble atomic.Bool
