package evaluator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Adversarial evaluator inputs live in testdata/adversarial: policy sets in
// evaluator/ (thousands of statements, unindexable "*" actions, backtracking
// patterns, huge condition value lists, edge values) and, in requests/, the
// requests made against each one with the decision the specification gives
// and a bound on the statements Decide may meet. Every request is decided
// with bounded work, shown by counts and sizes, never by wall time:
//
//   - the statements the action index hands to Decide (counted by walking
//     the index the way Decide does) stay within the file's maxMet, however
//     many statements the set has and however long the request is;
//   - every statement that Explain finds matching the action is among those
//     candidates (the index loses nothing);
//   - Decide allocates nothing, whatever the size of the request;
//   - Decide, Explain and (for requests small enough for its quadratic
//     tables) the naive reference agree with the expected decision.

const adversarialDir = "../testdata/adversarial"

// policySetFile is the format of testdata/adversarial/evaluator/*.json.
type policySetFile struct {
	Description string            `json:"description"`
	Documents   []json.RawMessage `json:"documents"`
	// Generate builds one document per entry with Count copies of
	// Statement, "{i}" replaced by the copy's index and a string
	// "{values:FORMAT:N}" replaced by a list of N strings FORMAT with
	// "{j}" replaced by 0..N-1.
	Generate []struct {
		Count     int             `json:"count"`
		Statement json.RawMessage `json:"statement"`
	} `json:"generate"`
}

// requestFile is the format of testdata/adversarial/requests/*.json.
// Strings are Go-quoted without the surrounding quotes, so that a request can
// hold bytes JSON cannot (\xff).
type requestFile struct {
	PolicySet string `json:"policySet"`
	Requests  []struct {
		Name     string              `json:"name"`
		Action   string              `json:"action"`
		Resource string              `json:"resource"`
		Context  map[string][]string `json:"context"`
		// Repeat appends Unit Times times, then Suffix, to Field: "action",
		// "resource", "context:<key>" (the key's first value) or
		// "values:<key>" (Times more values Unit).
		Repeat []struct {
			Field  string `json:"field"`
			Unit   string `json:"unit"`
			Times  int    `json:"times"`
			Suffix string `json:"suffix"`
		} `json:"repeat"`
		Want   string `json:"want"`
		MaxMet int    `json:"maxMet"`
	} `json:"requests"`
}

var valuesPlaceholder = regexp.MustCompile(`"\{values:([^:"]*):([0-9]+)\}"`)

// expandStatement renders copy i of a statement template.
func expandStatement(tmpl string, i int) string {
	s := valuesPlaceholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := valuesPlaceholder.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		var b strings.Builder
		b.WriteByte('[')
		for j := 0; j < n; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(strings.ReplaceAll(sub[1], "{j}", strconv.Itoa(j))))
		}
		b.WriteByte(']')
		return b.String()
	})
	return strings.ReplaceAll(s, "{i}", strconv.Itoa(i))
}

// loadPolicySet parses every document of a set with the parser's limits
// raised far enough for the file (the evaluator also takes documents built
// in code, which no parser limit constrains).
func loadPolicySet(t *testing.T, name string) []Policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(adversarialDir, "evaluator", name))
	require.NoError(t, err)
	var f policySetFile
	require.NoError(t, json.Unmarshal(data, &f))
	require.NotEmpty(t, f.Description)
	docs := make([]string, 0, len(f.Documents)+len(f.Generate))
	for _, d := range f.Documents {
		docs = append(docs, string(d))
	}
	for _, g := range f.Generate {
		stmts := make([]string, g.Count)
		for i := range stmts {
			stmts[i] = expandStatement(string(g.Statement), i)
		}
		docs = append(docs, `{"Version":"1","Statement":[`+strings.Join(stmts, ",")+`]}`)
	}
	big := policy.Limits{MaxInputBytes: 64 << 20, MaxSize: 64 << 20, MaxStatements: 1 << 20, MaxValues: 1 << 20}
	ps := make([]Policy, len(docs))
	for i, js := range docs {
		d, err := policy.Parse([]byte(js), policy.WithLimits(big))
		require.NoError(t, err, "%s document %d", name, i)
		ps[i] = Policy{ID: "p" + strconv.Itoa(i), Document: d}
	}
	return ps
}

func unquote(t *testing.T, s string) string {
	t.Helper()
	u, err := strconv.Unquote(`"` + s + `"`)
	require.NoError(t, err, "bad escape in %q", s)
	return u
}

// candidates walks the action index exactly as Decide does, without
// stopping at the first statement that applies, and returns how many
// (statement, pattern) entries it meets and the set of statements they
// belong to.
func candidates(e *Evaluator, action string) (int, map[int32]bool) {
	met, set := 0, map[int32]bool{}
	for _, ix := range []*index{&e.deny, &e.allow} {
		for _, v := range ix.any {
			met++
			set[ix.ents[v].stmt] = true
		}
		if ix.trie.Len() > 0 {
			w := ix.trie.Walk(action)
			for {
				vals, _, ok := w.Next()
				if !ok {
					break
				}
				for _, v := range vals {
					met++
					set[ix.ents[v].stmt] = true
				}
			}
		}
		for _, si := range ix.notAction {
			met++
			set[si] = true
		}
	}
	return met, set
}

// stmtIndex finds the compiled statement an explanation cites.
func stmtIndex(e *Evaluator, m Match) int32 {
	for i := range e.stmts {
		s := &e.stmts[i]
		if e.policyID(s.policy) == m.PolicyID && int(s.index) == m.Statement {
			return int32(i)
		}
	}
	return -1
}

// referenceLimit bounds the request size given to the naive reference,
// whose tables grow with pattern length times string length.
const referenceLimit = 4096

func TestAdversarialRequests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(adversarialDir, "requests", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sets, _ := filepath.Glob(filepath.Join(adversarialDir, "evaluator", "*.json"))
	used := map[string]bool{}
	total := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var rf requestFile
			require.NoError(t, json.Unmarshal(data, &rf))
			used[rf.PolicySet] = true
			ps := loadPolicySet(t, rf.PolicySet)
			e := mustCompile(t, ps)
			for _, rq := range rf.Requests {
				total++
				t.Run(rq.Name, func(t *testing.T) {
					want, err := ParseDecision(rq.Want)
					require.NoError(t, err)
					r := Request{Action: unquote(t, rq.Action), Resource: unquote(t, rq.Resource)}
					vals := map[string][]string{}
					for k, vs := range rq.Context {
						for _, v := range vs {
							vals[unquote(t, k)] = append(vals[unquote(t, k)], unquote(t, v))
						}
					}
					for _, rp := range rq.Repeat {
						long := strings.Repeat(unquote(t, rp.Unit), rp.Times) + unquote(t, rp.Suffix)
						switch field, key, _ := strings.Cut(rp.Field, ":"); field {
						case "action":
							r.Action += long
						case "resource":
							r.Resource += long
						case "context":
							require.NotEmpty(t, vals[key], "repeat on a key without a first value")
							vals[key][0] += long
						case "values":
							for i := 0; i < rp.Times; i++ {
								vals[key] = append(vals[key], unquote(t, rp.Unit))
							}
						default:
							t.Fatalf("unknown repeat field %q", rp.Field)
						}
					}
					if len(vals) > 0 {
						r.Context = &Context{}
						for k, vs := range vals {
							r.Context.Set(k, vs...)
						}
					}

					assert.Equal(t, want, e.Decide(r), "Decide")
					x := e.Explain(r)
					assert.Equal(t, want, x.Decision, "Explain\n%s", x)
					size := len(r.Action) + len(r.Resource)
					for _, vs := range vals {
						for _, v := range vs {
							size += len(v)
						}
					}
					if size <= referenceLimit {
						assert.Equal(t, want, referenceDecide(ps, r), "reference")
					}

					met, set := candidates(e, r.Action)
					assert.LessOrEqual(t, met, rq.MaxMet, "statements met by the action index")
					for _, m := range append(append([]Match(nil), x.Matched...), nearMissMatches(x)...) {
						si := stmtIndex(e, m)
						require.GreaterOrEqual(t, si, int32(0))
						assert.True(t, set[si], "statement %s %s matches the action but the index did not offer it", m.PolicyID, m.Path)
					}
					assert.Zero(t, testing.AllocsPerRun(3, func() { e.Decide(r) }), "Decide allocated")
				})
			}
		})
	}
	for _, s := range sets {
		assert.True(t, used[filepath.Base(s)], "policy set %s has no requests", filepath.Base(s))
	}
	assert.GreaterOrEqual(t, total, 60)
}

func nearMissMatches(x Explanation) []Match {
	out := make([]Match, len(x.NearMisses))
	for i, n := range x.NearMisses {
		out[i] = n.Match
	}
	return out
}

// TestAdversarialStatementsMet shows that the work of a decision follows the
// request, not the policy set: against sets of 10, 1,000 and 10,000
// statements on distinct services, a request meets the same single
// statement, and Explain (which scans everything) sees the whole set.
func TestAdversarialStatementsMet(t *testing.T) {
	for _, n := range []int{10, 1000, 10000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			d := &policy.Document{Version: "1"}
			for i := 0; i < n; i++ {
				d.Statements = append(d.Statements, policy.Statement{Effect: policy.Allow,
					Action: []string{fmt.Sprintf("svc%d:Get*", i)}, Resource: []string{"*"}})
			}
			e := mustCompile(t, []Policy{{ID: "p", Document: d}})
			r := Request{Action: "svc7:GetThing", Resource: "r"}
			met, set := candidates(e, r.Action)
			assert.Equal(t, 1, met)
			assert.Equal(t, map[int32]bool{7: true}, set)
			assert.Equal(t, Allow, e.Decide(r))
			assert.Len(t, e.stmts, n)
		})
	}
}

// TestAdversarialCompileSizes: compiling a policy set keeps a bounded
// amount of state per input: one statement per statement and one index
// entry per action pattern.
func TestAdversarialCompileSizes(t *testing.T) {
	ps := loadPolicySet(t, "thousands-of-statements.json")
	e := mustCompile(t, ps)
	stmts, patterns := 0, 0
	for _, p := range ps {
		stmts += len(p.Document.Statements)
		for _, st := range p.Document.Statements {
			if st.NotAction == nil {
				patterns += len(st.Action)
			}
		}
	}
	assert.Equal(t, 7001, stmts)
	assert.Len(t, e.stmts, stmts)
	assert.Equal(t, patterns, len(e.allow.ents)+len(e.deny.ents))
	assert.Len(t, e.deny.notAction, 1)
	assert.Equal(t, patterns, e.allow.trie.Len()+e.deny.trie.Len())
}

// BenchmarkAdversarialLongChunk measures long pattern chunks between stars
// (folded action chunks, and chunks with '?') against a 64 KiB request that
// almost matches everywhere. A position-by-position search costs the
// request length times the chunk length here (seconds for a 1 MiB request);
// the matcher's Knuth-Morris-Pratt and shift-and searches keep it linear in
// the request: folded chunks cost the same at every length; '?' chunks cost
// one step per live partial match while there are few, and one per 64
// characters of the longest partial match otherwise (a run of one
// character repeated is skipped once the state stops changing).
func BenchmarkAdversarialLongChunk(b *testing.B) {
	const n = 64 << 10
	for _, l := range []int{16, 256, 4096} {
		chunk := strings.Repeat("a", l)
		cases := []struct {
			name string
			st   policy.Statement
			r    Request
		}{
			{"action", policy.Statement{Effect: policy.Allow, Action: []string{"s:*" + chunk + "b*"}, Resource: []string{"*"}},
				Request{Action: "s:" + strings.Repeat("a", n), Resource: "r"}},
			{"resource?", policy.Statement{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"acs:*" + chunk + "?b*"}},
				Request{Action: "s:x", Resource: "acs:" + strings.Repeat("a", n)}},
			{"StringLike?", policy.Statement{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"*"},
				Condition: []policy.Condition{{Operator: policy.StringLike, Key: "k", Values: []policy.Value{{Raw: "*" + chunk + "?b*"}}}}},
				Request{Action: "s:x", Resource: "r", Context: func() *Context {
					c := &Context{}
					c.Set("k", strings.Repeat("a", n))
					return c
				}()}},
		}
		for _, c := range cases {
			b.Run(c.name+"/chunk="+strconv.Itoa(l), func(b *testing.B) {
				e, err := Compile(Policy{ID: "p", Document: stmtDoc(c.st)})
				require.NoError(b, err)
				b.ReportAllocs()
				for b.Loop() {
					if e.Decide(c.r) != ImplicitDeny {
						b.Fatal("matched")
					}
				}
			})
		}
	}
}

// TestAdversarialPeerBugs pins the answers to inputs that broke other
// authorization engines: policy variables are not substituted (RAM has
// none; "${...}" is literal text, never a prefix match), and NotAction
// excludes by pattern only, so an action nobody knows is neither granted by
// a NotAction Deny's gap nor denied by an Allow's exclusion.
func TestAdversarialPeerBugs(t *testing.T) {
	vars := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:b/${acs:PrincipalName}/*"}]}`)
	notRAM := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"ram:*","Resource":"*"}]}`)
	onlyDescribe := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":"ecs:Describe*","Resource":"*"}]}`)
	tests := []struct {
		name string
		e    *Evaluator
		r    Request
		want Decision
	}{
		{"variable is not a wildcard", vars, Request{Action: "oss:GetObject", Resource: "acs:oss:cn:1:b/alice/x"}, ImplicitDeny},
		{"variable is not a prefix", vars, Request{Action: "oss:GetObject", Resource: "acs:oss:cn:1:b/$/x"}, ImplicitDeny},
		{"variable is literal text", vars, Request{Action: "oss:GetObject", Resource: "acs:oss:cn:1:b/${acs:PrincipalName}/x"}, Allow},
		{"unknown RAM action stays excluded", notRAM, Request{Action: "ram:NoSuchAction", Resource: "*"}, ImplicitDeny},
		{"RAM action in another case stays excluded", notRAM, Request{Action: "RAM:CreateUser", Resource: "*"}, ImplicitDeny},
		{"look-alike service is not RAM", notRAM, Request{Action: "ramx:CreateUser", Resource: "*"}, Allow},
		{"empty action is not RAM", notRAM, Request{Action: "", Resource: "*"}, Allow},
		{"unknown Describe action passes the NotAction Deny", onlyDescribe, Request{Action: "ecs:DescribeNoSuchThing", Resource: "r"}, Allow},
		{"unknown other action is denied", onlyDescribe, Request{Action: "ecs:NoSuchAction", Resource: "r"}, ExplicitDeny},
		{"NUL-suffixed action is another action", onlyDescribe, Request{Action: "ecs\x00:DescribeInstances", Resource: "r"}, ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.e.Decide(tc.r))
			assert.Equal(t, tc.want, tc.e.Explain(tc.r).Decision)
		})
	}
}

// TestAdversarialPolicyCorpus decides every document of the parser's
// adversarial corpus that parses (maximum size, backtracking patterns,
// edge numbers and dates, IPv4-mapped blocks, long value lists) against
// hostile requests: Decide and Explain agree, the reference agrees where
// its tables stay small, and Decide allocates nothing.
func TestAdversarialPolicyCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(adversarialDir, "policies", "*.json"))
	require.NoError(t, err)
	ctxs := []*Context{nil}
	for _, kv := range [][]string{
		{"acs:SourceIp", "::ffff:10.1.2.3"}, {"acs:SourceIp", "10.1.2.3"}, {"acs:SourceIp", "\xff"},
		{"acs:CurrentTime", "9999-12-31T23:59:59Z"}, {"acs:CurrentTime", "0001-01-01T00:00:00Z"},
		{"n", "-" + strings.Repeat("9", 4000)}, {"n", "0.000000000000000000000000000001"},
	} {
		c := &Context{}
		c.Set(kv[0], kv[1])
		ctxs = append(ctxs, c)
	}
	actions := []string{"arms:GetTrace", "arms:" + strings.Repeat("a", 1<<20) + "b", "ARMS:" + strings.Repeat("A", 3000), "oss:Get\x00", "\xff\xfe", ""}
	resources := []string{"*", "acs:" + strings.Repeat("a", 1<<20), "acs:oss:*:*:b/\x00", "acs:\xff"}
	decided := 0
	for _, f := range files {
		if strings.Contains(f, ".reject.") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := policy.Parse(data)
			require.NoError(t, err)
			ps := []Policy{{ID: "p", Document: d}}
			e := mustCompile(t, ps)
			for _, a := range actions {
				for _, res := range resources {
					for _, c := range ctxs {
						r := Request{Action: a, Resource: res, Context: c}
						got := e.Decide(r)
						require.Equal(t, got, e.Explain(r).Decision)
						if len(a)+len(res) <= 256 {
							require.Equal(t, referenceDecide(ps, r), got, "%q %q", a, res)
						}
						decided++
					}
				}
			}
			r := Request{Action: actions[1], Resource: resources[1], Context: ctxs[1]}
			require.Zero(t, testing.AllocsPerRun(2, func() { e.Decide(r) }))
		})
	}
	require.Positive(t, decided)
}
