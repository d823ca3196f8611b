package strictjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/internal/jsonpath"
)

// Unmarshal decodes the single JSON value in data into v, which must be a
// non-nil pointer. Targets are filled as encoding/json would fill them, for
// every input this package accepts, with these differences:
//
//   - data must pass Valid (UTF-8, no lone surrogate escapes, no trailing
//     data, nesting at most MaxDepth);
//   - a member of an object decoded into a struct must name a field exactly
//     as its json tag (or, untagged, its Go name) spells it; any other name
//     is ErrUnknownMember, including one that differs only in case;
//   - no object may have two members whose names are equal under its
//     equivalence: Fold by default, a map type's MemberKey method when it
//     has one (see Keyer), the function given to Decoder.Object; the second
//     is ErrDuplicateMember;
//   - a field tagged `json:"name,required"` must be present (ErrMissing);
//   - null is accepted only by pointers, slices, maps, interfaces and types
//     with their own unmarshal method (it sets the first three to nil); a
//     string, number, bool, array or struct target refuses it (ErrType);
//   - a map or slice target is replaced by a new one, never filled in
//     place, and so is an empty interface (with map[string]any, []any,
//     string, float64, bool or nil, whatever it held); a struct keeps the
//     fields the object does not mention;
//   - an array target needs exactly its length of elements;
//   - the ",string" tag option, non-string map keys, channels, functions
//     and non-empty interfaces are ErrUnsupported.
//
// A type that implements Unmarshaler reads itself through a Decoder. A type
// that implements json.Unmarshaler gets the value's exact bytes; before the
// call the value is checked for duplicate members (under Fold) at every
// level, except for json.RawMessage, which is copied as it is. A type that
// implements encoding.TextUnmarshaler (and not json.Unmarshaler) is given
// the unescaped contents of a JSON string; other JSON types are ErrType.
//
// The error is always an *Error (see its documentation for positions)
// wrapping one of ErrSyntax, ErrTrailingData, ErrLimit, ErrDuplicateMember,
// ErrUnknownMember, ErrMissing, ErrType or ErrUnsupported. On error, v may
// have been partly filled.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Offset: -1, Err: ErrUnsupported, Msg: "Unmarshal needs a non-nil pointer, not " + typeName(rv)}
	}
	if e := validate(data); e != nil {
		return e
	}
	s := &state{data: data}
	s.pos = skipSpace(data, 0)
	if e := s.value(rv.Elem()); e != nil {
		return e
	}
	return nil
}

func typeName(rv reflect.Value) string {
	if !rv.IsValid() {
		return "nil"
	}
	return rv.Type().String()
}

// Keyer is implemented by map types whose member names are compared by an
// equivalence of their own. MemberKey returns the key of a name: two
// members of one object whose keys are equal are duplicates
// (ErrDuplicateMember). A map without the method uses Fold. MemberKey is
// called on an empty map (or a pointer to a nil map), never on the map
// being filled.
type Keyer interface {
	MemberKey(name string) string
}

// Unmarshaler is implemented by types that read themselves from JSON under
// this package's rules. UnmarshalStrictJSON must read exactly one value
// from d (with Decode, Object or Array); an error it returns that is not
// an *Error from d becomes an *Error wrapping ErrType at the value, with
// the method's error as its Cause.
type Unmarshaler interface {
	UnmarshalStrictJSON(d *Decoder) error
}

var (
	unmarshalerType     = reflect.TypeFor[Unmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	keyerType           = reflect.TypeFor[Keyer]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
)

// seg is one step of a JSON path: a member name, or an array index when
// index is not negative.
type seg struct {
	name  string
	index int
}

// state walks validated input.
type state struct {
	data []byte
	pos  int
	path []seg
	// names holds the member names of the objects being read, innermost
	// last, for duplicate checks under Fold.
	names []string
}

func (s *state) pushName(name string) { s.path = append(s.path, seg{name: name, index: -1}) }
func (s *state) pushIndex(i int)      { s.path = append(s.path, seg{index: i}) }
func (s *state) pop()                 { s.path = s.path[:len(s.path)-1] }

// fail builds an error at offset with the current path.
func (s *state) fail(offset int, sentinel error, msg string) *Error {
	return newError(s.data, renderPath(s.path), offset, sentinel, msg)
}

// renderPath writes a path as $.name[3]["odd name"].
func renderPath(path []seg) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, p := range path {
		if p.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
			continue
		}
		if jsonpath.IsIdent(p.name) {
			b.WriteByte('.')
			b.WriteString(p.name)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Quote(p.name))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// Kind is the JSON type of a value.
type Kind int

// The JSON types.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// String returns the kind as error messages name it ("a string", ...).
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "a boolean"
	case KindNumber:
		return "a number"
	case KindString:
		return "a string"
	case KindArray:
		return "an array"
	case KindObject:
		return "an object"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

func (s *state) kind() Kind {
	switch s.data[s.pos] {
	case 'n':
		return KindNull
	case 't', 'f':
		return KindBool
	case '"':
		return KindString
	case '[':
		return KindArray
	case '{':
		return KindObject
	}
	return KindNumber
}

// skipValue moves past the value at s.pos (input is valid) and past the
// white space after it.
func (s *state) skipValue() {
	depth := 0
	for {
		switch c := s.data[s.pos]; c {
		case '"':
			s.pos = s.stringEnd(s.pos)
		case '{', '[':
			depth++
			s.pos++
		case '}', ']':
			depth--
			s.pos++
		default:
			s.pos++
		}
		s.pos = skipSpace(s.data, s.pos)
		if depth == 0 {
			// A scalar ends at a delimiter; skip the rest of it.
			for s.pos < len(s.data) && !strings.ContainsRune(",:]}", rune(s.data[s.pos])) && !isSpace(s.data[s.pos]) {
				s.pos++
			}
			s.pos = skipSpace(s.data, s.pos)
			return
		}
		if s.data[s.pos] == ',' || s.data[s.pos] == ':' {
			s.pos = skipSpace(s.data, s.pos+1)
		}
	}
}

// stringEnd returns the offset after the string that starts at i.
func (s *state) stringEnd(i int) int {
	for i++; ; i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// readString reads the string at s.pos, moves past it and the white space
// after it, and returns its value.
func (s *state) readString() string {
	start := s.pos
	end := s.stringEnd(start)
	s.pos = skipSpace(s.data, end)
	raw := s.data[start+1 : end-1]
	i := 0
	for i < len(raw) && raw[i] != '\\' {
		i++
	}
	if i == len(raw) {
		return string(raw)
	}
	b := make([]byte, i, len(raw))
	copy(b, raw[:i])
	for i < len(raw) {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			if r >= 0xD800 && r <= 0xDBFF {
				lo, _ := hex4(raw, i+8)
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
			b = utf8.AppendRune(b, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return string(b)
}

// literal reads the scalar token at s.pos (number, true, false, null).
func (s *state) literal() []byte {
	start := s.pos
	for s.pos < len(s.data) && !strings.ContainsRune(",:]}", rune(s.data[s.pos])) && !isSpace(s.data[s.pos]) {
		s.pos++
	}
	tok := s.data[start:s.pos]
	s.pos = skipSpace(s.data, s.pos)
	return tok
}

// next moves past a ',' (and white space) if there is one, and
// reports whether the container goes on.
func (s *state) next(closer byte) bool {
	if s.data[s.pos] == ',' {
		s.pos = skipSpace(s.data, s.pos+1)
		return true
	}
	if s.data[s.pos] == closer {
		s.pos = skipSpace(s.data, s.pos+1)
	}
	return false
}

// value decodes the value at s.pos into the addressable v.
func (s *state) value(v reflect.Value) *Error {
	start := s.pos
	k := s.kind()
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if k == KindNull {
			s.pos = skipSpace(s.data, start+4)
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return s.value(v.Elem())
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(unmarshalerType):
		return s.callHook(v.Addr().Interface().(Unmarshaler))
	case t == rawMessageType:
		s.skipValue()
		end := s.pos
		for end > start && isSpace(s.data[end-1]) {
			end--
		}
		v.SetBytes(append([]byte(nil), s.data[start:end]...))
		return nil
	case pt.Implements(jsonUnmarshalerType):
		if e := s.checkMembers(); e != nil {
			return e
		}
		s.skipValue()
		end := s.pos
		for end > start && isSpace(s.data[end-1]) {
			end--
		}
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(s.data[start:end]); err != nil {
			e := s.fail(start, ErrType, err.Error())
			e.Cause = err
			return e
		}
		return nil
	case pt.Implements(textUnmarshalerType):
		if k != KindString {
			s.skipValue()
			return s.fail(start, ErrType, "expected a string; got "+k.String())
		}
		str := s.readString()
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(str)); err != nil {
			e := s.fail(start, ErrType, err.Error())
			e.Cause = err
			return e
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return s.fail(start, ErrUnsupported, "cannot decode into the interface type "+t.String())
		}
		g, e := s.generic()
		if e != nil {
			return e
		}
		if g == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(g))
		}
		return nil
	case reflect.Struct:
		if k != KindObject {
			return s.wrongType(start, k, "an object")
		}
		return s.object(v)
	case reflect.Map:
		if k == KindNull {
			s.literal()
			v.SetZero()
			return nil
		}
		if k != KindObject {
			return s.wrongType(start, k, "an object")
		}
		return s.mapValue(v)
	case reflect.Slice:
		if k == KindNull {
			s.literal()
			v.SetZero()
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(jsonUnmarshalerType) && !reflect.PointerTo(t.Elem()).Implements(textUnmarshalerType) {
			if k != KindString {
				return s.wrongType(start, k, "a base64 string")
			}
			b, err := base64.StdEncoding.DecodeString(s.readString())
			if err != nil {
				return s.fail(start, ErrType, "invalid base64: "+err.Error())
			}
			v.SetBytes(b)
			return nil
		}
		if k != KindArray {
			return s.wrongType(start, k, "an array")
		}
		return s.sliceValue(v)
	case reflect.Array:
		if k != KindArray {
			return s.wrongType(start, k, "an array")
		}
		return s.arrayValue(v)
	case reflect.String:
		if k != KindString {
			return s.wrongType(start, k, "a string")
		}
		v.SetString(s.readString())
		return nil
	case reflect.Bool:
		if k != KindBool {
			return s.wrongType(start, k, "a boolean")
		}
		v.SetBool(s.literal()[0] == 't')
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if k != KindNumber {
			return s.wrongType(start, k, "an integer")
		}
		tok := string(s.literal())
		n, err := strconv.ParseInt(tok, 10, t.Bits())
		if err != nil {
			return s.fail(start, ErrType, "number "+tok+" is not an integer that fits "+t.String())
		}
		v.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if k != KindNumber {
			return s.wrongType(start, k, "an integer")
		}
		tok := string(s.literal())
		n, err := strconv.ParseUint(tok, 10, t.Bits())
		if err != nil {
			return s.fail(start, ErrType, "number "+tok+" is not an integer that fits "+t.String())
		}
		v.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		if k != KindNumber {
			return s.wrongType(start, k, "a number")
		}
		tok := string(s.literal())
		f, err := strconv.ParseFloat(tok, t.Bits())
		if err != nil {
			return s.fail(start, ErrType, "number "+tok+" does not fit "+t.String())
		}
		v.SetFloat(f)
		return nil
	}
	s.skipValue()
	return s.fail(start, ErrUnsupported, "cannot decode into "+t.String())
}

func (s *state) wrongType(start int, k Kind, want string) *Error {
	s.pos = start
	s.skipValue()
	return s.fail(start, ErrType, "expected "+want+"; got "+k.String())
}

// generic decodes any value as encoding/json does into an empty interface:
// map[string]any, []any, string, float64, bool or nil.
func (s *state) generic() (any, *Error) {
	start := s.pos
	switch s.kind() {
	case KindNull:
		s.literal()
		return nil, nil
	case KindBool:
		return s.literal()[0] == 't', nil
	case KindString:
		return s.readString(), nil
	case KindNumber:
		tok := string(s.literal())
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, s.fail(start, ErrType, "number "+tok+" does not fit float64")
		}
		return f, nil
	case KindArray:
		list := []any{}
		e := s.elements(func(i int) *Error {
			g, e := s.generic()
			list = append(list, g)
			return e
		})
		return list, e
	}
	m := map[string]any{}
	e := s.members(nil, func(name string, _ int) *Error {
		g, e := s.generic()
		m[name] = g
		return e
	})
	return m, e
}

// elements walks the array at s.pos, calling fn at each element with the
// index pushed on the path.
func (s *state) elements(fn func(i int) *Error) *Error {
	s.pos = skipSpace(s.data, s.pos+1)
	if s.data[s.pos] == ']' {
		s.pos = skipSpace(s.data, s.pos+1)
		return nil
	}
	for i := 0; ; i++ {
		s.pushIndex(i)
		e := fn(i)
		s.pop()
		if e != nil {
			return e
		}
		if !s.next(']') {
			return nil
		}
	}
}

// members walks the object at s.pos, rejecting a name whose key (under
// key; nil means Fold) repeats an earlier one, and calling fn at each
// member's value with the name pushed on the path. nameOff is the offset of
// the member name. Under Fold, small objects are checked by comparing the
// names themselves (foldEqual), which allocates nothing.
func (s *state) members(key func(string) string, fn func(name string, nameOff int) *Error) *Error {
	s.pos = skipSpace(s.data, s.pos+1)
	if s.data[s.pos] == '}' {
		s.pos = skipSpace(s.data, s.pos+1)
		return nil
	}
	start := len(s.names)
	defer func() { s.names = s.names[:start] }()
	var seen map[string]string // key -> first name, for custom keys and large objects
	for {
		nameOff := s.pos
		name := s.readString()
		s.pos = skipSpace(s.data, s.pos+1) // the ':'
		var first string
		var dup bool
		switch {
		case key != nil:
			if seen == nil {
				seen = map[string]string{}
			}
			k := key(name)
			if first, dup = seen[k]; !dup {
				seen[k] = name
			}
		case seen != nil:
			k := Fold(name)
			if first, dup = seen[k]; !dup {
				seen[k] = name
			}
		default:
			for _, n := range s.names[start:] {
				if foldEqual(n, name) {
					first, dup = n, true
					break
				}
			}
			if !dup {
				s.names = append(s.names, name)
				if len(s.names)-start > 16 {
					seen = make(map[string]string, 32)
					for _, n := range s.names[start:] {
						seen[Fold(n)] = n
					}
				}
			}
		}
		if dup {
			msg := "member " + strconv.Quote(name) + " appears more than once"
			switch {
			case first != name && key == nil:
				msg = "member " + strconv.Quote(name) + " repeats " + strconv.Quote(first) + " (the names are equal when case is ignored, so readers disagree on which one counts)"
			case first != name:
				msg = "member " + strconv.Quote(name) + " repeats " + strconv.Quote(first) + " (the two names are one member here)"
			}
			s.pushName(name)
			e := s.fail(nameOff, ErrDuplicateMember, msg)
			s.pop()
			return e
		}
		s.pushName(name)
		e := fn(name, nameOff)
		s.pop()
		if e != nil {
			return e
		}
		if !s.next('}') {
			return nil
		}
	}
}

// checkMembers checks, without decoding, that no object in the value at
// s.pos has duplicate members under Fold. It leaves s.pos where it was.
func (s *state) checkMembers() *Error {
	start := s.pos
	defer func() { s.pos = start }()
	var walk func() *Error
	walk = func() *Error {
		switch s.kind() {
		case KindObject:
			return s.members(nil, func(string, int) *Error { return walk() })
		case KindArray:
			return s.elements(func(int) *Error { return walk() })
		}
		s.skipValue()
		return nil
	}
	return walk()
}

func (s *state) mapValue(v reflect.Value) *Error {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		start := s.pos
		s.skipValue()
		return s.fail(start, ErrUnsupported, "map keys must be strings, not "+t.Key().String())
	}
	var key func(string) string                     // nil: Fold
	if reflect.PointerTo(t).Implements(keyerType) { // value or pointer receiver
		key = reflect.New(t).Interface().(Keyer).MemberKey
	}
	m := reflect.MakeMap(t)
	elem := reflect.New(t.Elem()).Elem()
	e := s.members(key, func(name string, _ int) *Error {
		elem.SetZero()
		if e := s.value(elem); e != nil {
			return e
		}
		m.SetMapIndex(reflect.ValueOf(name).Convert(t.Key()), elem)
		return nil
	})
	if e != nil {
		return e
	}
	v.Set(m)
	return nil
}

func (s *state) sliceValue(v reflect.Value) *Error {
	out := reflect.New(v.Type()).Elem() // addressable, so it can grow in place
	out.Set(reflect.MakeSlice(v.Type(), 0, 0))
	e := s.elements(func(i int) *Error {
		if i == out.Cap() {
			out.Grow(max(4, i))
		}
		out.SetLen(i + 1)
		return s.value(out.Index(i))
	})
	if e != nil {
		return e
	}
	v.Set(out)
	return nil
}

func (s *state) arrayValue(v reflect.Value) *Error {
	start := s.pos
	n := 0
	e := s.elements(func(i int) *Error {
		n++
		if i >= v.Len() {
			s.skipValue() // counted for the error below
			return nil
		}
		return s.value(v.Index(i))
	})
	if e != nil {
		return e
	}
	if n != v.Len() {
		return s.fail(start, ErrType, "expected an array of "+strconv.Itoa(v.Len())+" elements; got "+strconv.Itoa(n))
	}
	return nil
}
