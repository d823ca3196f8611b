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

// newConfig applies opts to a zero config. The options run on a config of
// their own (an Option may keep its pointer), so that a call without
// options allocates none.
func newConfig(opts []Option) config {
	if len(opts) == 0 {
		return config{}
	}
	c := new(config)
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return *c
}

// badKind returns the error for a config whose kind is none of Identity,
// Trust and Session (WithKind with another number), or nil.
func (c *config) badKind() error {
	if c.kind <= Session {
		return nil
	}
	return &ParseError{File: c.file, Offset: -1, Err: ErrInvalid, Msg: "unknown document kind " + c.kind.String() + "; WithKind takes Identity, Trust or Session"}
}

// WithKind parses the document as kind k (default Identity). Any other
// kind makes Parse fail with ErrInvalid.
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
	c := newConfig(opts)
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

// Parse parses and validates one policy document. By default it reads an
// identity policy in strict mode with the limits of DefaultLimits; see
// WithKind, Lenient, WithLimits and WithFile.
//
// Parse reports the first problem it finds, scanning the document in order,
// as a *ParseError whose Err is one of ErrSyntax, ErrDuplicateKey,
// ErrUnknownElement, ErrMissing, ErrInvalid, ErrConflict or ErrLimit. No other
// error is returned. On error the document is nil. A kind given by
// WithKind other than Identity, Trust and Session is an ErrInvalid error
// before the input is read.
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
//
// The Document shares no memory with data. Its strings may share one block
// with the text of the input, white space included, but only while the
// input is at most four times the bytes of the document's strings plus
// 4,096 bytes; beyond that they are copied into a block of their own, so
// that white space around a small document does not stay alive with it.
func Parse(data []byte, opts ...Option) (*Document, error) {
	c := newConfig(opts)
	if err := c.badKind(); err != nil {
		return nil, err
	}
	c.limits = c.limits.withDefaults(c.kind)
	// The single-pass reader takes every valid document without escapes;
	// anything else goes to the diagnosing walk, which accepts escapes and
	// finds the first problem with its position.
	if doc := parseFast(data, &c, nil); doc != nil {
		return keepOwnStrings(doc, len(data)), nil
	}
	return parseWalk(data, c)
}

// parseWalk is Parse's diagnosing walk, for what the single-pass reader
// does not accept. (The walk's parser escapes; its own copy of c keeps
// Parse's on the stack for the path that matters.)
func parseWalk(data []byte, c config) (*Document, error) {
	p := &parser{data: data, cfg: &c, lone: -1}
	doc, err := p.parse()
	if err != nil {
		return nil, err
	}
	return keepOwnStrings(doc, len(data)), nil
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
