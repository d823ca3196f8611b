package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ramauthz/ramauthz/internal/jsonpath"
	"github.com/ramauthz/ramauthz/internal/strictjson"
)

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
