package policy

// check.go holds the checks and messages both readers share: the
// single-pass reader (fast.go) and the diagnosing walk (parser.go) run
// the same code on every element (the walk reports the problem a check
// returns, the reader only asks whether there is one), so they cannot
// disagree on what is valid.

import (
	"slices"
	"strings"

	"github.com/ramauthz/ramauthz/principal"
)

// hasControl reports whether s holds an ASCII control character or DEL.
// It looks at eight bytes at a time (see special in token.go): a byte
// below 0x20, or equal to 0x7F, sets its high bit in one of the two
// differences, and a byte that has its own high bit set is masked out.
func hasControl(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load64(s, i)
		d := w ^ (ones * 0x7f)
		if ((w-ones*0x20)|(d-ones))&^w&highs != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func unknownMsg(name, where string, known ...string) string {
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return quote(name) + " is not an element of " + where + "; names are case-sensitive: did you mean " + quote(k) + "?"
		}
	}
	return quote(name) + " is not an element of " + where + " (expected one of " + strings.Join(known, ", ") + ")"
}

// problem is what a check found wrong with a string: a message for people
// and the sentinel it unwraps to. The zero problem means nothing is wrong.
// The checks are pure functions returning one, so that the diagnosing walk
// reports it with its path and position (parser.report) and the
// single-pass reader merely gives up.
type problem struct {
	msg string
	err error
}

// report records pr, if it is a problem, at off; it reports whether pr
// was none.
func (p *parser) report(off int, pr problem) bool {
	if pr.err != nil {
		p.fail(off, pr.err, pr.msg)
		return false
	}
	return true
}

// wildcardProblem: a pattern has n wildcards, more than max.
func wildcardProblem(n, max int) problem {
	if n > max {
		return problem{"pattern has " + itoa(n) + " wildcards; the limit is " + itoa(max), ErrLimit}
	}
	return problem{}
}

// wildcardLimit fails when a pattern has more than MaxWildcards wildcards.
func (p *parser) wildcardLimit(n, off int) bool {
	return p.report(off, wildcardProblem(n, p.cfg.limits.MaxWildcards))
}

func (p *parser) checkWildcards(s string, off int) bool {
	return p.wildcardLimit(countWildcards(s), off)
}

func countWildcards(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' {
			n++
		}
	}
	return n
}

// The classes of actionClass, as bits that can be or-ed and counted.
const (
	actionWild  = 1 // '*' or '?'
	actionColon = 2 // ':'
	actionBad   = 4 // anything but a letter, digit, '-', '_', '.', wildcard or ':'
)

// actionClass classifies the bytes of an action: 0 for a letter, digit,
// '-', '_' or '.', otherwise one of the action constants above. (The
// closing quote of a string, a backslash, control characters, NUL and
// bytes above 0x7F are all actionBad.)
var actionClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		case c == '*', c == '?':
			t[c] = actionWild
		case c == ':':
			t[c] = actionColon
		default:
			t[c] = actionBad
		}
	}
	return t
}()

// actionCount holds, for each byte, what actionRun adds up: 1 for a
// wildcard, 1<<32 for ':', and actionStop for a byte no action may hold.
// (The wildcards of a string shorter than 4 GiB cannot carry into the
// colon count; eight entries, at most eight colons, cannot carry into the
// stop count.)
var actionCount = func() (t [256]uint64) {
	for c := range t {
		switch actionClass[c] {
		case actionWild:
			t[c] = 1
		case actionColon:
			t[c] = 1 << 32
		case actionBad:
			t[c] = actionStop
		}
	}
	return t
}()

// actionStop is the entry of a stop byte: the sum of eight entries holds
// the number of stop bytes among them in its top four bits, so a sum at
// or above actionStop says the eight hold one.
const actionStop = 1 << 60

// actionRun scans s up to the first byte no action may hold and returns
// that byte's index, with the number of ':' and of wildcards before it.
// One table load and one addition per byte: eight bytes at a time while
// none of them stops the run (their sum tells), then four, then a byte at
// a time to the stop. (The single-pass reader's loop over a list of
// actions, fastReader.actions, runs the same scan inline on its text.)
func actionRun(s string) (n, colons, wild int) {
	var sum uint64
	for ; n+8 <= len(s); n += 8 {
		w := s[n : n+8] // one bounds check for the eight
		t := actionCount[w[0]] + actionCount[w[1]] + actionCount[w[2]] + actionCount[w[3]] +
			actionCount[w[4]] + actionCount[w[5]] + actionCount[w[6]] + actionCount[w[7]]
		if t >= actionStop {
			break
		}
		sum += t
	}
	if n+4 <= len(s) {
		w := s[n : n+4]
		if t := actionCount[w[0]] + actionCount[w[1]] + actionCount[w[2]] + actionCount[w[3]]; t < actionStop {
			sum += t
			n += 4
		}
	}
	for ; n < len(s); n++ {
		c := actionCount[s[n]]
		if c >= actionStop {
			break
		}
		sum += c
	}
	return n, int(sum >> 32), int(sum & (1<<32 - 1))
}

// actionValid reports whether a, made of action bytes only (see actionRun)
// with colons ':', is "*" or "<service>:<action>" with both parts
// non-empty.
func actionValid(a string, colons int) bool {
	return a == "*" || colons == 1 && a[0] != ':' && a[len(a)-1] != ':'
}

// actionProblem checks an action: "*", or "<service>:<action>", both
// parts non-empty and made of letters, digits, '-', '_', '.', '*' and '?',
// with at most maxWild wildcards ("*" alone is always allowed).
func actionProblem(s string, maxWild int) problem {
	n, colons, wild := actionRun(s)
	switch {
	case n != len(s) || !actionValid(s, colons):
		return problem{"an action must be \"*\" or \"<service>:<action>\" using letters, digits, '-', '_', '.', '*' and '?'; got " + quote(s), ErrInvalid}
	case s == "*":
		return problem{}
	}
	return wildcardProblem(wild, maxWild)
}

// resourceProblem checks a resource: "*", or an ARN starting with "acs:"
// without control characters and with at most maxWild wildcards (a
// pattern no longer than the limit cannot have too many). controlFree
// says the caller has already made sure s holds no control character, as
// the single-pass reader's string loop does.
func resourceProblem(s string, maxWild int, controlFree bool) problem {
	switch {
	case s == "*":
	case !controlFree && hasControl(s):
		return problem{"a resource must not contain control characters", ErrInvalid}
	case !strings.HasPrefix(s, "acs:"):
		return problem{"a resource must be \"*\" or an ARN starting with \"acs:\"; got " + quote(s), ErrInvalid}
	case len(s) > maxWild:
		return wildcardProblem(countWildcards(s), maxWild)
	}
	return problem{}
}

// resourceAccepted is the quick yes of resourceProblem, small enough to
// be inlined: "*", or an ARN starting with "acs:" too short to hold more
// than maxWild wildcards, for a caller that knows s holds no control
// character. false means "ask resourceProblem", not "bad".
func resourceAccepted(s string, maxWild int) bool {
	return s == "*" || len(s) <= maxWild && len(s) >= 4 && s[:4] == "acs:"
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

// principalProblem checks an element of the principal list k (listRAM,
// listService or listFederated).
func principalProblem(s string, k int) problem {
	switch k {
	case listRAM:
		if !principalOfKind(s, principal.KindAccount, principal.KindUser, principal.KindRole) {
			return problem{"a RAM principal must be acs:ram::<16-digit account>:root, :user/<name> or :role/<name>; got " + quote(s), ErrInvalid}
		}
	case listService:
		if !principalOfKind(s, principal.KindService) {
			return problem{"a Service principal must be a lower-case service domain such as \"ecs.aliyuncs.com\"; got " + quote(s), ErrInvalid}
		}
	case listFederated:
		if !principalOfKind(s, principal.KindSAMLProvider, principal.KindOIDCProvider) {
			return problem{"a Federated principal must be acs:ram::<16-digit account>:saml-provider/<name> or :oidc-provider/<name>; got " + quote(s), ErrInvalid}
		}
	}
	return problem{}
}

// The checks of the walk's string lists.

func (p *parser) checkAction(s string, off int) {
	p.report(off, actionProblem(s, p.cfg.limits.MaxWildcards))
}

func (p *parser) checkResource(s string, off int) {
	p.report(off, resourceProblem(s, p.cfg.limits.MaxWildcards, false))
}

func (p *parser) checkRAMPrincipal(s string, off int) {
	p.report(off, principalProblem(s, listRAM))
}

func (p *parser) checkServicePrincipal(s string, off int) {
	p.report(off, principalProblem(s, listService))
}

func (p *parser) checkFederatedPrincipal(s string, off int) {
	p.report(off, principalProblem(s, listFederated))
}

// sameKey returns the key of block that is the same key as name under
// CanonicalKey (spec §13 D23), or "". Blocks are small (a document has at
// most 6,144 characters), and the comparison does not allocate.
func sameKey(block []Condition, name string) string {
	for i := range block {
		if sameCanonicalKey(block[i].Key, name) {
			return block[i].Key
		}
	}
	return ""
}

// sortConditions orders conditions by operator, the plain form before the
// IfExists form, then by key (see compareConditions).
func sortConditions(conds []Condition) {
	slices.SortFunc(conds, func(a, b Condition) int {
		return compareConditions(a.Operator, a.IfExists, a.Key, b.Operator, b.IfExists, b.Key)
	})
}

// compareConditions is the order of a statement's conditions: by
// operator, the plain form before the IfExists form, then by key.
func compareConditions(opA Operator, ifExistsA bool, keyA string, opB Operator, ifExistsB bool, keyB string) int {
	if opA != opB {
		return int(opA) - int(opB)
	}
	if ifExistsA != ifExistsB {
		if ifExistsA {
			return 1
		}
		return -1
	}
	return strings.Compare(keyA, keyB)
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
