package evaluator

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
)

// bytesSource hands out the bytes of a fuzz input, then zeros.
type bytesSource struct {
	b []byte
	i int
}

func (s *bytesSource) next() int {
	if s.i >= len(s.b) {
		return 0
	}
	s.i++
	return int(s.b[s.i-1])
}

func (s *bytesSource) pick(list []string) string { return list[s.next()%len(list)] }

var (
	actionPieces   = []string{"arms", "ARMS", "cms", ":", "Get", "get", "Trace", "*", "?", "*", "é", "x", "a"}
	resourcePieces = []string{"acs:", "arms", ":", "*", "?", "/", "dash", "Dash", "é", "1", "*"}
	condKeys       = []string{"acs:SourceIp", "ACS:sourceip", "k", "K", "acs:CurrentTime", "n", "acs:SecureTransport"}
	familyValues   = map[policy.Family][]string{
		policy.FamilyString:  {"a", "A", "a*", "?b", "é", "", "10.1.2.3"},
		policy.FamilyNumeric: {"0", "20", "100", "-1.5", "100.0"},
		policy.FamilyDate:    {"2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00Z", "2030-01-01T00:00:00Z"},
		policy.FamilyBool:    {"true", "false", "TRUE"},
		policy.FamilyIP:      {"10.0.0.0/8", "10.1.2.3", "2001:db8::/32", "0.0.0.0/0", "::ffff:10.0.0.0/104", "::/0"},
	}
	requestValues = []string{"a", "A", "abc", "é", "20", "100", "1e3", "-1.5", "2019-08-12T09:00:00Z",
		"2019-08-12T17:00:00+08:00", "yesterday", "true", "False", "maybe", "10.1.2.3", "11.0.0.1", "2001:db8::1", "::ffff:10.1.2.3", "0:0:0:0:0:ffff:b00:1"}
)

func (s *bytesSource) pattern(pieces []string) string {
	n := 1 + s.next()%4
	p := ""
	for i := 0; i < n; i++ {
		p += s.pick(pieces)
	}
	return p
}

func (s *bytesSource) patterns(pieces []string) []string {
	out := make([]string, 1+s.next()%2)
	for i := range out {
		out[i] = s.pattern(pieces)
	}
	return out
}

// genPolicies builds a small policy set from fuzz bytes.
func genPolicies(t testing.TB, s *bytesSource) []Policy {
	ps := make([]Policy, 1+s.next()%3)
	for i := range ps {
		d := &policy.Document{Version: "1"}
		for j := 0; j < 1+s.next()%4; j++ {
			st := policy.Statement{Effect: policy.Allow}
			flags := s.next()
			if flags&1 != 0 {
				st.Effect = policy.Deny
			}
			if flags&2 != 0 {
				st.NotAction = s.patterns(actionPieces)
			} else {
				st.Action = s.patterns(actionPieces)
			}
			if flags&4 != 0 {
				st.NotResource = s.patterns(resourcePieces)
			} else {
				st.Resource = s.patterns(resourcePieces)
			}
			for c := 0; c < s.next()%3; c++ {
				// 42 operator names: the 21 operators and their IfExists
				// forms (spec §13 D22).
				n := s.next() % 42
				op := policy.Operator(1 + n%21)
				cond := policy.Condition{Operator: op, IfExists: n >= 21, Key: s.pick(condKeys)}
				for v := 0; v < 1+s.next()%2; v++ {
					raw := s.pick(familyValues[op.Family()])
					val, err := policy.ParseValue(op, raw)
					if err != nil {
						t.Fatalf("generator value %q for %v: %v", raw, op, err)
					}
					cond.Values = append(cond.Values, val)
				}
				// One operator block names a key once (spec §13 D23):
				// a twin is not a valid document.
				if !slices.ContainsFunc(st.Condition, func(c policy.Condition) bool {
					return c.Operator == cond.Operator && c.IfExists == cond.IfExists && policy.CanonicalKey(c.Key) == policy.CanonicalKey(cond.Key)
				}) {
					st.Condition = append(st.Condition, cond)
				}
			}
			d.Statements = append(d.Statements, st)
		}
		ps[i] = Policy{ID: "f", Document: d}
	}
	return ps
}

func checkAgainstReference(t *testing.T, ps []Policy, r Request) {
	e, err := Compile(ps...)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	want := referenceDecide(ps, r)
	if got := e.Decide(r); got != want {
		t.Fatalf("Decide = %v, reference %v\nrequest %+v\ncontext %+v\npolicies %s", got, want, r, r.Context, dump(ps))
	}
	if x := e.Explain(r); x.Decision != want {
		t.Fatalf("Explain = %v, reference %v\n%s", x.Decision, want, x)
	}
}

func dump(ps []Policy) string {
	out := ""
	for _, p := range ps {
		b, err := p.Document.MarshalJSON()
		if err != nil {
			out += err.Error() + "\n"
			continue
		}
		out += string(b) + "\n"
	}
	return out
}

func genContext(s *bytesSource, extra string) *Context {
	var c Context
	for i := 0; i < s.next()%4; i++ {
		vals := make([]string, s.next()%3)
		for j := range vals {
			if s.next()%5 == 0 {
				vals[j] = extra
			} else {
				vals[j] = s.pick(requestValues)
			}
		}
		c.Set(s.pick(condKeys), vals...)
	}
	return &c
}

func FuzzDecide(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "arms:GetTrace", "acs:arms:x:1:dash/1", "10.1.2.3")
	f.Add([]byte{1, 3, 7, 0, 4, 2, 200, 17, 3, 3, 9, 1, 5, 5, 5, 2}, "ARMS:get", "acs:Dash", "abc")
	f.Add([]byte{2, 2, 1, 6, 6, 6, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, "cms:é", "acs:é/1", "2019-08-12T09:00:00Z")
	f.Fuzz(func(t *testing.T, data []byte, action, resource, value string) {
		if len(data) > 512 || len(action) > 128 || len(resource) > 128 {
			return
		}
		s := &bytesSource{b: data}
		ps := genPolicies(t, s)
		// Half the time, build the request from the same pieces so that
		// statements actually match.
		if s.next()%2 == 0 {
			action, resource = s.pattern(actionPieces[:7]), s.pattern(resourcePieces)
		}
		r := Request{Action: action, Resource: resource, Context: genContext(s, value)}
		checkAgainstReference(t, ps, r)
	})
}

// TestDecideRandom runs the FuzzDecide property on pseudo-random inputs, so
// that plain `go test` explores more than the seed corpus.
func TestDecideRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		data := make([]byte, 64)
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		s := &bytesSource{b: data}
		ps := genPolicies(t, s)
		action, resource := s.pattern(actionPieces), s.pattern(resourcePieces)
		r := Request{Action: action, Resource: resource, Context: genContext(s, requestValues[rng.IntN(len(requestValues))])}
		checkAgainstReference(t, ps, r)
	}
}
