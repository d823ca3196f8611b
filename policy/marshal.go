package policy

import (
	"errors"
	"unicode/utf8"
)

// MarshalJSON prints the document in canonical form: no insignificant
// whitespace; members in the order Version, Statement and, in a statement,
// Sid, Effect, Action/NotAction, Resource/NotResource, Principal, Condition;
// a string-or-list element with one entry as a plain string and with several
// as a list; conditions grouped by operator in the order of the Operator
// constants (each plain form before its IfExists form), keys sorted. Values are printed as written (Value.Raw), with
// only the escapes JSON requires.
//
// The canonical form is never longer than the minified input it was parsed
// from, so a document within the size limit stays within it.
//
// For every document p returned by Parse, Parse(MarshalJSON(p)) with the same
// kind yields a document equal to p.
func (d *Document) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(nil), nil
}

// AppendJSON appends the canonical form of d (see MarshalJSON) to b.
func (d *Document) AppendJSON(b []byte) []byte {
	b = append(b, `{"Version":`...)
	b = appendString(b, d.Version)
	b = append(b, `,"Statement":[`...)
	for i := range d.Statements {
		if i > 0 {
			b = append(b, ',')
		}
		b = d.Statements[i].appendJSON(b)
	}
	return append(b, "]}"...)
}

// String returns the canonical JSON form of d.
func (d *Document) String() string { return string(d.AppendJSON(nil)) }

func (s *Statement) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if s.Sid != "" {
		b = append(b, `"Sid":`...)
		b = appendString(b, s.Sid)
		b = append(b, ',')
	}
	b = append(b, `"Effect":`...)
	b = appendString(b, s.Effect.String())
	b = appendList(b, "Action", s.Action)
	b = appendList(b, "NotAction", s.NotAction)
	b = appendList(b, "Resource", s.Resource)
	b = appendList(b, "NotResource", s.NotResource)
	if p := s.Principal; p != nil {
		b = append(b, `,"Principal":{`...)
		n := len(b)
		b = appendList(b, "RAM", p.RAM)
		b = appendList(b, "Service", p.Service)
		b = appendList(b, "Federated", p.Federated)
		if len(b) > n {
			b = append(b[:n], b[n+1:]...) // drop the comma before the first list
		}
		b = append(b, '}')
	}
	if s.Condition != nil {
		b = append(b, `,"Condition":{`...)
		for i, c := range s.Condition {
			newOp := i == 0 || s.Condition[i-1].Operator != c.Operator || s.Condition[i-1].IfExists != c.IfExists
			if newOp {
				if i > 0 {
					b = append(b, "},"...)
				}
				b = appendString(b, c.OperatorName())
				b = append(b, ":{"...)
			} else {
				b = append(b, ',')
			}
			b = appendString(b, c.Key)
			b = append(b, ':')
			if len(c.Values) == 1 {
				b = appendString(b, c.Values[0].Raw)
			} else {
				b = append(b, '[')
				for j, v := range c.Values {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendString(b, v.Raw)
				}
				b = append(b, ']')
			}
		}
		if len(s.Condition) > 0 {
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendList(b []byte, name string, list []string) []byte {
	if list == nil {
		return b
	}
	b = append(b, ',')
	b = appendString(b, name)
	b = append(b, ':')
	return appendStrings(b, list)
}

// appendStrings prints one string as itself and several as a list.
func appendStrings(b []byte, list []string) []byte {
	if len(list) == 1 {
		return appendString(b, list[0])
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. UTF-8 is kept as it is; quotes,
// backslashes and control characters are escaped; invalid UTF-8 becomes
// U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// UnmarshalJSON parses data with Parse, as a document of kind d.Kind, in
// strict mode with the default limits, and replaces *d with the result. On
// error *d is left unchanged and the error is a *ParseError.
func (d *Document) UnmarshalJSON(data []byte) error {
	nd, err := Parse(data, WithKind(d.Kind))
	if err != nil {
		return err
	}
	*d = *nd
	return nil
}

// Validate checks a document built in code against the same rules Parse
// applies to its kind (d.Kind), with the given options (WithKind is
// ignored). It returns nil or a *ParseError whose Path locates the problem
// and whose Offset is -1. Documents returned by Parse are always valid.
func (d *Document) Validate(opts ...Option) error {
	if d == nil {
		return &ParseError{Offset: -1, Err: ErrMissing, Msg: "nil document"}
	}
	_, err := Parse(d.AppendJSON(nil), append(opts, WithKind(d.Kind))...)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.Offset, pe.Line, pe.Column = -1, 0, 0
		}
	}
	return err
}
