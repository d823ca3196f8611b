package evaluator

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/match"
	"github.com/ramauthz/ramauthz/internal/trie"
	"github.com/ramauthz/ramauthz/policy"
)

// Policy is one input document of an Evaluator, with the ID explanations use
// to cite it (for example "AliyunARMSReadOnlyAccess"). IDs need not be
// unique.
type Policy struct {
	ID       string
	Document *policy.Document
}

// Evaluator decides requests against a fixed set of policies. It is built by
// Compile, immutable, and safe for concurrent use by any number of
// goroutines. Evaluators are independent values: callers combine several
// (an identity pool, a session policy, a trust policy) by deciding against
// each, with no recompilation per request; to change a policy set, compile a
// new Evaluator and swap it in (for example through an atomic.Pointer).
//
// A nil *Evaluator decides ImplicitDeny for every request.
//
// Layout: the statements, their patterns (one match.Table) and the action
// indexes are tables of numbers that refer to one another by position, so
// that compiling fills a few pointer-free blocks the garbage collector
// neither write-barriers nor scans; only conditions, principals and Sids,
// which are rare, are kept as Go values with strings.
type Evaluator struct {
	// The policies' IDs (policyID): with one policy (the common case),
	// id, which spares an allocation; with several, ids points to the
	// first of theirs, one per policy. (A pointer rather than a slice:
	// 16 bytes less keep the Evaluator, with the 8-byte header the
	// allocator adds to an object of pointers over 512 bytes, in the
	// 576-byte size class rather than the 640-byte one.)
	ids        *string
	id         string
	sids       []string // Sid of each statement; nil when no statement has one
	stmts      []stmt
	pats       match.Table // every statement's action and resource patterns
	conds      []cond
	principals []principals
	deny       index
	allow      index
}

// index finds the statements of one effect that can apply to an action.
type index struct {
	trie      trie.Trie // literal action prefixes → entries (empty when there are none)
	ents      []entry
	any       []int32 // entries whose pattern matches every action ("*"): not in the trie
	notAction []int32 // statements with NotAction: always checked
}

// entry is one action pattern of one statement.
type entry struct {
	stmt int32
	pat  int32 // the pattern, in Evaluator.pats
	// restAny: the pattern is its literal prefix and one final '*' (or
	// only stars), so whatever follows the prefix matches (Decide skips
	// MatchRest).
	restAny bool
}

// span is a run of a table: positions lo to hi-1.
type span struct{ lo, hi int32 }

// stmt is a compiled statement (40 bytes, no pointers).
type stmt struct {
	policy    int32
	index     int32
	actions   span  // folded Action or NotAction patterns, in Evaluator.pats
	resources span  // in Evaluator.pats
	conds     span  // in Evaluator.conds
	principal int32 // 1 + position in Evaluator.principals; 0: no Principal element
	effect    policy.Effect
	notAction bool
	resKind   resKind
	resAll    bool // one of the resource patterns is "*"-like
}

type resKind uint8

const (
	resNone   resKind = iota // no Resource element (trust policies): any resource
	resAllow                 // Resource: some pattern must match
	resExcept                // NotResource: no pattern may match
)

// principals is a compiled Principal element.
type principals struct {
	roots     []string // account IDs from acs:ram::<uid>:root
	ram       []string // exact user and role ARNs
	service   []string
	federated []string
}

// cond is one compiled condition: an operator on one key.
type cond struct {
	op       policy.Operator // as written, without IfExists
	pos      policy.Operator // positive form of op
	neg      bool
	ifExists bool   // the IfExists form: an absent key makes the condition true
	key      string // as written
	nkey     string // normalised for lookup
	slot     int    // fixed Context slot, or -1
	// principalARN is set for acs:PrincipalARN, which falls back to
	// Request.Principal.ARN when the context does not set it.
	principalARN bool
	raws         []string
	strs         []string
	pats         []match.Pattern
	nums         []policy.Number
	times        []time.Time
	bools        []bool
	nets         []netip.Prefix
}

// Compile builds an Evaluator from policies. Zero policies is valid: the
// evaluator then decides ImplicitDeny for every request.
//
// Compile does not trust its input: documents may be built in code, so it
// re-checks what Parse guarantees (a valid Effect, exactly one of Action and
// NotAction, Resource or NotResource as the document's kind requires,
// non-empty patterns that are valid UTF-8, valid operators with at least one
// value each, no key twice under one operator (policy.CanonicalKey),
// Principal only in trust documents) and re-parses every
// condition value from its Raw text. The documents are not retained; later
// changes to them do not affect the Evaluator. Action and resource patterns
// are copied into blocks the Evaluator owns, so an Evaluator does not keep
// alive the input its documents were parsed from through them (Sids,
// condition keys and string values are shared, being immutable strings).
//
// Cost: one pass over the documents to size the tables, then a few
// allocations per policy set rather than per statement; BenchmarkLoad
// reports the time, the allocations and the bytes kept per compiled
// statement.
//
// On error Compile returns nil and a *CompileError.
func Compile(policies ...Policy) (*Evaluator, error) {
	n := 0
	for _, p := range policies {
		if p.Document != nil {
			n += len(p.Document.Statements)
		}
	}
	if n > math.MaxInt32 || len(policies) > math.MaxInt32 {
		return nil, &CompileError{Index: -1, Err: policy.ErrLimit, Msg: "too many statements"}
	}
	// The tables are filled in an Evaluator on the stack and stored in
	// the heap once, at the end: appending to slices held in a heap
	// Evaluator cost a write barrier per append while the collector was
	// marking.
	var ev Evaluator
	if len(policies) == 1 {
		ev.id = policies[0].ID
	} else if len(policies) > 1 {
		ids := make([]string, len(policies))
		for i, p := range policies {
			ids[i] = p.ID
		}
		ev.ids = &ids[0]
	}
	b := builder{e: &ev}
	vals, err := b.alloc(policies, n)
	if err != nil {
		return nil, err
	}
	for i, p := range policies {
		if err := b.addPolicy(int32(i), p); err != nil {
			err.PolicyID, err.Index = p.ID, i
			return nil, err
		}
	}
	if err := ev.buildIndexes(&b, vals); err != nil {
		return nil, err
	}
	e := new(Evaluator)
	*e = ev
	return e, nil
}

// policyID returns the ID of policy i.
func (e *Evaluator) policyID(i int32) string {
	if e.ids == nil {
		return e.id
	}
	return unsafe.Slice(e.ids, i+1)[i]
}

func errAt(path string, sentinel error, msg string) *CompileError {
	return &CompileError{Path: path, Err: sentinel, Msg: msg}
}

// builder fills an Evaluator's tables, sized once by a first pass over the
// documents: one block each for the statements, the patterns' records,
// their text and the conditions, instead of a few small allocations per
// statement.
type builder struct {
	e *Evaluator
	// The action patterns (Action) and statements (NotAction) each
	// effect's index will hold, counted by alloc for buildIndexes;
	// position 1 for Deny, 0 for Allow.
	actions, notActions [2]int
}

// trieVals is room for the values of the deny (1) and allow (0) indexes'
// tries (trie.Builder.BuildIntoVals), cut by carve: one per action
// pattern, a bound on a trie's keys. (It is kept out of builder: a slice
// a trie keeps, stored in a builder, made escape analysis move the
// Evaluator Compile fills on its stack to the heap.)
type trieVals [2][]int32

// alloc sizes the tables for policies, which hold n statements. It
// reports ErrLimit when the patterns or conditions would not fit the
// tables' int32 positions.
func (b *builder) alloc(policies []Policy, n int) (trieVals, *CompileError) {
	np, nc, sids := 0, 0, false
	var room tableRoom
	for _, p := range policies {
		if p.Document == nil {
			continue
		}
		for i := range p.Document.Statements {
			st := &p.Document.Statements[i]
			np += len(st.Action) + len(st.NotAction) + len(st.Resource) + len(st.NotResource)
			nc += len(st.Condition)
			sids = sids || st.Sid != ""
			deny := 0
			if st.Effect == policy.Deny {
				deny = 1
			}
			if st.Action != nil {
				b.actions[deny] += len(st.Action)
			} else if st.NotAction != nil {
				b.notActions[deny]++
			}
			room.add(st.Action, true)
			room.add(st.NotAction, true)
			room.add(st.Resource, false)
			room.add(st.NotResource, false)
		}
	}
	text, mids := room.text, room.mids
	if np > math.MaxInt32 || nc > math.MaxInt32 || text > math.MaxInt32 {
		return trieVals{}, &CompileError{Index: -1, Err: policy.ErrLimit, Msg: "too many patterns or conditions"}
	}
	// (np bounds the action patterns.)
	vals := b.carve(n, np, text, mids)
	if nc > 0 {
		b.e.conds = make([]cond, 0, nc)
	}
	if sids {
		b.e.sids = make([]string, 0, cap(b.e.stmts))
	}
	return vals, nil
}

// carve gives the Evaluator room for n statements, the entries of its
// allow and deny indexes and their tries' values (b.actions of each) and a
// pattern table of np patterns, text bytes and mids chunks (as
// match.Table.Grow takes them), all cut from one pointer-free block: one
// allocation where there were four (each ≈250 instructions in the
// allocator and, with the collector on, ≈200 ns of a system policy's
// compile). The tries' nodes, counted only once their keys are sorted,
// stay in blocks of their own.
func (b *builder) carve(n, np, text, mids int) (vals trieVals) {
	const stmtSize, entSize = int(unsafe.Sizeof(stmt{})), int(unsafe.Sizeof(entry{}))
	allow, deny := b.actions[0], b.actions[1]
	// The statements, entries and values are of 4-byte fields and the
	// block is 8-byte aligned; they take whole words, so that the table's
	// part starts 8-byte aligned too. A part is cut only when it has
	// room, so no pointer is made past the end.
	ents := n*stmtSize + (allow+deny)*entSize // where the values start
	own := (ents + 4*(allow+deny) + 7) / 8
	blk := make([]uint64, own+match.Words(np, text, mids))
	if len(blk) == 0 {
		return vals
	}
	base := unsafe.Pointer(unsafe.SliceData(blk))
	e := b.e
	if n > 0 {
		e.stmts = unsafe.Slice((*stmt)(base), n)[:0]
	}
	if allow > 0 {
		e.allow.ents = unsafe.Slice((*entry)(unsafe.Add(base, n*stmtSize)), allow)[:0]
	}
	if deny > 0 {
		e.deny.ents = unsafe.Slice((*entry)(unsafe.Add(base, n*stmtSize+allow*entSize)), deny)[:0]
		vals[1] = unsafe.Slice((*int32)(unsafe.Add(base, ents+4*allow)), deny)
	}
	if allow > 0 {
		vals[0] = unsafe.Slice((*int32)(unsafe.Add(base, ents)), allow)
	}
	e.pats.GrowIn(blk[own:], np, text, mids)
	return vals
}

// patternText is the room a match.Table needs for list (match.Need).
func patternText(list []string, fold bool) (text, mids int) { return match.Need(list, fold) }

// tableRoom sums the room lists of patterns take in a match.Table.
type tableRoom struct{ text, mids int }

func (r *tableRoom) add(list []string, fold bool) {
	if len(list) > 0 {
		t, m := match.Need(list, fold)
		r.text, r.mids = r.text+t, r.mids+m
	}
}

// stmtPath is the index of a statement in its document, rendered as a JSON
// path ("Statement[3]") only when an error needs it.
type stmtPath int

func (p stmtPath) at(rest string) string { return "Statement[" + strconv.Itoa(int(p)) + "]" + rest }

func (b *builder) addPolicy(pi int32, p Policy) *CompileError {
	e := b.e
	d := p.Document
	switch {
	case d == nil:
		return errAt("", policy.ErrMissing, "the policy has no document")
	case d.Kind > policy.Session:
		return errAt("", policy.ErrInvalid, "unknown document kind "+d.Kind.String())
	case d.Version != "1":
		return errAt("Version", policy.ErrInvalid, `Version must be "1"; got `+strconv.Quote(d.Version))
	case len(d.Statements) == 0:
		return errAt("Statement", policy.ErrMissing, "the document has no statements")
	}
	for si := range d.Statements {
		s, err := b.compileStatement(d.Kind, &d.Statements[si], stmtPath(si))
		if err != nil {
			return err
		}
		s.policy, s.index = pi, int32(si)
		e.stmts = append(e.stmts, s)
		if e.sids != nil {
			e.sids = append(e.sids, d.Statements[si].Sid)
		}
	}
	return nil
}

func (b *builder) compileStatement(kind policy.Kind, st *policy.Statement, path stmtPath) (stmt, *CompileError) {
	s := stmt{effect: st.Effect}
	if !st.Effect.Valid() {
		return s, errAt(path.at(".Effect"), policy.ErrInvalid, "Effect must be Allow or Deny; got "+st.Effect.String())
	}
	var err *CompileError
	switch {
	case st.Action != nil && st.NotAction != nil:
		return s, errAt(path.at(".NotAction"), policy.ErrConflict, "a statement has either Action or NotAction, not both")
	case st.Action != nil:
		s.actions, _, err = b.compilePatterns(st.Action, true, path, "Action")
	case st.NotAction != nil:
		s.notAction = true
		s.actions, _, err = b.compilePatterns(st.NotAction, true, path, "NotAction")
	default:
		return s, errAt(path.at(".Action"), policy.ErrMissing, "a statement needs Action or NotAction")
	}
	if err != nil {
		return s, err
	}
	switch {
	case st.Resource != nil && st.NotResource != nil:
		return s, errAt(path.at(".NotResource"), policy.ErrConflict, "a statement has either Resource or NotResource, not both")
	case st.Resource != nil:
		s.resKind = resAllow
		s.resources, s.resAll, err = b.compilePatterns(st.Resource, false, path, "Resource")
	case st.NotResource != nil:
		s.resKind = resExcept
		s.resources, s.resAll, err = b.compilePatterns(st.NotResource, false, path, "NotResource")
	case kind != policy.Trust:
		return s, errAt(path.at(".Resource"), policy.ErrMissing, "a statement of an "+kind.String()+" policy needs Resource or NotResource")
	}
	if err != nil {
		return s, err
	}
	switch {
	case st.Principal != nil && kind != policy.Trust:
		return s, errAt(path.at(".Principal"), policy.ErrInvalid, "Principal is allowed only in trust policies, not in "+kind.String()+" policies")
	case st.Principal != nil:
		pr, err := compilePrincipal(st.Principal, path.at(".Principal"))
		if err != nil {
			return s, err
		}
		b.e.principals = append(b.e.principals, pr)
		s.principal = int32(len(b.e.principals))
	case kind == policy.Trust:
		return s, errAt(path.at(".Principal"), policy.ErrMissing, "a statement of a trust policy needs a Principal")
	}
	if len(st.Condition) > 0 {
		lo := len(b.e.conds)
		b.e.conds = append(b.e.conds, make([]cond, len(st.Condition))...)
		conds := b.e.conds[lo:]
		s.conds = span{int32(lo), int32(len(b.e.conds))}
		var seen map[condName]bool
		for i := range st.Condition {
			cd := &conds[i]
			if err := compileCond(cd, &st.Condition[i], path); err != nil {
				return s, err
			}
			// One operator block names each key once, under
			// policy.CanonicalKey (spec §13 D23), as Parse checks; a
			// document built in code with twins could not be printed.
			name := condName{cd.op, cd.ifExists, cd.nkey}
			dup := false
			if seen != nil {
				dup = seen[name]
			} else {
				for j := range i {
					if c := &conds[j]; c.op == cd.op && c.ifExists == cd.ifExists && c.nkey == cd.nkey {
						dup = true
					}
				}
			}
			if dup {
				return s, errAt(condPath(path.at(".Condition"), &st.Condition[i]), policy.ErrDuplicateKey,
					"key "+strconv.Quote(cd.key)+" appears twice under "+st.Condition[i].OperatorName()+" (key names ignore ASCII case before the first '/')")
			}
			if i == 16 {
				seen = make(map[condName]bool, len(st.Condition))
				for j := range i {
					c := &conds[j]
					seen[condName{c.op, c.ifExists, c.nkey}] = true
				}
			}
			if seen != nil {
				seen[name] = true
			}
		}
	}
	return s, nil
}

// condName identifies a condition within its statement: the operator as
// written and the canonical key.
type condName struct {
	op       policy.Operator
	ifExists bool
	nkey     string
}

// compilePatterns adds action (fold) or resource patterns to the
// evaluator's table and reports whether one of them matches everything.
func (b *builder) compilePatterns(list []string, fold bool, path stmtPath, elem string) (span, bool, *CompileError) {
	if len(list) == 0 {
		return span{}, false, errAt(path.at("."+elem), policy.ErrMissing, "the list is empty")
	}
	t := &b.e.pats
	out := span{lo: int32(t.Len())}
	all := false
	for i, s := range list {
		if s == "" {
			return span{}, false, errAt(path.at("."+elem+"["+strconv.Itoa(i)+"]"), policy.ErrInvalid, "a pattern must not be empty")
		}
		p, err := t.Add(s, fold)
		if err != nil {
			if errors.Is(err, match.ErrTableFull) {
				return span{}, false, errAt(path.at("."+elem+"["+strconv.Itoa(i)+"]"), policy.ErrLimit, "too many patterns")
			}
			return span{}, false, errAt(path.at("."+elem+"["+strconv.Itoa(i)+"]"), policy.ErrInvalid, "a pattern must be valid UTF-8")
		}
		all = all || t.Any(p)
	}
	out.hi = int32(t.Len())
	return out, all, nil
}

const ramPrefix = "acs:ram::"

func compilePrincipal(pr *policy.Principal, path string) (principals, *CompileError) {
	var out principals
	if len(pr.RAM)+len(pr.Service)+len(pr.Federated) == 0 {
		return out, errAt(path, policy.ErrMissing, "Principal must name at least one principal")
	}
	check := func(list []string, name string) *CompileError {
		for i, s := range list {
			if s == "" {
				return errAt(path+"."+name+"["+strconv.Itoa(i)+"]", policy.ErrInvalid, "a principal must not be empty")
			}
		}
		return nil
	}
	if err := check(pr.RAM, "RAM"); err != nil {
		return out, err
	}
	if err := check(pr.Service, "Service"); err != nil {
		return out, err
	}
	if err := check(pr.Federated, "Federated"); err != nil {
		return out, err
	}
	for _, s := range pr.RAM {
		if uid, ok := strings.CutPrefix(s, ramPrefix); ok {
			if uid, ok = strings.CutSuffix(uid, ":root"); ok && uid != "" && !strings.Contains(uid, ":") {
				out.roots = append(out.roots, uid)
				continue
			}
		}
		out.ram = append(out.ram, s)
	}
	out.service = append(out.service, pr.Service...)
	out.federated = append(out.federated, pr.Federated...)
	return out, nil
}

func condPath(path string, c *policy.Condition) string {
	return path + "." + c.OperatorName() + "." + strconv.Quote(c.Key)
}

func compileCond(cd *cond, c *policy.Condition, sp stmtPath) *CompileError {
	if !c.Operator.Valid() {
		return errAt(sp.at(".Condition"), policy.ErrUnknownElement, "invalid operator "+c.Operator.String())
	}
	path := condPath(sp.at(".Condition"), c)
	if c.Key == "" {
		return errAt(path, policy.ErrInvalid, "a condition key must not be empty")
	}
	if len(c.Values) == 0 {
		return errAt(path, policy.ErrMissing, "a condition needs at least one value")
	}
	op := c.Operator
	*cd = cond{op: op, pos: op.Positive(), neg: op.Negated(), ifExists: c.IfExists, key: c.Key, nkey: normKey(c.Key)}
	cd.slot = slotOf(cd.nkey)
	cd.principalARN = cd.nkey == keyPrincipalARN
	cd.raws = make([]string, len(c.Values))
	for i, v := range c.Values {
		raw := v.Raw
		cd.raws[i] = raw
		bad := func(what string) *CompileError {
			return errAt(path+"["+strconv.Itoa(i)+"]", policy.ErrInvalid, c.OperatorName()+" value "+strconv.Quote(raw)+" is not "+what)
		}
		switch op.Family() {
		case policy.FamilyString:
			if !utf8.ValidString(raw) {
				return bad("valid UTF-8")
			}
			if cd.pos == policy.StringLike {
				p, err := match.Compile(raw, false)
				if err != nil {
					return bad("valid UTF-8")
				}
				cd.pats = append(cd.pats, p)
			} else {
				cd.strs = append(cd.strs, raw)
			}
		case policy.FamilyNumeric:
			n, err := policy.ParseNumber(raw)
			if err != nil {
				return bad("a decimal number")
			}
			cd.nums = append(cd.nums, n)
		case policy.FamilyDate:
			t, err := policy.ParseDate(raw)
			if err != nil {
				return bad("an ISO 8601 date-time with a time zone")
			}
			cd.times = append(cd.times, t)
		case policy.FamilyBool:
			b, err := policy.ParseBool(raw)
			if err != nil {
				return bad(`"true" or "false"`)
			}
			cd.bools = append(cd.bools, b)
		case policy.FamilyIP:
			p, err := policy.ParseIPValue(raw)
			if err != nil {
				return bad("an IP address or CIDR block")
			}
			cd.nets = append(cd.nets, p)
		}
	}
	return nil
}

// buildIndexes files every action pattern under its literal prefix, per
// effect. NotAction statements cannot be indexed by what they exclude and go
// to the always-checked list.
func (e *Evaluator) buildIndexes(sized *builder, vals trieVals) *CompileError {
	// The tries' keys are the patterns' literal prefixes, which the
	// pattern table already holds: the tries share its text.
	deny, allow := trie.NewBuilderOver(true, e.pats.Text()), trie.NewBuilderOver(true, e.pats.Text())
	nAllow, nDeny, xAllow, xDeny := sized.actions[0], sized.actions[1], sized.notActions[0], sized.notActions[1]
	if nDeny+nAllow > math.MaxInt32 {
		return &CompileError{Index: -1, Err: policy.ErrLimit, Msg: "too many action patterns"}
	}
	deny.Grow(nDeny, 0)
	allow.Grow(nAllow, 0)
	if xDeny > 0 {
		e.deny.notAction = make([]int32, 0, xDeny)
	}
	if xAllow > 0 {
		e.allow.notAction = make([]int32, 0, xAllow)
	}
	for si := range e.stmts {
		s := &e.stmts[si]
		ix, b := &e.allow, allow
		if s.effect == policy.Deny {
			ix, b = &e.deny, deny
		}
		if s.notAction {
			ix.notAction = append(ix.notAction, int32(si))
			continue
		}
		for p := s.actions.lo; p < s.actions.hi; p++ {
			off, n, exact, any, restAny := e.pats.IndexKey(p)
			if any {
				ix.any = append(ix.any, int32(len(ix.ents)))
			} else if !b.AddRef(off, n, exact, int32(len(ix.ents))) {
				return &CompileError{Index: -1, Err: policy.ErrLimit, Msg: "too many action patterns"}
			}
			ix.ents = append(ix.ents, entry{stmt: int32(si), pat: p, restAny: restAny})
		}
	}
	// The builders' scratch goes back to be reused by the next compile
	// (a system policy's is ≈400 bytes, a tenth of what it allocated).
	if deny.Len() > 0 {
		deny.BuildIntoVals(&e.deny.trie, vals[1])
		deny.Release()
	}
	if allow.Len() > 0 {
		allow.BuildIntoVals(&e.allow.trie, vals[0])
		allow.Release()
	}
	return nil
}
