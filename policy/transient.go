package policy

import (
	"sync"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/docpool"
)

// transient.go parses a document into reusable memory, for a caller that
// compiles it at once and keeps none of it (evaluator.Load, through
// internal/docpool). Parse allocates the document, its lists of strings,
// its conditions and a copy of its input on every call: a few kilobytes
// for a system policy, which a load writes into memory the processor has
// not touched for a while and the collector must then reclaim. A
// transient parse builds the same Document in one pooled set of blocks
// instead; the strings a compiled Evaluator keeps (Sids, condition keys
// and values, principals) are then copied out into a block of their own,
// and only the pattern lists (Action, NotAction, Resource, NotResource),
// which Compile copies into its own tables, stay in the pooled text.

// transient is the reusable memory of one transient parse.
type transient struct {
	text  []byte // the padded copy of the input (withSentinel's layout)
	strs  []string
	vals  []Value
	conds []Condition
	prins []Principal
	stmts []Statement
	doc   Document
	cfg   config // the options of the last parse
}

var transientPool = sync.Pool{New: func() any { return new(transient) }}

// maxTransientText caps the bytes of input whose memory goes back to the
// pool, so that one huge document does not keep megabytes alive.
const maxTransientText = 1 << 20

// maxTransientBytes caps the bytes of all the blocks of a transient that
// goes back to the pool: text and containers. The text cap alone did not
// bound them: a Value takes 120 bytes and an empty condition value three
// bytes of input, so a document of 880 KB with raised limits left 36 MB
// in the pool (TestAttackTransientPoolKeepsBoundedBytes). Statements cost
// about three times their text (a Statement takes 152 bytes; the
// 10,000-statement set of BenchmarkLoad, 1.0 MB, takes 2.9 MB in all), so
// the cap is four times the text's: a document within the default limits
// (1 MiB of text, a few hundred kilobytes of containers) and a dense
// statement list up to the text cap stay pooled
// (TestAttackTransientPoolsStatementLists).
const maxTransientBytes = 4 * maxTransientText

func init() {
	docpool.Parse = parseTransient
	docpool.Release = releaseTransient
}

// parseTransient is docpool.Parse. Its options run on a config in t,
// not on one of their own as Parse's do (newConfig): an Option may keep
// its config's pointer, which costs Parse an allocation, and t is memory
// this package owns.
func parseTransient(data []byte, opts []Option) (*Document, any, error) {
	t := transientPool.Get().(*transient)
	t.cfg = config{}
	for _, o := range opts {
		if o != nil {
			o(&t.cfg)
		}
	}
	c := t.cfg
	if err := c.badKind(); err != nil {
		t.release()
		return nil, nil, err
	}
	c.limits = c.limits.withDefaults(c.kind)
	if d := parseFast(data, &c, t); d != nil {
		ownKeptStrings(d)
		return d, t, nil
	}
	t.release()
	// The diagnosing walk: a document with escapes, or an error.
	d, err := parseWalk(data, c)
	if err != nil {
		return nil, nil, err
	}
	return d, nil, nil
}

// releaseTransient is docpool.Release.
func releaseTransient(mem any) {
	if t, ok := mem.(*transient); ok && t != nil {
		t.release()
	}
}

func (t *transient) release() {
	if docpool.Scribble.Load() {
		for i := range t.text {
			t.text[i] = 0xA5
		}
		for i := range t.strs {
			t.strs[i] = "\xa5"
		}
		clear(t.vals)
		clear(t.conds)
		clear(t.prins)
		clear(t.stmts)
		t.doc = Document{}
	}
	if cap(t.text) > maxTransientText || cap(t.stmts) > maxPooledStatements || t.bytes() > maxTransientBytes {
		return
	}
	// The containers hold the strings the caller was given to keep
	// (ownKeptStrings points the document's headers at them): a pooled
	// transient must not keep those alive after the caller drops them
	// (TestAttackTransientKeepsNoKeptStrings). Only what the last parse
	// used is cleared: each getter below leaves its block that long, and
	// the blocks are left empty for the next.
	clear(t.strs)
	clear(t.vals)
	clear(t.conds)
	clear(t.prins)
	clear(t.stmts)
	t.strs, t.vals, t.conds, t.prins, t.stmts = t.strs[:0], t.vals[:0], t.conds[:0], t.prins[:0], t.stmts[:0]
	t.doc, t.cfg = Document{}, config{}
	transientPool.Put(t)
}

// bytes returns the bytes of all of t's blocks.
func (t *transient) bytes() int {
	return cap(t.text) +
		cap(t.strs)*int(unsafe.Sizeof("")) +
		cap(t.vals)*int(unsafe.Sizeof(Value{})) +
		cap(t.conds)*int(unsafe.Sizeof(Condition{})) +
		cap(t.prins)*int(unsafe.Sizeof(Principal{})) +
		cap(t.stmts)*int(unsafe.Sizeof(Statement{}))
}

// input returns data followed by padding NUL bytes, in t's text: the text
// of a cursor, as withSentinel's.
func (t *transient) input(data []byte) string {
	n := len(data) + padding
	if cap(t.text) < n {
		t.text = make([]byte, n)
	}
	b := t.text[:n]
	copy(b, data)
	clear(b[len(data):])
	return unsafe.String(&b[0], n)
}

// strings returns n strings for build to fill in, every one of them.
func (t *transient) strings(n int) []string {
	if cap(t.strs) < n {
		t.strs = make([]string, n)
	}
	t.strs = t.strs[:n]
	return t.strs
}

// conditions returns n values and c conditions for build to fill in.
func (t *transient) conditions(n, c int) ([]Value, []Condition) {
	if cap(t.vals) < n {
		t.vals = make([]Value, n)
	}
	if cap(t.conds) < c {
		t.conds = make([]Condition, c)
	}
	t.vals, t.conds = t.vals[:n], t.conds[:c]
	return t.vals, t.conds
}

// principals returns n zero principals. (Every block of a transient is
// zero from its last release on: release clears what the parse used.)
func (t *transient) principals(n int) []Principal {
	if cap(t.prins) < n {
		t.prins = make([]Principal, n)
	}
	t.prins = t.prins[:n]
	return t.prins
}

// document returns t's Document and n zero statements for it, capped at
// n as newDocument's are.
func (t *transient) document(n int) (*Document, []Statement) {
	if cap(t.stmts) < n {
		t.stmts = make([]Statement, n)
	}
	t.stmts = t.stmts[:n]
	return &t.doc, t.stmts[:n:n]
}
