package store

import (
	"strings"
	"unicode/utf8"
)

// Validate reports whether b keeps the rules of Batch, Op and Key, returning a *BatchError
// (ErrInvalid) for the first rule broken: a non-empty Account; at least one Op; every key in
// b.Account, with non-empty fields of at most MaxKeyFieldBytes bytes of UTF-8 without NUL
// bytes, and no key twice; values of at most MaxValueBytes; audit fields of at most
// MaxAuditBytes bytes of UTF-8 without NUL bytes; at most MaxBatchBytes in all. Every backend
// calls it first in Commit, so all backends accept the same batches (PostgreSQL text refuses
// NUL bytes and invalid UTF-8, hence the rule for all).
func Validate(b *Batch) error {
	if err := checkText("Account", b.Account, MaxKeyFieldBytes, false); err != "" {
		return &BatchError{Op: -1, Field: "Account", Reason: err}
	}
	for _, f := range [...]struct{ name, v string }{{"Actor", b.Actor}, {"Reason", b.Reason}, {"RequestID", b.RequestID}} {
		if err := checkText(f.name, f.v, MaxAuditBytes, true); err != "" {
			return &BatchError{Op: -1, Field: f.name, Reason: err}
		}
	}
	if len(b.Ops) == 0 {
		return &BatchError{Op: -1, Field: "Ops", Reason: "no operations"}
	}
	total := 0
	seen := make(map[Key]int, len(b.Ops))
	for i, op := range b.Ops {
		if op.Key.Account != b.Account {
			return &BatchError{Op: i, Field: "Key.Account", Reason: "key of account " + quote(op.Key.Account) + " in a batch for account " + quote(b.Account)}
		}
		if err := checkText("Key.Kind", op.Key.Kind, MaxKeyFieldBytes, false); err != "" {
			return &BatchError{Op: i, Field: "Key.Kind", Reason: err}
		}
		if err := checkText("Key.Name", op.Key.Name, MaxKeyFieldBytes, false); err != "" {
			return &BatchError{Op: i, Field: "Key.Name", Reason: err}
		}
		if len(op.Value) > MaxValueBytes {
			return &BatchError{Op: i, Field: "Value", Reason: "longer than MaxValueBytes"}
		}
		if j, dup := seen[op.Key]; dup {
			return &BatchError{Op: i, Field: "Key", Reason: "key already written by op " + itoa(j)}
		}
		seen[op.Key] = i
		total += len(op.Key.Account) + len(op.Key.Kind) + len(op.Key.Name) + len(op.Value)
		if total > MaxBatchBytes {
			return &BatchError{Op: i, Field: "Ops", Reason: "batch longer than MaxBatchBytes"}
		}
	}
	return nil
}

func checkText(_, s string, maxBytes int, emptyOK bool) string {
	switch {
	case s == "" && !emptyOK:
		return "empty"
	case len(s) > maxBytes:
		return "longer than " + itoa(maxBytes) + " bytes"
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	}
	return ""
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "\uFFFD") + "\""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Clone returns a deep copy of b: its Ops slice and every Value are copied, so the copy shares
// no memory with b.
func (b Batch) Clone() Batch {
	c := b
	c.Ops = make([]Op, len(b.Ops))
	n := 0
	for _, op := range b.Ops {
		n += len(op.Value)
	}
	buf := make([]byte, 0, n)
	for i, op := range b.Ops {
		c.Ops[i].Key = op.Key
		if len(op.Value) > 0 {
			start := len(buf)
			buf = append(buf, op.Value...)
			c.Ops[i].Value = buf[start:len(buf):len(buf)]
		}
	}
	return c
}

// Less reports whether k sorts before l: by Account, then Kind, then Name, bytewise.
func (k Key) Less(l Key) bool { return k.Compare(l) < 0 }

// Compare returns -1, 0 or +1 as k sorts before, equal to or after l (Account, Kind, Name,
// bytewise).
func (k Key) Compare(l Key) int {
	if c := strings.Compare(k.Account, l.Account); c != 0 {
		return c
	}
	if c := strings.Compare(k.Kind, l.Kind); c != 0 {
		return c
	}
	return strings.Compare(k.Name, l.Name)
}
