package lint

import (
	"strings"
)

// catalogue checks one Action or NotAction entry against Options.Actions:
// a literal action must be listed (UNKNOWN_ACTION, with the nearest names
// as suggestions) and a pattern must match at least one listed action
// (PATTERN_MATCHES_NOTHING). Actions compare without regard to case.
func (c *checker) catalogue(e valueView, notAction bool) {
	if len(c.opts.Actions) == 0 || e.raw == "*" {
		return
	}
	if hasWildcard(e.raw) {
		for _, a := range c.opts.Actions {
			if matches(e.raw, a, true) {
				return
			}
		}
		c.add(PatternMatchesNothing, quote(e.raw)+" matches no action of the catalogue; check the spelling of the service and the action", e.path, e.res)
		return
	}
	for _, a := range c.opts.Actions {
		if strings.EqualFold(a, e.raw) {
			return
		}
	}
	msg := quote(e.raw) + " is not an action of the catalogue"
	if notAction {
		msg += "; under NotAction a misspelled action excludes nothing, so the statement covers the action you meant"
	}
	if s := nearest(e.raw, c.opts.Actions); len(s) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(s), " or ") + "?"
	}
	c.add(UnknownAction, msg, e.path, e.res)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = quote(x)
	}
	return out
}

// nearest returns up to three catalogue actions closest to a by edit
// distance (ignoring case), within a third of a's length, nearest first
// and in catalogue order among equals.
func nearest(a string, catalogue []string) []string {
	limit := max(2, len(a)/3)
	type cand struct {
		name string
		d    int
	}
	var best []cand
	la := strings.ToLower(a)
	for _, name := range catalogue {
		d := editDistance(la, strings.ToLower(name))
		if d > limit {
			continue
		}
		i := len(best)
		for i > 0 && best[i-1].d > d {
			i--
		}
		best = append(best[:i], append([]cand{{name, d}}, best[i:]...)...)
		if len(best) > 3 {
			best = best[:3]
		}
	}
	out := make([]string, len(best))
	for i, b := range best {
		out[i] = b.name
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
