package policy

import (
	"errors"
	"io/fs"

	"github.com/ramauthz/ramauthz/internal/fileinput"
)

// Limits are hard limits checked while parsing, before any expensive work,
// so hostile input cannot make Parse slow or large. A zero field means the
// default for the document's kind (see DefaultLimits).
type Limits struct {
	// MaxInputBytes caps the raw input, whitespace included (default 1 MiB).
	MaxInputBytes int
	// MaxSize caps the document's length in characters, measured on the
	// minified JSON (default 6,144 for identity and trust documents and
	// 2,048 for session documents).
	MaxSize int
	// MaxStatements caps the number of statements (default 1,000).
	MaxStatements int
	// MaxValues caps the entries of one element: actions, resources,
	// principals of one type, or values of one condition key (default 1,000).
	MaxValues int
	// MaxWildcards caps the '*' and '?' characters in one pattern (default 64).
	MaxWildcards int
	// MaxDepth caps JSON nesting depth (default 16; a valid document needs 6).
	MaxDepth int
}

// DefaultLimits returns the limits Parse applies to documents of kind k.
func DefaultLimits(k Kind) Limits {
	l := Limits{
		MaxInputBytes: 1 << 20,
		MaxSize:       6144,
		MaxStatements: 1000,
		MaxValues:     1000,
		MaxWildcards:  64,
		MaxDepth:      16,
	}
	if k == Session {
		l.MaxSize = 2048
	}
	return l
}

// Option configures Parse.
type Option func(*config)

type config struct {
	kind    Kind
	lenient bool
	limits  Limits
	file    string
}

// WithKind parses the document as kind k (default Identity).
func WithKind(k Kind) Option { return func(c *config) { c.kind = k } }

// Lenient accepts a Statement given as a single object instead of a list, as
// AWS does. By default (strict mode) that form is rejected.
func Lenient() Option { return func(c *config) { c.lenient = true } }

// WithLimits replaces the default limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithFile names the input in errors (ParseError.File).
func WithFile(name string) Option { return func(c *config) { c.file = name } }

// ParseFile reads name from fsys and parses it, naming the file in errors.
// It reads at most MaxInputBytes+1 bytes: a larger file is a *ParseError
// wrapping ErrLimit, found without reading the file whole. A name that is
// not a regular file (a directory, a named pipe, a device) is refused
// before it is opened, with an *fs.PathError. Other read errors are
// returned as they are (not as a *ParseError).
func ParseFile(fsys fs.FS, name string, opts ...Option) (*Document, error) {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	limit := c.limits.withDefaults(c.kind).MaxInputBytes
	data, err := fileinput.ReadFS(fsys, name, limit)
	if errors.Is(err, fileinput.ErrTooLarge) {
		return nil, &ParseError{File: name, Offset: -1, Err: ErrLimit, Msg: "input is more than " + itoa(limit) + " bytes; the limit is " + itoa(limit)}
	}
	if err != nil {
		return nil, err
	}
	return Parse(data, append(opts, WithFile(name))...)
}
