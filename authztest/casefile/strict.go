package casefile

import (
	"strconv"

	"github.com/ramauthz/ramauthz/internal/strictjson"
	"github.com/ramauthz/ramauthz/policy"
)

// Case files are read with internal/strictjson: member names are matched
// exactly, names equal under case folding are duplicates ("requeſt" beside
// "request" is refused, not silently preferred), unknown members are
// errors, and errors carry line and column. Embedded policy documents are
// kept as their exact bytes for the policy parser, which has rules of its
// own.

// UnmarshalStrictJSON reads {"KEY": "value" | ["v1", "v2"], ...}. Two keys
// that are one condition key (spec §13 D23, policy.CanonicalKey: equal
// ignoring ASCII case before the first '/') are refused, since only one of
// their values could reach a decision.
func (c *Context) UnmarshalStrictJSON(d *strictjson.Decoder) error {
	out := Context{}
	spelled := map[string]string{} // canonical key -> the name as written
	err := d.Object(exactName, func(name string, d *strictjson.Decoder) error {
		k := policy.CanonicalKey(name)
		if first, twin := spelled[k]; twin {
			return d.FailName(strictjson.ErrDuplicateMember, "context key "+strconv.Quote(name)+" is the same key as "+strconv.Quote(first)+" (key names ignore case before the first '/')")
		}
		spelled[k] = name
		var list []string
		switch d.Kind() {
		case strictjson.KindString:
			var s string
			if err := d.Decode(&s); err != nil {
				return err
			}
			list = []string{s}
		case strictjson.KindArray:
			if err := d.Decode(&list); err != nil {
				return err
			}
			if list == nil {
				list = []string{}
			}
		default:
			return d.Fail(strictjson.ErrType, "context key "+strconv.Quote(name)+" must be a string or a list of strings; got "+d.Kind().String())
		}
		out[name] = list
		return nil
	})
	if err != nil {
		return err
	}
	*c = out
	return nil
}

// UnmarshalJSON reads a context as UnmarshalStrictJSON does, so a Context
// decoded with encoding/json is held to the same rules.
func (c *Context) UnmarshalJSON(data []byte) error {
	return strictjson.Unmarshal(data, c)
}

func exactName(name string) string { return name }

// Twin returns the key of c that is the same condition key as key (spec
// §13 D23, policy.CanonicalKey) although it is spelled differently, or ""
// when there is none. Setting both on an evaluator.Context would
// keep only one of their values.
func (c Context) Twin(key string) string {
	for k := range c {
		if k != key && sameKey(k, key) {
			return k
		}
	}
	return ""
}

// sameKey reports whether a and b name one condition key (spec §13 D23,
// policy.CanonicalKey).
func sameKey(a, b string) bool {
	return policy.CanonicalKey(a) == policy.CanonicalKey(b)
}
