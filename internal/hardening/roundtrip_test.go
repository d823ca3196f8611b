package hardening

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// Parse(Marshal(d)) == d on documents generated from the whole grammar:
// every element, both string and list forms, every operator family, all
// three kinds, members in random order with random whitespace and escapes.
// Besides equality, the canonical form must be a fixed point, no longer
// than the input's minified form, and decide exactly like the input.

// docGen writes random valid policy documents as JSON text.
type docGen struct {
	rng  *rand.Rand
	kind policy.Kind
}

func (g *docGen) ws() string {
	return []string{"", "", " ", "\n  ", "\t"}[g.rng.IntN(5)]
}

// str quotes s as JSON, escaping some characters that need no escape.
func (g *docGen) str(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || g.rng.IntN(8) == 0:
			if r > 0xffff {
				b.WriteRune(r)
				continue
			}
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)) + h)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// strs writes one value as a string or a list, several always as a list.
func (g *docGen) strs(vals []string) string {
	if len(vals) == 1 && g.rng.IntN(2) == 0 {
		return g.str(vals[0])
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = g.ws() + g.str(v)
	}
	return "[" + strings.Join(parts, ",") + g.ws() + "]"
}

func (g *docGen) obj(members []string) string {
	g.rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	for i, m := range members {
		members[i] = g.ws() + m
	}
	return "{" + strings.Join(members, ",") + g.ws() + "}"
}

func (g *docGen) some(pool []string, max int) []string {
	n := 1 + g.rng.IntN(max)
	out := make([]string, n)
	for i := range out {
		out[i] = pool[g.rng.IntN(len(pool))]
	}
	return out
}

var (
	genActions   = []string{"*", "ecs:*", "ecs:Describe*", "oss:GetObject", "arms:Get?race", "ram:*", "sts:AssumeRole", "log:Post*Logs", "a-b_c.d:x?y*z"}
	genResources = []string{"*", "acs:ecs:*:*:instance/*", "acs:oss:*:1234567890123456:bucket/dir/*", "acs:ram:*:*:role/x", "acs:é:ü/\u2028/\"q\"/\\", "acs:*?*"}
	genSids      = []string{"", "S1", "quote\"back\\slash", "é€𝄞", "line\u2028sep", "<html>&"}
	genKeys      = []string{"acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport", "acs:MFAPresent", "ecs:tag/Env", "k", "ACS:sourceip", "weird \"key\" é"}
	genValues    = map[policy.Family][]string{
		policy.FamilyString:  {"a", "A*", "?b", "é", "", "with \"quote\"", "back\\slash", "\u2028"},
		policy.FamilyNumeric: {"0", "-0", "+1", "20", "100.50", "-1.5", "99999999999999999999999999"},
		policy.FamilyDate:    {"2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00Z", "2030-01-01T00:00:00.123456789Z", "0001-01-01T00:00:00Z"},
		policy.FamilyBool:    {"true", "false", "TRUE", "False"},
		policy.FamilyIP:      {"10.0.0.0/8", "10.1.2.3", "10.1.2.3/24", "2001:db8::/32", "::1", "::ffff:10.0.0.0/104", "0.0.0.0/0"},
	}
	genPrincipals = map[string][]string{
		"RAM":       {"acs:ram::1234567890123456:root", "acs:ram::1234567890123456:user/alice", "acs:ram::6543210987654321:role/ops"},
		"Service":   {"ecs.aliyuncs.com", "fc.aliyuncs.com"},
		"Federated": {"acs:ram::1234567890123456:saml-provider/idp", "acs:ram::1234567890123456:oidc-provider/gh"},
	}
)

func (g *docGen) condition() string {
	var members []string
	ops := map[string]bool{}
	for _, op := range g.some(opNames(policy.Operators()), 3) {
		if ops[op] {
			continue // member names are unique
		}
		ops[op] = true
		o, _, _ := policy.ParseOperatorName(op)
		keys := map[string]bool{}
		var km []string
		for _, k := range g.some(genKeys, 3) {
			// Keys of one block are unique under CanonicalKey (spec §13
			// D23): acs:SourceIp and ACS:sourceip are one key.
			if keys[policy.CanonicalKey(k)] {
				continue
			}
			keys[policy.CanonicalKey(k)] = true
			km = append(km, g.str(k)+":"+g.ws()+g.strs(g.some(genValues[o.Family()], 3)))
		}
		members = append(members, g.str(op)+":"+g.obj(km))
	}
	return g.obj(members)
}

// opNames lists the operators' names and their IfExists forms (spec §13
// D22).
func opNames(ops []policy.Operator) []string {
	out := make([]string, 0, 2*len(ops))
	for _, o := range ops {
		out = append(out, o.String(), o.String()+"IfExists")
	}
	return out
}

func (g *docGen) statement() string {
	var m []string
	if sid := genSids[g.rng.IntN(len(genSids))]; sid != "" {
		m = append(m, `"Sid":`+g.str(sid))
	}
	m = append(m, `"Effect":`+g.str([]string{"Allow", "Deny"}[g.rng.IntN(2)]))
	act := "Action"
	if g.rng.IntN(4) == 0 {
		act = "NotAction"
	}
	m = append(m, g.str(act)+":"+g.strs(g.some(genActions, 3)))
	if g.kind != policy.Trust || g.rng.IntN(2) == 0 {
		res := "Resource"
		if g.rng.IntN(4) == 0 {
			res = "NotResource"
		}
		m = append(m, g.str(res)+":"+g.strs(g.some(genResources, 3)))
	}
	if g.kind == policy.Trust {
		var pm []string
		for _, k := range []string{"RAM", "Service", "Federated"} {
			if g.rng.IntN(2) == 0 || len(pm) == 0 && k == "Federated" {
				pm = append(pm, g.str(k)+":"+g.strs(g.some(genPrincipals[k], 2)))
			}
		}
		m = append(m, `"Principal":`+g.obj(pm))
	}
	switch g.rng.IntN(4) {
	case 0:
		m = append(m, `"Condition":{}`)
	case 1, 2:
		m = append(m, `"Condition":`+g.condition())
	}
	return g.obj(m)
}

func (g *docGen) document() string {
	stmts := make([]string, 1+g.rng.IntN(4))
	for i := range stmts {
		stmts[i] = g.ws() + g.statement()
	}
	return g.obj([]string{`"Version":"1"`, `"Statement":[` + strings.Join(stmts, ",") + g.ws() + "]"})
}

// roundTripRequests are decided by the document before and after the
// round trip.
func roundTripRequests() []evaluator.Request {
	c := &evaluator.Context{}
	c.Set("acs:SourceIp", "10.1.2.3")
	c.Set("acs:CurrentTime", "2019-08-12T09:00:00Z")
	c.Set("k", "a", "é")
	c.Set("acs:SecureTransport", "true")
	bad := &evaluator.Context{}
	bad.Set("acs:SourceIp", "x")
	bad.Set("k", "100.5")
	var out []evaluator.Request
	for _, a := range []string{"ecs:DescribeInstances", "oss:GetObject", "sts:AssumeRole", "arms:GetTrace"} {
		for _, r := range []string{"acs:ecs:cn:1234567890123456:instance/i", "acs:oss:*:1234567890123456:bucket/dir/x", "acs:ram:*:*:role/x"} {
			for _, ctx := range []*evaluator.Context{nil, c, bad} {
				for _, p := range []evaluator.Principal{{}, {Type: evaluator.PrincipalUser, AccountID: "1234567890123456", ARN: "acs:ram::1234567890123456:user/alice"}, {Type: evaluator.PrincipalService, ARN: "ecs.aliyuncs.com"}} {
					out = append(out, evaluator.Request{Action: a, Resource: r, Context: ctx, Principal: p})
				}
			}
		}
	}
	return out
}

func TestParseMarshalRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 26))
	reqs := roundTripRequests()
	kinds := map[policy.Kind]int{}
	for i := 0; i < 600; i++ {
		g := &docGen{rng: rng, kind: policy.Kind(i % 3)}
		in := g.document()
		opts := []policy.Option{policy.WithKind(g.kind), policy.WithLimits(policy.Limits{MaxSize: 1 << 20})}
		d, err := policy.Parse([]byte(in), opts...)
		require.NoError(t, err, "generated document %d does not parse:\n%s", i, in)
		kinds[g.kind]++

		out, err := d.MarshalJSON()
		require.NoError(t, err)
		d2, err := policy.Parse(out, opts...)
		require.NoError(t, err, "canonical form does not parse:\n%s", out)
		require.True(t, reflect.DeepEqual(d, d2), "Parse(Marshal(d)) != d\ninput: %s\ncanonical: %s", in, out)
		require.Equal(t, string(out), d2.String(), "the canonical form is not a fixed point")
		require.LessOrEqual(t, len([]rune(string(out))), len([]rune(in)), "the canonical form is longer than the input")

		e1, err := evaluator.Compile(evaluator.Policy{ID: "in", Document: d})
		require.NoError(t, err)
		e2, err := evaluator.Compile(evaluator.Policy{ID: "in", Document: d2})
		require.NoError(t, err)
		for _, r := range reqs {
			require.Equal(t, e1.Decide(r), e2.Decide(r), "decision changed by the round trip\n%s", out)
			require.Equal(t, e1.Explain(r), e2.Explain(r))
		}
	}
	require.Len(t, kinds, 3)
}

// TestMarshalBuiltDocuments: documents built in code (conditions unsorted,
// values given only as Raw) are not equal to what Parse makes of their
// canonical form, but they must decide the same.
func TestMarshalBuiltDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	reqs := roundTripRequests()
	for i := 0; i < 200; i++ {
		g := &docGen{rng: rng, kind: policy.Identity}
		d, err := policy.Parse([]byte(g.document()))
		require.NoError(t, err)
		// Rebuild the document by hand, as a program would: conditions in
		// reverse order, values with nothing but Raw.
		built := &policy.Document{Version: "1"}
		for _, st := range d.Statements {
			c := st
			c.Condition = nil
			if st.Condition != nil {
				c.Condition = []policy.Condition{}
			}
			for j := len(st.Condition) - 1; j >= 0; j-- {
				cd := st.Condition[j]
				vals := make([]policy.Value, len(cd.Values))
				for k, v := range cd.Values {
					vals[k] = policy.Value{Raw: v.Raw}
				}
				c.Condition = append(c.Condition, policy.Condition{Operator: cd.Operator, IfExists: cd.IfExists, Key: cd.Key, Values: vals})
			}
			built.Statements = append(built.Statements, c)
		}
		out, err := built.MarshalJSON()
		require.NoError(t, err)
		back, err := policy.Parse(out)
		require.NoError(t, err, "%s", out)
		require.True(t, reflect.DeepEqual(d, back), "the canonical form of a built document parses to another document\n%s", out)
		e1, err := evaluator.Compile(evaluator.Policy{ID: "p", Document: built})
		require.NoError(t, err)
		e2, err := evaluator.Compile(evaluator.Policy{ID: "p", Document: back})
		require.NoError(t, err)
		for _, r := range reqs {
			require.Equal(t, e1.Decide(r), e2.Decide(r), "%s", out)
		}
	}
}
