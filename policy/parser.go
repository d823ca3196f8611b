package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ramauthz/ramauthz/internal/jsonpath"
	"github.com/ramauthz/ramauthz/internal/strictjson"
	"github.com/ramauthz/ramauthz/principal"
)

// Parse parses and validates one policy document. By default it reads an
// identity policy in strict mode with the limits of DefaultLimits; see
// WithKind, Lenient, WithLimits and WithFile.
//
// Parse reports the first problem it finds, scanning the document in order,
// as a *ParseError whose Err is one of ErrSyntax, ErrDuplicateKey,
// ErrUnknownElement, ErrMissing, ErrInvalid, ErrConflict or ErrLimit. No other
// error is returned. On error the document is nil.
//
// Parse is strict: the input must be valid UTF-8 and valid JSON; member names
// must be unique in every object and spelled exactly as the language spells
// them; Version must be the string "1"; Effect must be "Allow" or "Deny";
// values the language wants as strings must be JSON strings; each statement
// needs exactly one of Action and NotAction and (in identity and session
// documents) exactly one of Resource and NotResource; condition operators
// come from the closed list of 21, and every condition value must parse for
// its operator's family. Strings (member names included) may not contain
// control characters, nor \u escapes of lone UTF-16 surrogates (ErrInvalid,
// at the escape).
func Parse(data []byte, opts ...Option) (*Document, error) {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	c.limits = c.limits.withDefaults(c.kind)
	p := &parser{data: data, cfg: &c, lone: -1}
	doc, err := p.parse()
	if err != nil {
		return nil, err
	}
	return doc, nil
}

func (l Limits) withDefaults(k Kind) Limits {
	d := DefaultLimits(k)
	if l.MaxInputBytes > 0 {
		d.MaxInputBytes = l.MaxInputBytes
	}
	if l.MaxSize > 0 {
		d.MaxSize = l.MaxSize
	}
	if l.MaxStatements > 0 {
		d.MaxStatements = l.MaxStatements
	}
	if l.MaxValues > 0 {
		d.MaxValues = l.MaxValues
	}
	if l.MaxWildcards > 0 {
		d.MaxWildcards = l.MaxWildcards
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	return d
}

// pathSeg is one step of a JSON path: a member name, or an index when name
// is empty and isIndex is set.
type pathSeg struct {
	name    string
	index   int
	isIndex bool
}

type parser struct {
	data []byte
	cfg  *config
	path []pathSeg
	err  *ParseError
	// lone is the offset of the first escaped lone UTF-16 surrogate in
	// data, or -1.
	lone int
	// listLen is the length of the list eachString is walking.
	listLen int
	// arena holds the members of the objects being read, innermost last;
	// members returns a view into it and release drops a view again.
	arena []member
	// strs is the current chunk the string lists are carved from.
	strs []string
}

func (p *parser) push(name string)   { p.path = append(p.path, pathSeg{name: name}) }
func (p *parser) pushIndex(i int)    { p.path = append(p.path, pathSeg{index: i, isIndex: true}) }
func (p *parser) pop()               { p.path = p.path[:len(p.path)-1] }
func (p *parser) failed() bool       { return p.err != nil }
func (p *parser) pathString() string { return renderPath(p.path) }

// fail records the first error; later calls are ignored.
func (p *parser) fail(offset int, sentinel error, msg string) {
	if p.err != nil {
		return
	}
	p.err = p.newError(p.pathString(), offset, sentinel, msg)
}

func (p *parser) newError(path string, offset int, sentinel error, msg string) *ParseError {
	e := &ParseError{File: p.cfg.file, Path: path, Offset: offset, Err: sentinel, Msg: msg}
	if offset >= 0 && offset <= len(p.data) {
		e.Line, e.Column = lineCol(p.data, offset)
	} else {
		e.Offset = -1
	}
	return e
}

func lineCol(data []byte, offset int) (line, col int) {
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = offset - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// renderPath writes a path as Statement[2].Condition.IpAddress."acs:SourceIp"[0].
func renderPath(segs []pathSeg) string {
	var b strings.Builder
	for _, s := range segs {
		if s.isIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if jsonpath.IsIdent(s.name) {
			b.WriteString(s.name)
		} else {
			b.WriteString(strconv.Quote(s.name))
		}
	}
	return b.String()
}

func (p *parser) parse() (*Document, error) {
	lim := p.cfg.limits
	if len(p.data) > lim.MaxInputBytes {
		return nil, p.newError("", -1, ErrLimit, "input is "+itoa(len(p.data))+" bytes; the limit is "+itoa(lim.MaxInputBytes))
	}
	if !utf8.Valid(p.data) {
		off := 0
		for off < len(p.data) {
			r, n := utf8.DecodeRune(p.data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, p.newError("", off, ErrSyntax, "input is not valid UTF-8")
	}
	size, depthOff := scan(p.data, lim.MaxDepth)
	if depthOff >= 0 {
		return nil, p.newError("", depthOff, ErrLimit, "JSON nesting is deeper than "+itoa(lim.MaxDepth))
	}
	if !gjson.ValidBytes(p.data) {
		off := -1
		var v any
		if err := json.Unmarshal(p.data, &v); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = int(se.Offset)
				if off > 0 {
					off-- // Offset counts the bytes read, including the bad one
				}
			}
		}
		return nil, p.newError("", off, ErrSyntax, "input is not valid JSON")
	}
	// gjson and encoding/json read an escaped lone surrogate as U+FFFD,
	// readers built on UTF-16 strings keep it: two readers, two documents
	// (RFC 7493 §2.1 forbids it). The walk rejects the string holding the
	// first one, with its path, as it rejects control characters.
	p.lone = strictjson.LoneSurrogate(p.data)
	if size > lim.MaxSize {
		return nil, p.newError("", -1, ErrLimit, "document is "+itoa(size)+" characters when minified; the limit for "+p.cfg.kind.String()+" policies is "+itoa(lim.MaxSize))
	}
	root := gjson.ParseBytes(p.data)
	doc := p.document(root)
	if p.err == nil && p.lone >= 0 {
		// A lone surrogate in a string the walk did not check on its own.
		p.fail(p.lone, ErrInvalid, loneMsg)
	}
	if p.err != nil {
		return nil, p.err
	}
	return doc, nil
}

// scan measures the minified length of data in characters and checks its
// nesting depth without recursion. It returns the offset of the first
// bracket that goes deeper than maxDepth, or -1. It works on any input; for
// invalid JSON the size means nothing.
//
// Strings are skipped in a tight inner loop that only counts characters
// (every byte but UTF-8 continuation bytes) and steps over escapes; the
// outer loop sees structure and whitespace. (A byte-at-a-time state machine
// here took an eighth of a 10,000-statement parse.)
func scan(data []byte, maxDepth int) (size int, depthOff int) {
	depth := 0
	n := len(data)
	for i := 0; i < n; i++ {
		switch c := data[i]; c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			size++ // the opening quote
			for i++; i < n; i++ {
				b := data[i]
				if b&0xC0 != 0x80 {
					size++
				}
				if b == '"' {
					break
				}
				if b == '\\' && i+1 < n {
					i++
					if data[i]&0xC0 != 0x80 {
						size++
					}
				}
			}
			continue
		case '{', '[':
			depth++
			if depth > maxDepth {
				return size, i
			}
		case '}', ']':
			depth--
		default:
			if c&0xC0 == 0x80 {
				continue // a continuation byte outside a string (invalid JSON)
			}
		}
		size++
	}
	return size, -1
}

// member is one name/value pair of a JSON object.
type member struct {
	name   string
	keyOff int // byte offset of the member name
	value  gjson.Result
}

// members returns the members of an object, failing on a duplicate name
// (compared after unescaping, as every JSON reader sees them) or on a name
// with control characters. The result is a view into p.arena; the caller
// passes it to release when done, innermost first.
func (p *parser) members(obj gjson.Result) []member {
	start := len(p.arena)
	var seen map[string]struct{}
	obj.ForEach(func(k, v gjson.Result) bool {
		name := k.Str
		ms := p.arena[start:]
		dup := false
		if seen != nil {
			_, dup = seen[name]
		} else {
			for i := range ms {
				if ms[i].name == name {
					dup = true
					break
				}
			}
		}
		if dup {
			p.push(name)
			p.fail(k.Index, ErrDuplicateKey, "member "+quote(name)+" appears more than once")
			p.pop()
			return false
		}
		if hasControl(name) {
			p.push(name)
			p.fail(k.Index, ErrInvalid, "member name contains a control character")
			p.pop()
			return false
		}
		if p.lone >= 0 && (p.holdsLone(k.Index, k.Raw) || v.Type == gjson.String && p.holdsLone(v.Index, v.Raw)) {
			p.push(name)
			p.fail(p.lone, ErrInvalid, loneMsg)
			p.pop()
			return false
		}
		p.arena = append(p.arena, member{name: name, keyOff: k.Index, value: v})
		if n := len(p.arena) - start; n == 16 {
			seen = make(map[string]struct{}, 32)
			for _, m := range p.arena[start:] {
				seen[m.name] = struct{}{}
			}
		} else if seen != nil {
			seen[name] = struct{}{}
		}
		return true
	})
	return p.arena[start:len(p.arena):len(p.arena)]
}

// release drops the members returned by the latest call of members.
func (p *parser) release(ms []member) {
	p.arena = p.arena[:len(p.arena)-len(ms)]
}

const loneMsg = "a string contains an escaped lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair), which encodes no character"

// holdsLone reports whether the raw JSON token at off holds the first
// escaped lone surrogate.
func (p *parser) holdsLone(off int, raw string) bool {
	return p.lone >= off && p.lone < off+len(raw)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func (p *parser) document(root gjson.Result) *Document {
	if !root.IsObject() {
		p.fail(root.Index, ErrInvalid, "a policy document must be a JSON object")
		return nil
	}
	ms := p.members(root)
	defer p.release(ms)
	if p.failed() {
		return nil
	}
	var version, stmts *member
	for i := range ms {
		m := &ms[i]
		switch m.name {
		case "Version":
			version = m
		case "Statement":
			stmts = m
		default:
			p.push(m.name)
			p.fail(m.keyOff, ErrUnknownElement, unknownMsg(m.name, "a policy document", "Version", "Statement"))
			p.pop()
			return nil
		}
	}
	doc := &Document{Kind: p.cfg.kind, Version: "1"}
	if version == nil {
		p.push("Version")
		p.fail(root.Index, ErrMissing, `the document needs "Version": "1"`)
		p.pop()
		return nil
	}
	p.push("Version")
	if version.value.Type != gjson.String || version.value.Str != "1" {
		p.fail(version.value.Index, ErrInvalid, `Version must be the string "1"; got `+version.value.Raw)
	}
	p.pop()
	if stmts == nil {
		p.push("Statement")
		p.fail(root.Index, ErrMissing, "the document needs a Statement list")
		p.pop()
		return nil
	}
	if p.failed() {
		return nil
	}
	p.push("Statement")
	defer p.pop()
	sv := stmts.value
	switch {
	case sv.IsArray():
		n := countElements(sv)
		if n == 0 {
			p.fail(sv.Index, ErrMissing, "Statement must list at least one statement")
			return nil
		}
		if n > p.cfg.limits.MaxStatements {
			p.fail(sv.Index, ErrLimit, itoa(n)+" statements; the limit is "+itoa(p.cfg.limits.MaxStatements))
			return nil
		}
		doc.Statements = make([]Statement, n)
		i := 0
		sv.ForEach(func(_, s gjson.Result) bool {
			p.pushIndex(i)
			p.statement(s, &doc.Statements[i])
			p.pop()
			i++
			return !p.failed()
		})
	case sv.IsObject() && p.cfg.lenient:
		doc.Statements = make([]Statement, 1)
		p.statement(sv, &doc.Statements[0])
	case sv.IsObject():
		p.fail(sv.Index, ErrInvalid, "Statement must be a list of statements (a single object is accepted only in lenient mode)")
	default:
		p.fail(sv.Index, ErrInvalid, "Statement must be a list of statements")
	}
	if p.failed() {
		return nil
	}
	return doc
}

func unknownMsg(name, where string, known ...string) string {
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return quote(name) + " is not an element of " + where + "; names are case-sensitive: did you mean " + quote(k) + "?"
		}
	}
	return quote(name) + " is not an element of " + where + " (expected one of " + strings.Join(known, ", ") + ")"
}

var statementElements = []string{"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"}

func (p *parser) statement(v gjson.Result, st *Statement) {
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "a statement must be a JSON object")
		return
	}
	ms := p.members(v)
	defer p.release(ms)
	if p.failed() {
		return
	}
	var found [8]*member
	for i := range ms {
		m := &ms[i]
		idx := slices.Index(statementElements, m.name)
		if idx < 0 {
			p.push(m.name)
			p.fail(m.keyOff, ErrUnknownElement, unknownMsg(m.name, "a statement", statementElements...))
			p.pop()
			return
		}
		found[idx] = m
	}
	sid, effect, action, notAction, resource, notResource, principal, condition :=
		found[0], found[1], found[2], found[3], found[4], found[5], found[6], found[7]

	if sid != nil {
		p.push("Sid")
		if sid.value.Type != gjson.String {
			p.fail(sid.value.Index, ErrInvalid, "Sid must be a string")
		} else if hasControl(sid.value.Str) {
			p.fail(sid.value.Index, ErrInvalid, "Sid contains a control character")
		}
		st.Sid = sid.value.Str
		p.pop()
		if p.failed() {
			return
		}
	}

	p.push("Effect")
	switch {
	case effect == nil:
		p.fail(v.Index, ErrMissing, `a statement needs "Effect": "Allow" or "Deny"`)
	case effect.value.Type == gjson.String && effect.value.Str == "Allow":
		st.Effect = Allow
	case effect.value.Type == gjson.String && effect.value.Str == "Deny":
		st.Effect = Deny
	default:
		p.fail(effect.value.Index, ErrInvalid, `Effect must be exactly "Allow" or "Deny"; got `+effect.value.Raw)
	}
	p.pop()
	if p.failed() {
		return
	}

	switch {
	case action != nil && notAction != nil:
		p.push("NotAction")
		p.fail(notAction.keyOff, ErrConflict, "a statement has either Action or NotAction, not both")
		p.pop()
		return
	case action != nil:
		st.Action = p.stringList(action, p.checkAction)
	case notAction != nil:
		st.NotAction = p.stringList(notAction, p.checkAction)
	default:
		p.push("Action")
		p.fail(v.Index, ErrMissing, "a statement needs Action or NotAction")
		p.pop()
	}
	if p.failed() {
		return
	}

	switch {
	case resource != nil && notResource != nil:
		p.push("NotResource")
		p.fail(notResource.keyOff, ErrConflict, "a statement has either Resource or NotResource, not both")
		p.pop()
		return
	case resource != nil:
		st.Resource = p.stringList(resource, p.checkResource)
	case notResource != nil:
		st.NotResource = p.stringList(notResource, p.checkResource)
	case p.cfg.kind != Trust:
		p.push("Resource")
		p.fail(v.Index, ErrMissing, "a statement of "+withArticle(p.cfg.kind.String())+" policy needs Resource or NotResource")
		p.pop()
	}
	if p.failed() {
		return
	}

	switch {
	case principal != nil && p.cfg.kind != Trust:
		p.push("Principal")
		p.fail(principal.keyOff, ErrInvalid, "Principal is allowed only in trust (resource-based) policies, not in "+p.cfg.kind.String()+" policies")
		p.pop()
		return
	case principal != nil:
		st.Principal = p.principal(principal)
	case p.cfg.kind == Trust:
		p.push("Principal")
		p.fail(v.Index, ErrMissing, "a statement of a trust policy needs a Principal")
		p.pop()
	}
	if p.failed() {
		return
	}

	if condition != nil {
		st.Condition = p.conditions(condition)
	}
}

// stringList reads a string or a list of strings, pushing paths as it goes,
// and calls check on each string with its offset. It returns nil after a
// failure. The lists of one parse are carved from shared chunks (p.strs),
// each with its capacity capped at its length, so that appending to one
// never writes into another.
func (p *parser) stringList(m *member, check func(s string, off int)) []string {
	start := -1
	p.eachString(m, func(i int, s string, off int) {
		check(s, off)
		if i == 0 {
			if cap(p.strs)-len(p.strs) < p.listLen {
				p.strs = make([]string, 0, max(p.listLen, 64))
			}
			start = len(p.strs)
		}
		p.strs = append(p.strs, s)
	})
	if p.failed() || start < 0 {
		return nil
	}
	return p.strs[start:len(p.strs):len(p.strs)]
}

// countElements counts the elements of a JSON array without building them:
// it counts the commas at the array's own level in its raw text (the input
// is known to be valid JSON), skipping strings in a tight loop. Walking the
// array with gjson to count it parsed every element once more.
func countElements(v gjson.Result) int {
	raw := v.Raw
	depth, commas, empty := 0, 0, true
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			empty = empty && depth != 1
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth == 1 {
				empty = false
			}
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				commas++
			}
		case ' ', '\t', '\n', '\r':
		default:
			if depth == 1 {
				empty = false
			}
		}
	}
	if empty {
		return 0
	}
	return commas + 1
}

// eachString walks a string-or-list element. It fails on an empty list, on
// more entries than MaxValues, and on entries that are not strings; for each
// string it calls fn with the entry's index, value and byte offset, with the
// entry's path pushed. fn may fail; the walk stops at the first failure.
// p.listLen holds the number of entries while fn runs.
func (p *parser) eachString(m *member, fn func(i int, s string, off int)) {
	p.push(m.name)
	defer p.pop()
	v := m.value
	switch {
	case v.Type == gjson.String:
		p.listLen = 1
		fn(0, v.Str, v.Index)
	case v.IsArray():
		n := countElements(v)
		if n == 0 {
			p.fail(v.Index, ErrMissing, quote(m.name)+" must not be an empty list")
			return
		}
		if n > p.cfg.limits.MaxValues {
			p.fail(v.Index, ErrLimit, itoa(n)+" values; the limit is "+itoa(p.cfg.limits.MaxValues))
			return
		}
		p.listLen = n
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			p.pushIndex(i)
			if e.Type != gjson.String {
				p.fail(e.Index, ErrInvalid, "expected a string; got "+jsonKind(e))
			} else if p.lone >= 0 && p.holdsLone(e.Index, e.Raw) {
				p.fail(p.lone, ErrInvalid, loneMsg)
			} else {
				fn(i, e.Str, e.Index)
			}
			p.pop()
			i++
			return !p.failed()
		})
	default:
		p.fail(v.Index, ErrInvalid, "expected a string or a list of strings; got "+jsonKind(v))
	}
}

func jsonKind(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if v.IsArray() {
		return "a list"
	}
	return "an object"
}

func (p *parser) checkWildcards(s string, off int) bool {
	n := strings.Count(s, "*") + strings.Count(s, "?")
	if n > p.cfg.limits.MaxWildcards {
		p.fail(off, ErrLimit, "pattern has "+itoa(n)+" wildcards; the limit is "+itoa(p.cfg.limits.MaxWildcards))
		return false
	}
	return true
}

func (p *parser) checkAction(s string, off int) {
	if s == "*" {
		return
	}
	svc, name, ok := strings.Cut(s, ":")
	if !ok || svc == "" || name == "" || !actionChars(svc) || !actionChars(name) {
		p.fail(off, ErrInvalid, "an action must be \"*\" or \"<service>:<action>\" using letters, digits, '-', '_', '.', '*' and '?'; got "+quote(s))
		return
	}
	p.checkWildcards(s, off)
}

func actionChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == '*', c == '?':
		default:
			return false
		}
	}
	return true
}

func (p *parser) checkResource(s string, off int) {
	switch {
	case s == "*":
		return
	case hasControl(s):
		p.fail(off, ErrInvalid, "a resource must not contain control characters")
	case !strings.HasPrefix(s, "acs:"):
		p.fail(off, ErrInvalid, "a resource must be \"*\" or an ARN starting with \"acs:\"; got "+quote(s))
	default:
		p.checkWildcards(s, off)
	}
}

func (p *parser) principal(m *member) *Principal {
	p.push("Principal")
	defer p.pop()
	v := m.value
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "Principal must be an object with RAM, Service or Federated lists")
		return nil
	}
	ms := p.members(v)
	defer p.release(ms)
	if p.failed() {
		return nil
	}
	if len(ms) == 0 {
		p.fail(v.Index, ErrMissing, "Principal must name at least one principal")
		return nil
	}
	pr := &Principal{}
	for i := range ms {
		e := &ms[i]
		switch e.name {
		case "RAM":
			pr.RAM = p.stringList(e, p.checkRAMPrincipal)
		case "Service":
			pr.Service = p.stringList(e, p.checkServicePrincipal)
		case "Federated":
			pr.Federated = p.stringList(e, p.checkFederatedPrincipal)
		default:
			p.push(e.name)
			p.fail(e.keyOff, ErrUnknownElement, unknownMsg(e.name, "a Principal", "RAM", "Service", "Federated"))
			p.pop()
		}
		if p.failed() {
			return nil
		}
	}
	return pr
}

// principalOfKind reports whether s is an identifier of one of kinds in
// its canonical spelling, by package principal's grammar (spec §3.2): the
// one grammar of identifiers, so a trust policy names exactly what Parse
// reads. Aliases that Parse accepts on input (acs:sts assumed-role ARNs, a
// "*" region) are not a trust policy's spelling and are refused.
func principalOfKind(s string, kinds ...principal.Kind) bool {
	id, err := principal.Parse(s)
	return err == nil && slices.Contains(kinds, id.Kind()) && id.String() == s
}

func (p *parser) checkRAMPrincipal(s string, off int) {
	if !principalOfKind(s, principal.KindAccount, principal.KindUser, principal.KindRole) {
		p.fail(off, ErrInvalid, "a RAM principal must be acs:ram::<16-digit account>:root, :user/<name> or :role/<name>; got "+quote(s))
	}
}

func (p *parser) checkServicePrincipal(s string, off int) {
	if !principalOfKind(s, principal.KindService) {
		p.fail(off, ErrInvalid, "a Service principal must be a lower-case service domain such as \"ecs.aliyuncs.com\"; got "+quote(s))
	}
}

func (p *parser) checkFederatedPrincipal(s string, off int) {
	if !principalOfKind(s, principal.KindSAMLProvider, principal.KindOIDCProvider) {
		p.fail(off, ErrInvalid, "a Federated principal must be acs:ram::<16-digit account>:saml-provider/<name> or :oidc-provider/<name>; got "+quote(s))
	}
}

func (p *parser) conditions(m *member) []Condition {
	p.push("Condition")
	defer p.pop()
	v := m.value
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "Condition must be an object of operators")
		return nil
	}
	ops := p.members(v)
	defer p.release(ops)
	if p.failed() {
		return nil
	}
	conds := []Condition{}
	for i := range ops {
		om := &ops[i]
		p.push(om.name)
		op, ifExists, ok := ParseOperatorName(om.name)
		if !ok {
			p.fail(om.keyOff, ErrUnknownElement, unknownOperatorMsg(om.name))
			p.pop()
			return nil
		}
		if !om.value.IsObject() {
			p.fail(om.value.Index, ErrInvalid, "an operator must map condition keys to values; got "+jsonKind(om.value))
			p.pop()
			return nil
		}
		keys := p.members(om.value)
		if !p.failed() && len(keys) == 0 {
			p.fail(om.value.Index, ErrMissing, "operator "+om.name+" names no condition key")
		}
		first := len(conds)
		for k := 0; k < len(keys) && !p.failed(); k++ {
			km := &keys[k]
			if km.name == "" {
				p.push(km.name)
				p.fail(km.keyOff, ErrInvalid, "a condition key must not be empty")
				p.pop()
				break
			}
			if twin := sameKey(conds[first:], km.name); twin != "" {
				p.push(km.name)
				p.fail(km.keyOff, ErrDuplicateKey, "condition key "+quote(km.name)+" is the same key as "+quote(twin)+
					" (key names ignore ASCII case before the first '/')")
				p.pop()
				break
			}
			c := Condition{Operator: op, IfExists: ifExists, Key: km.name}
			p.eachString(km, func(_ int, raw string, off int) {
				val, err := parseValue(op, raw)
				switch {
				case err != nil:
					p.fail(off, ErrInvalid, op.String()+" value "+quote(raw)+" is "+err.Error())
				case op.Family() == FamilyString && hasControl(raw):
					p.fail(off, ErrInvalid, "a condition value must not contain control characters")
				case op == StringLike || op == StringNotLike:
					p.checkWildcards(raw, off)
				}
				if c.Values == nil {
					c.Values = make([]Value, 0, p.listLen)
				}
				c.Values = append(c.Values, val)
			})
			conds = append(conds, c)
		}
		p.release(keys)
		p.pop()
		if p.failed() {
			return nil
		}
	}
	sortConditions(conds)
	return conds
}

// sameKey returns the key of block that is the same key as name under
// CanonicalKey (spec §13 D23), or "". Blocks are small (a document has at
// most 6,144 characters), and the canonical form is computed without
// allocating for keys that are already canonical.
func sameKey(block []Condition, name string) string {
	cn := CanonicalKey(name)
	for i := range block {
		if CanonicalKey(block[i].Key) == cn {
			return block[i].Key
		}
	}
	return ""
}

// sortConditions orders conditions by operator, the plain form before the
// IfExists form, then by key.
func sortConditions(conds []Condition) {
	slices.SortFunc(conds, func(a, b Condition) int {
		if a.Operator != b.Operator {
			return int(a.Operator) - int(b.Operator)
		}
		if a.IfExists != b.IfExists {
			if a.IfExists {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// unsupportedOperatorMsg is the end of the message for the AWS operators the
// library rejects (spec §13 D22).
const unsupportedOperatorMsg = " is an AWS operator that this library does not support; Alibaba documents the " +
	"String, Numeric, Date, Bool and IpAddress operators (21 names) and their IfExists forms"

func unknownOperatorMsg(name string) string {
	for op := StringEquals; op <= NotIpAddress; op++ {
		for _, known := range [...]string{op.String(), op.String() + ifExistsSuffix} {
			if strings.EqualFold(known, name) {
				return quote(name) + " is not a condition operator; operator names are case-sensitive: did you mean " + quote(known) + "?"
			}
		}
	}
	if strings.Contains(name, ":") || strings.HasPrefix(name, "Null") ||
		strings.HasPrefix(name, "Arn") || strings.HasPrefix(name, "Binary") {
		return quote(name) + unsupportedOperatorMsg
	}
	return quote(name) + " is not one of the 21 RAM condition operators or their IfExists forms"
}

// parseValue parses a condition value for op's family.
func parseValue(op Operator, raw string) (Value, error) {
	v := Value{Raw: raw}
	var err error
	switch op.Family() {
	case FamilyNumeric:
		v.Number, err = ParseNumber(raw)
	case FamilyDate:
		v.Time, err = ParseDate(raw)
	case FamilyBool:
		v.Bool, err = ParseBool(raw)
	case FamilyIP:
		v.Prefix, err = ParseIPValue(raw)
	}
	if err != nil {
		return Value{}, err
	}
	return v, nil
}

// ParseValue parses raw as a condition value for operator op, as Parse does
// for the values in a document. It is useful for building documents in code.
func ParseValue(op Operator, raw string) (Value, error) {
	if !op.Valid() {
		return Value{}, &ParseError{Offset: -1, Err: ErrUnknownElement, Msg: "invalid operator"}
	}
	v, err := parseValue(op, raw)
	if err != nil {
		return Value{}, &ParseError{Offset: -1, Err: ErrInvalid, Msg: op.String() + " value " + quote(raw) + " is " + err.Error()}
	}
	return v, nil
}

// withArticle puts "a" or "an" before word, by its first letter.
func withArticle(word string) string {
	if word != "" && strings.IndexByte("aeiouAEIOU", word[0]) >= 0 {
		return "an " + word
	}
	return "a " + word
}
