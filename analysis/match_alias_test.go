package analysis

import "github.com/ramauthz/ramauthz/internal/match"

type matchPattern = match.Pattern

func matchMust(p string, fold bool) match.Pattern { return match.MustCompile(p, fold) }
