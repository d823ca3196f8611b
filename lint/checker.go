package lint

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/ramauthz/ramauthz/internal/jsonpath"
	"github.com/ramauthz/ramauthz/policy"
)

// checker holds one run of the checks over a document the parser accepted.
// It walks the raw JSON (for paths and spans, in document order) beside the
// parsed document (for values the parser has already read and checked).
type checker struct {
	data       []byte
	doc        *policy.Document
	opts       Options
	lineStarts []int
	stmts      []stmtView
	findings   []Finding
}

// stmtView is one statement: the parsed statement, its raw members, and its
// conditions in document order.
type stmtView struct {
	index   int
	path    string // Statement[i]
	st      *policy.Statement
	raw     gjson.Result
	members map[string]rawMember
	conds   []condView
}

type rawMember struct {
	key, value gjson.Result
}

// condView is one (operator, key) entry of a Condition block.
type condView struct {
	opName   string // the operator as written, such as "StringNotEqualsIfExists"
	op       policy.Operator
	ifExists bool
	key      string
	keyRes   gjson.Result
	path     string // Statement[i].Condition.Op."key"
	values   []valueView
	parsed   []policy.Value // parallel to values
}

type valueView struct {
	raw  string
	res  gjson.Result
	path string
}

func newChecker(data []byte, doc *policy.Document, opts Options) *checker {
	c := &checker{data: data, doc: doc, opts: opts, lineStarts: []int{0}}
	for i, b := range data {
		if b == '\n' {
			c.lineStarts = append(c.lineStarts, i+1)
		}
	}
	stmts := gjson.GetBytes(data, "Statement")
	i := 0
	stmts.ForEach(func(_, v gjson.Result) bool {
		if i < len(doc.Statements) {
			c.stmts = append(c.stmts, c.statementView(i, v, &doc.Statements[i]))
		}
		i++
		return true
	})
	return c
}

func (c *checker) statementView(i int, v gjson.Result, st *policy.Statement) stmtView {
	sv := stmtView{index: i, path: "Statement[" + strconv.Itoa(i) + "]", st: st, raw: v, members: map[string]rawMember{}}
	v.ForEach(func(k, val gjson.Result) bool {
		sv.members[k.Str] = rawMember{key: k, value: val}
		return true
	})
	cond, ok := sv.members["Condition"]
	if !ok {
		return sv
	}
	cond.value.ForEach(func(opKey, keys gjson.Result) bool {
		opName := opKey.Str
		op, ifExists, _ := policy.ParseOperatorName(opName)
		keys.ForEach(func(k, vals gjson.Result) bool {
			cv := condView{opName: opName, op: op, ifExists: ifExists, key: k.Str, keyRes: k,
				path: sv.path + ".Condition." + pathKey(opName) + "." + pathKey(k.Str)}
			if vals.IsArray() {
				j := 0
				vals.ForEach(func(_, e gjson.Result) bool {
					cv.values = append(cv.values, valueView{raw: e.Str, res: e, path: cv.path + "[" + strconv.Itoa(j) + "]"})
					j++
					return true
				})
			} else {
				cv.values = append(cv.values, valueView{raw: vals.Str, res: vals, path: cv.path})
			}
			cv.parsed = parsedValues(st, op, ifExists, k.Str, len(cv.values))
			sv.conds = append(sv.conds, cv)
			return true
		})
		return true
	})
	return sv
}

// parsedValues finds the parsed values of one condition in the statement.
// It returns nil when the parsed document has no entry with the same
// operator, key and number of values (which the parser's guarantees rule
// out; the checks that need parsed values then skip the condition).
func parsedValues(st *policy.Statement, op policy.Operator, ifExists bool, key string, n int) []policy.Value {
	for _, pc := range st.Condition {
		if pc.Operator == op && pc.IfExists == ifExists && pc.Key == key && len(pc.Values) == n {
			return pc.Values
		}
	}
	return nil
}

// pathKey renders one member name of a path as the parser does: bare when it
// is an identifier, quoted otherwise.
func pathKey(name string) string {
	if jsonpath.IsIdent(name) {
		return name
	}
	return strconv.Quote(name)
}

// list returns the entries of a string-or-list member with their paths.
func (c *checker) list(sv *stmtView, name string) []valueView {
	m, ok := sv.members[name]
	if !ok {
		return nil
	}
	base := sv.path + "." + pathKey(name)
	if !m.value.IsArray() {
		return []valueView{{raw: m.value.Str, res: m.value, path: base}}
	}
	var out []valueView
	j := 0
	m.value.ForEach(func(_, e gjson.Result) bool {
		out = append(out, valueView{raw: e.Str, res: e, path: base + "[" + strconv.Itoa(j) + "]"})
		j++
		return true
	})
	return out
}

func (c *checker) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(c.data) {
		off = len(c.data)
	}
	// The last line start at or before off.
	lo, hi := 0, len(c.lineStarts)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if c.lineStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Pos{Line: lo + 1, Column: off - c.lineStarts[lo] + 1, Offset: off}
}

func (c *checker) span(r gjson.Result) Span {
	return Span{Start: c.pos(r.Index), End: c.pos(r.Index + len(r.Raw))}
}

// add records a finding with the code's default severity.
func (c *checker) add(code Code, msg, path string, r gjson.Result) {
	info, _ := code.Info()
	c.addSev(code, info.Severity, msg, path, r)
}

func (c *checker) addSev(code Code, sev Severity, msg, path string, r gjson.Result) {
	c.findings = append(c.findings, Finding{Code: code, Severity: sev, Message: msg,
		Location: Location{Path: path, Span: c.span(r)}})
}

func (c *checker) run() {
	c.checkSids()
	deadDecided, shadowDecided := c.semantic()
	for i := range c.stmts {
		sv := &c.stmts[i]
		c.checkGrants(sv)
		c.checkActions(sv)
		c.checkResources(sv)
		c.checkConditions(sv)
		c.checkAbsentKeys(sv)
		if !deadDecided[i] {
			c.checkUnsatisfiable(sv)
		}
		c.checkSensitive(sv)
		if c.opts.Kind == policy.Trust {
			c.checkTrust(sv)
		}
	}
	c.checkStatementCover(shadowDecided)
}

// parseFinding turns a parser error into the one finding of a document that
// did not parse.
func parseFinding(data []byte, err error) Finding {
	var pe *policy.ParseError
	if !errors.As(err, &pe) {
		return Finding{Code: ParseInvalidValue, Severity: Error, Message: err.Error()}
	}
	code := ParseInvalidValue
	switch {
	case errors.Is(err, policy.ErrSyntax):
		code = ParseSyntax
	case errors.Is(err, policy.ErrDuplicateKey):
		code = ParseDuplicateKey
	case errors.Is(err, policy.ErrUnknownElement):
		code = ParseUnknownElement
	case errors.Is(err, policy.ErrMissing):
		code = ParseMissingElement
	case errors.Is(err, policy.ErrInvalid):
		code = ParseInvalidValue
	case errors.Is(err, policy.ErrConflict):
		code = ParseConflict
	case errors.Is(err, policy.ErrLimit):
		code = ParseLimitExceeded
	}
	msg := pe.Msg
	if msg == "" {
		msg = pe.Err.Error()
	}
	loc := Location{Path: pe.Path}
	if pe.Offset >= 0 {
		p := Pos{Line: pe.Line, Column: pe.Column, Offset: pe.Offset}
		loc.Span = Span{Start: p, End: p}
		if end := valueEnd(data, pe.Offset); end > pe.Offset {
			loc.Span.End = Pos{Line: pe.Line, Column: pe.Column + end - pe.Offset, Offset: end}
		}
		if code == ParseInvalidValue && strings.Contains(pe.Path, "Principal.RAM") && wildcardPrincipal(data[pe.Offset:end(data, pe.Offset)]) {
			code = TrustAnyPrincipal
			msg = "a wildcard RAM principal would let every account assume the role; RAM's grammar rejects it: name the account root (acs:ram::<uid>:root), a user or a role. " + msg
		}
	}
	return Finding{Code: code, Severity: Error, Message: msg, Location: loc}
}

func end(data []byte, off int) int {
	if e := valueEnd(data, off); e > off {
		return e
	}
	return off
}

// valueEnd returns the end of the JSON string starting at off, when off
// starts one on the same line; otherwise off. Parser errors point at the
// start of the offending element, which for most value errors is a string.
func valueEnd(data []byte, off int) int {
	if off >= len(data) || data[off] != '"' {
		return off
	}
	for i := off + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		case '\n':
			return off
		}
	}
	return off
}

func wildcardPrincipal(raw []byte) bool {
	s := string(bytes.Trim(raw, `"`))
	return s == "*" || strings.HasPrefix(s, "acs:ram::*") || strings.Contains(s, "*")
}
