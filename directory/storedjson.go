package directory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// A reader for the two stored entities a large directory holds by the
// hundred thousand, users and groups, so that Open does not spend most of
// its time in encoding/json's reflection (100,000 users: about 0.7 s of
// CPU there, 0.15 s here). It accepts a subset of what decodeStored's
// encoding/json decoder accepts, with the same result: member names
// exactly as this package writes them (encoding/json also matches them
// without regard to case), every other member refused, null for an absent
// list, string or time, nothing after the value. Anything it refuses that
// is not damage (an escaped string, a value of another type) goes to
// encoding/json, so a stored value decodes exactly as before; the tests
// check both readers against each other (TestStoredReaderMatchesJSON,
// FuzzStoredReader).

// errFallBack makes the caller decode the value with encoding/json.
var errFallBack = errors.New("not in the fast reader's subset")

type storedReader struct {
	b []byte
	i int
}

func (r *storedReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte (0 at the end).
func (r *storedReader) next() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

func (r *storedReader) consume(c byte) bool {
	if r.next() == c {
		r.i++
		return true
	}
	return false
}

// null consumes a null literal.
func (r *storedReader) null() bool {
	if r.next() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// raw returns the bytes of a string without escapes, quotes excluded.
func (r *storedReader) raw() ([]byte, error) {
	if !r.consume('"') {
		return nil, errFallBack
	}
	start := r.i
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], nil
		case c == '\\' || c < 0x20 || c >= 0x80:
			// Escapes, control characters and non-ASCII text (which
			// encoding/json checks and may replace): the slow reader.
			return nil, errFallBack
		}
		r.i++
	}
	return nil, errFallBack
}

func (r *storedReader) str(dst *string) error {
	if r.null() {
		return nil
	}
	b, err := r.raw()
	if err != nil {
		return err
	}
	*dst = string(b)
	return nil
}

func (r *storedReader) time(dst *time.Time) error {
	if r.null() {
		return nil
	}
	start := r.i
	if _, err := r.raw(); err != nil {
		return err
	}
	// time.Time's own JSON decoding, on the quoted text: the same result
	// as encoding/json's.
	return dst.UnmarshalJSON(r.b[start:r.i])
}

// strs reads an array of strings; null leaves dst as it is.
func (r *storedReader) strs(dst *[]string) error {
	if r.null() {
		return nil
	}
	if !r.consume('[') {
		return errFallBack
	}
	out := []string{}
	if r.consume(']') {
		*dst = out
		return nil
	}
	for {
		var s string
		if err := r.str(&s); err != nil {
			return err
		}
		out = append(out, s)
		if r.consume(']') {
			*dst = out
			return nil
		}
		if !r.consume(',') {
			return errFallBack
		}
	}
}

// object reads an object, calling member for each member name; member
// reads the value, or returns errFallBack for a name it does not know.
func (r *storedReader) object(member func(name []byte) error) error {
	if r.null() {
		return nil
	}
	if !r.consume('{') {
		return errFallBack
	}
	if r.consume('}') {
		return nil
	}
	var seen [8][]byte // the objects read here have at most 5 members
	n := 0
	for {
		name, err := r.raw()
		if err != nil {
			return err
		}
		for _, s := range seen[:n] {
			if bytes.Equal(s, name) {
				return errFallBack // a repeated member: encoding/json's rules
			}
		}
		if n == len(seen) {
			return errFallBack
		}
		seen[n] = name
		n++
		if !r.consume(':') {
			return errFallBack
		}
		if err := member(name); err != nil {
			return err
		}
		if r.consume('}') {
			return nil
		}
		if !r.consume(',') {
			return errFallBack
		}
	}
}

func (r *storedReader) attached(dst *exportAttached) error {
	return r.object(func(name []byte) error {
		switch string(name) {
		case "System":
			return r.strs(&dst.System)
		case "Custom":
			return r.strs(&dst.Custom)
		}
		return errFallBack
	})
}

func (r *storedReader) user(u *exportUser) error {
	return r.object(func(name []byte) error {
		switch string(name) {
		case "Name":
			return r.str(&u.Name)
		case "Created":
			return r.time(&u.Created)
		case "Groups":
			return r.strs(&u.Groups)
		case "Policies":
			return r.attached(&u.Policies)
		case "AccessKeys":
			if r.null() {
				return nil
			}
			if !r.consume('[') {
				return errFallBack
			}
			u.AccessKeys = []exportAccessKey{}
			if r.consume(']') {
				return nil
			}
			for {
				var k exportAccessKey
				if err := r.accessKey(&k); err != nil {
					return err
				}
				u.AccessKeys = append(u.AccessKeys, k)
				if r.consume(']') {
					return nil
				}
				if !r.consume(',') {
					return errFallBack
				}
			}
		}
		return errFallBack
	})
}

func (r *storedReader) accessKey(k *exportAccessKey) error {
	return r.object(func(name []byte) error {
		switch string(name) {
		case "ID":
			return r.str(&k.ID)
		case "Sealed":
			return r.str(&k.Sealed)
		case "Status":
			return r.str(&k.Status)
		case "Created":
			return r.time(&k.Created)
		}
		return errFallBack
	})
}

func (r *storedReader) group(g *exportGroup) error {
	return r.object(func(name []byte) error {
		switch string(name) {
		case "Name":
			return r.str(&g.Name)
		case "Created":
			return r.time(&g.Created)
		case "Members":
			return r.strs(&g.Members)
		case "Policies":
			return r.attached(&g.Policies)
		}
		return errFallBack
	})
}

// decodeFast decodes value into v (an *exportUser or *exportGroup) with
// the fast reader; it returns errFallBack, with v untouched, when value
// is outside the reader's subset (or v another type).
func decodeFast(value []byte, v any) error {
	r := &storedReader{b: value}
	var err error
	done := func() bool {
		r.ws()
		// A time that does not parse is an error too: encoding/json says why.
		return err == nil && r.i == len(r.b)
	}
	switch v := v.(type) {
	case *exportUser:
		var u exportUser
		if err = r.user(&u); done() {
			*v = u
			return nil
		}
	case *exportGroup:
		var g exportGroup
		if err = r.group(&g); done() {
			*v = g
			return nil
		}
	}
	return errFallBack
}

// decodeStored decodes one stored entity. The store holds what this
// package wrote, so the standard decoder (unknown members refused) is
// enough here and about twice as fast as the strict reader exports need;
// users and groups take the faster reader above. Every value is then
// checked by the importer as an export's would be.
func decodeStored(value []byte, v any) error {
	if decodeFast(value, v) == nil {
		return nil
	}
	return decodeJSON(value, v)
}

// decodeJSON is decodeStored with encoding/json alone: the reference the
// fast reader is checked against.
func decodeJSON(value []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the stored value")
	}
	return nil
}
