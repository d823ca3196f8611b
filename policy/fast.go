package policy

import (
	"math"
	"math/bits"
	"strings"
	"sync"
	"unsafe"
)

// fast.go is the single-pass reader: the path of every valid document
// written without backslash escapes. It reads the input once, front to
// back, checking each element as it comes with the diagnosing walk's own
// checks (check.go), and records what it reads in a pooled scratch of
// plain offsets and counts (no pointers, so no write barriers and nothing
// for the collector to scan). Once the whole input has been read, build
// (build.go) makes the Document in one go: every list of one kind in one
// allocation of exactly the right size, every string a slice of one copy
// of the input, every condition value parsed once, into the document. No
// syntax tree, no map, no reflection.
//
// Where the time goes, and what keeps it low: string bodies are scanned
// eight bytes at a time, and UTF-8 is validated only where a byte above
// 0x7F appears (token.go); runs of indentation are stepped over a word at
// a time; a statement's member names are compared a word at a time
// against constants (names.go); a list of actions is read by one loop
// without calls (actions) that scans and classifies each action's bytes
// in one pass; NUL bytes after the copy of the input end every loop
// without a bounds test of its own, and let a word be read anywhere up to
// the end of the input.
//
// It is an accept path only. At the first thing it does not accept it
// gives up and returns nil, without saying why; Parse then runs the
// diagnosing walk on the same input, which finds the problem (or accepts a
// document the reader does not take, such as one with escapes) and reports
// it with its path and position. Both readers must accept the same
// documents and build equal ones: FuzzFastAgrees checks that.

// span is a half-open range: of bytes of the input for a string, or of
// entries of a scratch list for a list.
type span struct{ start, end uint32 }

// The string lists of a statement (the kinds of readStrings).
const (
	listAction = iota
	listNotAction
	listResource
	listNotResource
	listRAM
	listService
	listFederated
	numLists
)

// listSlot returns where rawStatement.lists keeps list k. Action and
// NotAction share slot 0, Resource and NotResource slot 1: a statement with
// both of a pair is refused, so one slot holds whichever it has (lset says
// which), and the scratch record is 60 bytes instead of 80. The principal
// lists follow.
func listSlot(k int) int {
	if k < listRAM {
		return k >> 1
	}
	return k - 2
}

const numSlots = numLists - 2

// rawStatement is a statement as read: strings as input ranges, lists as
// ranges of scratch.strs and scratch.conds.
type rawStatement struct {
	sid    span
	conds  span
	lists  [numSlots]span // by listSlot
	seen   uint16         // elem bits of the elements present
	effect Effect
	lset   uint8 // bit k set when list k is present
}

// rawCondition is one (operator, key) pair as read.
type rawCondition struct {
	op       Operator
	ifExists bool
	key      span
	vals     span // range of scratch.vals
}

// scratch is what one parse records before build. It is reused through
// scratchPool. It holds no pointers: nothing for the collector to scan,
// no write barriers, and nothing of the last input kept alive.
type scratch struct {
	strs  []span // the elements of every string list, in document order
	stmts []rawStatement
	conds []rawCondition
	vals  []span // the values of every condition, parsed by build
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledStatements caps the statements whose scratch goes back to the
// pool, so that one huge document does not keep its scratch alive.
const maxPooledStatements = 1 << 16

// maxScratchBytes caps the bytes of a scratch that goes back to the pool.
// The statement cap alone did not bound it: a condition value takes an
// 8-byte span and an empty one three bytes of input, so a document of
// 880 KB with raised limits left 5 MB in the pool
// (TestScratchPoolKeepsBoundedBytes). The 10,000-statement set of
// BenchmarkLoad takes about 0.8 MB and stays pooled.
const maxScratchBytes = 2 << 20

// bytes returns the bytes of all of sc's blocks.
func (sc *scratch) bytes() int {
	return cap(sc.strs)*int(unsafe.Sizeof(span{})) + cap(sc.stmts)*int(unsafe.Sizeof(rawStatement{})) +
		cap(sc.conds)*int(unsafe.Sizeof(rawCondition{})) + cap(sc.vals)*int(unsafe.Sizeof(span{}))
}

// presize gives a new scratch room for the document in text in one
// allocation per list, instead of a growth step per doubling: a statement
// per "Effect" (every statement has one; a statement takes at least 30
// bytes, which bounds the guess for text that repeats the word on purpose)
// and a string per two quotes. Both guesses are capped by what a document
// within lim can hold (a string is at least two characters of MaxSize, a
// statement at least 30), so that hostile input (a megabyte of quotes)
// cannot make a parse allocate, and the pool keep, room for more.
func (sc *scratch) presize(text string, lim Limits) {
	sc.stmts = make([]rawStatement, 0, min(strings.Count(text, "Effect"), len(text)/30, lim.MaxStatements, lim.MaxSize/30)+1)
	sc.strs = make([]span, 0, min(strings.Count(text, `"`)/2, lim.MaxSize/2)+1)
}

func (sc *scratch) reset() {
	sc.strs, sc.stmts, sc.conds, sc.vals = sc.strs[:0], sc.stmts[:0], sc.conds[:0], sc.vals[:0]
}

// fastReader holds the state of one fast parse. It holds no pointer to
// anything of its caller's (the limits are a copy): the strings it reads go
// to the heap, and escape analysis would send whatever else it points to
// there with them.
type fastReader struct {
	cursor
	lim     Limits
	kind    Kind
	lenient bool
	sc      *scratch
	op      Operator // the operator whose values are being read
}

// parseFast returns the document data holds, or nil when the single-pass
// reader does not accept it (see above). c's limits must have their
// defaults filled in. With t nil the document is allocated anew; with t
// it is built in t's memory (transient.go).
func parseFast(data []byte, c *config, t *transient) *Document {
	if len(data) > c.limits.MaxInputBytes || len(data) >= math.MaxUint32 {
		return nil
	}
	sc := scratchPool.Get().(*scratch)
	// text is kept apart from r: the document keeps it.
	var text string
	if t == nil {
		text = withSentinel(data)
	} else {
		text = t.input(data)
	}
	if cap(sc.stmts) == 0 {
		sc.presize(text, c.limits)
	}
	r := fastReader{
		cursor:  cursor{s: text, n: len(data), maxDepth: c.limits.MaxDepth},
		lim:     c.limits,
		kind:    c.kind,
		lenient: c.lenient,
		sc:      sc,
	}
	var doc *Document
	if r.document() && r.atEnd() && r.size() <= r.lim.MaxSize {
		doc = build(sc, text, c.kind, t) // nil for a condition value that does not parse
	}
	if len(sc.stmts) <= maxPooledStatements && sc.bytes() <= maxScratchBytes {
		sc.reset()
		scratchPool.Put(sc)
	}
	return doc
}

// strSpan reads a string and returns its range in the input.
func (r *fastReader) strSpan() (span, bool) {
	s, ok := r.str()
	return r.lastSpan(s), ok
}

// lastSpan returns the range in the input of s, the string read last.
func (r *fastReader) lastSpan(s string) span {
	return span{uint32(r.last), uint32(r.last + len(s))}
}

func (r *fastReader) document() bool {
	if !r.open('{') {
		return false
	}
	hasVersion, hasStatement := false, false
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return false
		}
		if done {
			break
		}
		switch name {
		case "Version":
			if v, ok := r.str(); hasVersion || !ok || v != "1" {
				return false
			}
			hasVersion = true
		case "Statement":
			if hasStatement || !r.statements() {
				return false
			}
			hasStatement = true
		default:
			return false
		}
	}
	return hasVersion && hasStatement
}

// statements reads the Statement element: a list, or in lenient mode a
// single statement.
func (r *fastReader) statements() bool {
	if r.peek() == '{' {
		return r.lenient && r.statement()
	}
	if !r.open('[') {
		return false
	}
	// An empty list names no statement: the first element must be one.
	for {
		if len(r.sc.stmts) == r.lim.MaxStatements || r.overSize() || !r.statement() {
			return false
		}
		if sep := r.sep(']'); sep != sepMore {
			return sep == sepEnd
		}
	}
}

// The elements of a statement, as bits of a set.
const (
	elemSid = 1 << iota
	elemEffect
	elemAction
	elemNotAction
	elemResource
	elemNotResource
	elemPrincipal
	elemCondition
)

// statement reads one statement and appends it to the scratch.
func (r *fastReader) statement() bool {
	if !r.open('{') {
		return false
	}
	r.sc.stmts = append(r.sc.stmts, rawStatement{})
	st := &r.sc.stmts[len(r.sc.stmts)-1] // nothing else appends to stmts until this statement is read
	// An empty statement has no Effect: the first member must be there.
	seen := 0
	for sep := sepMore; sep == sepMore; {
		bit := r.statementKey()
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		var ok bool
		switch bit {
		case elemSid:
			st.sid, ok = r.strSpan()
		case elemEffect:
			st.effect = r.effect()
			ok = st.effect != 0
		case elemAction, elemNotAction, elemResource, elemNotResource:
			// Actions and resources have a reading loop each: their
			// checks differ.
			var k, n int
			start := uint32(len(r.sc.strs))
			switch bit {
			case elemAction, elemNotAction:
				k = listAction
				if bit == elemNotAction {
					k = listNotAction
				}
				n, ok = r.actions()
			default:
				k = listResource
				if bit == elemNotResource {
					k = listNotResource
				}
				n, ok = r.resources()
			}
			st.lists[listSlot(k)] = span{start, start + uint32(n)}
			st.lset |= 1 << k
		case elemPrincipal:
			ok = r.kind == Trust && r.principal(st)
		case elemCondition:
			ok = r.conditions(st)
		}
		if !ok {
			return false
		}
		if sep = r.sep('}'); sep == sepBad {
			return false
		}
	}
	st.seen = uint16(seen)
	action := seen & (elemAction | elemNotAction)
	resource := seen & (elemResource | elemNotResource)
	switch {
	case seen&elemEffect == 0,
		action == 0 || action == elemAction|elemNotAction,
		resource == elemResource|elemNotResource,
		resource == 0 && r.kind != Trust,
		seen&elemPrincipal == 0 && r.kind == Trust:
		return false
	}
	return true
}

// readStrings reads a string or a non-empty list of at most MaxValues
// strings, each read and checked as an element of list kind (a principal
// list, or listValues; see item). It returns the number read. (Actions and
// resources have loops of their own: actions, resources.)
func (r *fastReader) readStrings(kind int) (int, bool) {
	list := r.peek() == '['
	if list && !r.open('[') {
		return 0, false
	}
	for n := 1; ; n++ {
		if !r.item(kind) {
			return 0, false
		}
		if !list {
			return 1, true
		}
		if more, ok := r.listNext(r.peek(), n); !more {
			return n, ok
		}
	}
}

// listValues is the kind of readStrings for the values of a condition key,
// parsed for the operator r.op.
const listValues = numLists

// item reads one string of list kind (a principal list, or listValues;
// see readStrings), checks it, and appends its range to the scratch: to
// strs, or for listValues to vals. (String values cannot hold a control
// listNext takes b, the byte after the n-th value of a list (peeked): a
// comma (more values, unless n is already MaxValues) or the closing
// bracket (the list ends). It reports whether another value follows, and
// whether the input is still good.
func (r *fastReader) listNext(b byte, n int) (more, ok bool) {
	switch b {
	case ',':
		if n == r.lim.MaxValues {
			return false, false
		}
		r.i++
		return true, true
	case ']':
		r.i++
		r.depth--
		return false, true
	}
	return false, false
}

// character: str has made sure of that.)
func (r *fastReader) item(kind int) bool {
	s, ok := r.str()
	if !ok {
		return false
	}
	switch kind {
	case listRAM, listService, listFederated:
		if principalProblem(s, kind).err != nil {
			return false
		}
	case listValues:
		// The value is parsed for its operator's family by build, straight
		// into the document (a Value holds pointers; the scratch does not).
		if r.op == StringLike || r.op == StringNotLike {
			if wildcardProblem(countWildcards(s), r.lim.MaxWildcards).err != nil {
				return false
			}
		}
		r.sc.vals = append(r.sc.vals, r.lastSpan(s))
		return true
	}
	r.sc.strs = append(r.sc.strs, r.lastSpan(s))
	return true
}

// actions reads the value of Action or NotAction, one action or a
// non-empty list of at most MaxValues, and appends their ranges to
// scratch.strs; it returns how many it read. It is readStrings and the
// check of each element fused into one loop without calls (a call spills
// every register), which keeps its place in the text in a local: the
// lists of actions are most of what a policy holds. It steps over the
// usual white space before an element (a line break and up to fifteen
// spaces) in a word or two, and scans each action a word at a time up to its first byte no
// action may hold, adding up the actionCount entries of its bytes: the
// scan also finds the closing quote, and the sum says whether there was
// one colon and how many wildcards. The checks are actionProblem's, made
// on the bytes in place (TestActionsAgreeWithActionProblem); an action
// with a byte the scan stops at other than the quote (an escape, say) is
// not for this reader.
func (r *fastReader) actions() (int, bool) {
	list := r.peek() == '['
	s, i, sc := r.s, r.i, r.sc
	if list {
		if r.depth++; r.depth > r.maxDepth {
			return 0, false
		}
		i++
	}
	n := 0 // the actions read, less one
	for {
		if s[i] <= ' ' {
			// A line break and its indentation: spaces are zero bytes
			// once XOR-ed out, the line break first masked out too.
			j := i
			x := load64(s, j) ^ (ones * ' ') // in bounds: j is at most the sentinel's offset
			if x&0xff == '\n'^' ' {
				x &^= 0xff
			}
			if x == 0 {
				j += 8
				x = load64(s, j) ^ (ones * ' ')
			}
			j += bits.TrailingZeros64(x|1<<63) >> 3 // the top bit set: at most 7 (a space, for skip), and no test for zero
			r.ws += j - i
			i = j
			if s[i] <= ' ' { // more than that, or other white space
				r.i = i
				r.skip()
				i = r.i
			}
		}
		if s[i] != '"' {
			return 0, false
		}
		start := i + 1
		// The scan (actionRun's, inline, without its four-byte step): it
		// stops at the sentinel at the latest, so the eight bytes it reads
		// are in bounds.
		j, sum := start, uint64(0)
		for {
			w := s[j : j+8]
			t := actionCount[w[0]] + actionCount[w[1]] + actionCount[w[2]] + actionCount[w[3]] +
				actionCount[w[4]] + actionCount[w[5]] + actionCount[w[6]] + actionCount[w[7]]
			if t >= actionStop {
				break
			}
			sum += t
			j += 8
		}
		for {
			c := actionCount[s[j]]
			if c >= actionStop {
				break
			}
			sum += c
			j++
		}
		switch {
		case s[j] != '"':
			return 0, false
		case sum>>32 == 1: // <service>:<action>, both parts non-empty
			if s[start] == ':' || s[j-1] == ':' || int(sum&(1<<32-1)) > r.lim.MaxWildcards {
				return 0, false
			}
		case j != start+1 || s[start] != '*': // "*" alone, whatever the wildcard limit
			return 0, false
		}
		sc.strs = append(sc.strs, span{uint32(start), uint32(j)})
		i = j + 1
		if !list {
			break
		}
		if s[i] <= ' ' {
			r.i = i
			r.skip()
			i = r.i
		}
		if s[i] == ',' {
			if n++; n == r.lim.MaxValues {
				return 0, false
			}
			i++
			continue
		}
		if s[i] != ']' {
			return 0, false
		}
		i++
		r.depth--
		break
	}
	r.i, r.last = i, int(sc.strs[len(sc.strs)-1].start)
	return n + 1, true
}

// resources reads the value of Resource or NotResource, one resource or
// a non-empty list of at most MaxValues, appends their ranges to
// scratch.strs and returns how many it read: readStrings with item's
// check of a resource, without the calls and the switches on the kind of
// list between them. A lone "*" is compared as one word, without str's
// scan.
func (r *fastReader) resources() (int, bool) {
	// "*" alone, the resource most statements name, right after the
	// colon (where statementKey leaves the reader): one word compared
	// instead of a string scanned and checked. (The word is in bounds: r.i
	// is at most the sentinel's offset.)
	if load64(r.s, r.i)&(1<<24-1) == wordStar {
		r.last = r.i + 1
		r.i += 3
		r.sc.strs = append(r.sc.strs, span{uint32(r.last), uint32(r.last + 1)})
		return 1, true
	}
	list := r.peek() == '['
	if list && !r.open('[') {
		return 0, false
	}
	sc, maxWild := r.sc, r.lim.MaxWildcards
	for n := 1; ; n++ {
		s, ok := r.str()
		if !ok || !resourceAccepted(s, maxWild) && resourceProblem(s, maxWild, true).err != nil {
			return 0, false
		}
		sc.strs = append(sc.strs, r.lastSpan(s))
		if !list {
			return 1, true
		}
		if more, ok := r.listNext(r.peek(), n); !more {
			return n, ok
		}
	}
}

// stringList reads the principal list k of st (listRAM, listService or
// listFederated). A single string is read here, without readStrings' list
// loop.
func (r *fastReader) stringList(st *rawStatement, k int) bool {
	start := uint32(len(r.sc.strs))
	st.lset |= 1 << k
	var ok bool
	n := 1
	if r.peek() == '[' {
		n, ok = r.readStrings(k)
	} else {
		ok = r.item(k)
	}
	st.lists[listSlot(k)] = span{start, start + uint32(n)}
	return ok
}

// principal reads the Principal element of a trust statement.
func (r *fastReader) principal(st *rawStatement) bool {
	if !r.open('{') {
		return false
	}
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return false
		}
		if done {
			return !first // an empty Principal names no principal
		}
		var k int
		switch name {
		case "RAM":
			k = listRAM
		case "Service":
			k = listService
		case "Federated":
			k = listFederated
		default:
			return false
		}
		if st.lset&(1<<k) != 0 || !r.stringList(st, k) {
			return false
		}
	}
}

// conditions reads a Condition block. Operators are unique by name, which
// is unique by (operator, IfExists); keys are unique within an operator
// under CanonicalKey.
func (r *fastReader) conditions(st *rawStatement) bool {
	if !r.open('{') {
		return false
	}
	start := uint32(len(r.sc.conds))
	var ops uint64 // bit 2*op+ifExists for each operator read
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return false
		}
		if done {
			break
		}
		op, ifExists, ok := ParseOperatorName(name)
		bit := uint64(1) << (2 * uint(op))
		if ifExists {
			bit <<= 1
		}
		if !ok || ops&bit != 0 || !r.open('{') {
			return false
		}
		ops |= bit
		block := len(r.sc.conds)
		for firstKey := true; ; firstKey = false {
			key, done, ok := r.key(firstKey)
			if !ok {
				return false
			}
			if done {
				if firstKey {
					return false // names no condition key
				}
				break
			}
			// The size check comes first: sameKeyIn compares with every
			// key of the block, and only the size bounds their number.
			if key == "" || r.overSize() || r.sameKeyIn(block, key) {
				return false
			}
			c := rawCondition{op: op, ifExists: ifExists, key: r.lastSpan(key)}
			start := uint32(len(r.sc.vals))
			r.op = op
			n, ok := r.readStrings(listValues)
			if !ok {
				return false
			}
			c.vals = span{start, start + uint32(n)}
			r.sc.conds = append(r.sc.conds, c)
		}
	}
	st.conds = span{start, uint32(len(r.sc.conds))}
	return true
}

// overSize reports whether what has been read is already over MaxSize,
// so that the reader gives up on an over-size document as soon as the walk
// (which measures the size before it reads) would, instead of recording
// all of it first: without the check, a 1 MiB block of condition keys made
// sameKeyIn compare each key with every key before it (33 s for one
// Parse; the walk rejects the input in 3 ms). It is checked before each
// statement and each condition key: between two checks the reader records
// at most a statement's MaxValues-bounded lists.
func (r *fastReader) overSize() bool { return r.size() > r.lim.MaxSize }

// sameKeyIn reports whether the conditions of the operator block starting
// at scratch.conds[block] name key already, under CanonicalKey.
func (r *fastReader) sameKeyIn(block int, key string) bool {
	for _, c := range r.sc.conds[block:] {
		if sameCanonicalKey(r.s[c.key.start:c.key.end], key) {
			return true
		}
	}
	return false
}
