package policy

import "strings"

// compact.go keeps a parsed Document from holding its whole input alive.
//
// Both readers take the document's strings as slices of one copy of the
// input (the single-pass reader's padded text, the walk's gjson string),
// so a Document written with a lot of white space around a few strings
// kept all of it, up to MaxInputBytes, for as long as any one of its
// strings lived: in the Document, and in what shares its strings (a
// compiled Evaluator keeps Sids, condition keys and condition values).
// A document of under 200 characters padded to 1 MiB kept 1 MiB. When the input is
// larger than compactRatio times the bytes of the document's strings plus
// compactSlack, Parse copies the strings into one block of their own, so
// that a Document keeps at most that much of its input
// (TestAttackDocumentDoesNotKeepItsInput). Documents written the usual
// way, indented or not, are far below the bound and pay only the count,
// which stops as soon as the strings reach it.

const (
	// compactRatio is how many bytes of input a Document may keep per
	// byte of its strings.
	compactRatio = 4
	// compactSlack is how many bytes of input a Document may keep
	// whatever its strings (bytes). An input no longer than this is never
	// compacted.
	compactSlack = 4096
)

// keepOwnStrings returns d, its strings first copied into a block of their
// own when the input they are slices of, n bytes long, is larger than
// compactRatio times their bytes plus compactSlack.
func keepOwnStrings(d *Document, n int) *Document {
	if n <= compactSlack {
		return d
	}
	budget := (n - compactSlack) / compactRatio
	total := 0
	if eachString(d, true, func(s *string) bool { total += len(*s); return total < budget }) {
		compactStrings(d, total, true)
	}
	return d
}

// ownKeptStrings copies the strings of d that a compiled Evaluator keeps
// (every string but the Action, NotAction, Resource and NotResource
// patterns, which Compile copies into tables of its own) into one new
// block, for a transient parse (transient.go), whose input text is reused.
func ownKeptStrings(d *Document) {
	total := 0
	eachString(d, false, func(s *string) bool { total += len(*s); return true })
	if total > 0 {
		compactStrings(d, total, false)
	}
}

// compactStrings copies every string of d (but the patterns, unless
// patterns is set), total bytes in all, into one new block and points d
// at the copies. Numbers keep slices of their value's text, so numeric
// values are read again from theirs.
func compactStrings(d *Document, total int, patterns bool) {
	var b strings.Builder
	b.Grow(total)
	eachString(d, patterns, func(s *string) bool { b.WriteString(*s); return true })
	all, off := b.String(), 0
	eachString(d, patterns, func(s *string) bool {
		*s = all[off : off+len(*s)]
		off += len(*s)
		return true
	})
	for i := range d.Statements {
		for _, c := range d.Statements[i].Condition {
			if c.Operator.Family() != FamilyNumeric {
				continue
			}
			for k := range c.Values {
				if n, err := ParseNumber(c.Values[k].Raw); err == nil {
					c.Values[k].Number = n
				}
			}
		}
	}
}

// eachString calls fn with a pointer to every string of d taken from the
// input (the Action, NotAction, Resource and NotResource patterns only
// when patterns is set), in one fixed order, until fn returns false; it
// reports whether fn never did.
func eachString(d *Document, patterns bool, fn func(*string) bool) bool {
	list := func(l []string) bool {
		for i := range l {
			if !fn(&l[i]) {
				return false
			}
		}
		return true
	}
	for i := range d.Statements {
		st := &d.Statements[i]
		if !fn(&st.Sid) {
			return false
		}
		if patterns && (!list(st.Action) || !list(st.NotAction) || !list(st.Resource) || !list(st.NotResource)) {
			return false
		}
		if p := st.Principal; p != nil && (!list(p.RAM) || !list(p.Service) || !list(p.Federated)) {
			return false
		}
		for k := range st.Condition {
			c := &st.Condition[k]
			if !fn(&c.Key) {
				return false
			}
			for v := range c.Values {
				if !fn(&c.Values[v].Raw) {
					return false
				}
			}
		}
	}
	return true
}
