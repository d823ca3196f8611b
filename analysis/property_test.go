package analysis

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

const roJSON = `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"},
 {"Effect":"Allow","Action":"log:GetLogStoreLogs","Resource":"acs:log:*:*:project/p/logstore/*"}]}`

func TestEquivalentRewrites(t *testing.T) {
	base := jsonSet(t, roJSON)
	for name, doc := range map[string]string{
		"reordered statements": `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":"log:GetLogStoreLogs","Resource":"acs:log:*:*:project/p/logstore/*"},
 {"Effect":"Allow","Action":["arms:List*","arms:Get*"],"Resource":"*"}]}`,
		"split action list": `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":"arms:Get*","Resource":"*"},
 {"Effect":"Allow","Action":"arms:List*","Resource":"*"},
 {"Effect":"Allow","Action":"log:GetLogStoreLogs","Resource":"acs:log:*:*:project/p/logstore/*"}]}`,
		"duplicated statement": `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"},
 {"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"},
 {"Effect":"Allow","Action":"log:GetLogStoreLogs","Resource":"acs:log:*:*:project/p/logstore/*"}]}`,
		"action case": `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":["ARMS:get*","arms:LIST*"],"Resource":"*"},
 {"Effect":"Allow","Action":"Log:getLogStoreLogs","Resource":"acs:log:*:*:project/p/logstore/*"}]}`,
	} {
		rel, ab, ba := Compare(bg, base, jsonSet(t, doc), Universe{}, Limits{})
		if rel != RelationEquivalent {
			t.Errorf("%s: %v (%v %v / %v %v)", name, rel, ab.Verdict, ab.Err, ba.Verdict, ba.Err)
		}
	}
	// Resources are case-sensitive (D2): changing their case is not
	// equivalent, and the witnesses show both directions.
	other := jsonSet(t, `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"},
 {"Effect":"Allow","Action":"log:GetLogStoreLogs","Resource":"acs:log:*:*:project/P/logstore/*"}]}`)
	rel, ab, ba := Compare(bg, base, other, Universe{}, Limits{})
	if rel != RelationIncomparable {
		t.Fatalf("resource case: %v", rel)
	}
	checkReasons(t, ab, base, other)
	checkReasons(t, ba, other, base)
}

func TestAddingDenyNeverCreatesAccess(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		g := &caseGen{r: r, fams: []int{r.IntN(len(families))}}
		p, _, stmts := g.set(t, nil)
		d := g.statement()
		d.Effect = policy.Deny
		withDeny, err := Compile(evaluator.Policy{ID: "d", Document: &policy.Document{Version: "1", Statements: append(append([]policy.Statement(nil), stmts...), d)}})
		if err != nil {
			t.Fatal(err)
		}
		if res := NoNewAccess(bg, withDeny, p, Universe{}, Limits{}); res.Verdict != VerdictHolds {
			t.Fatalf("seed %d: adding a Deny: %v %v", seed, res.Verdict, res.Err)
		}
		// P ⊆ P ∪ Q holds when Q has no Deny; with a Deny it may fail, and
		// then the witness must be real.
		res := NoNewAccess(bg, p, withDeny, Universe{}, Limits{})
		if res.Verdict == VerdictUnknown {
			t.Fatalf("seed %d: %v", seed, res.Err)
		}
		checkReasons(t, res, p, withDeny)
	}
}

func TestCompareReflexiveSymmetricTransitive(t *testing.T) {
	mirror := map[Relation]Relation{RelationEquivalent: RelationEquivalent, RelationIncomparable: RelationIncomparable,
		RelationLessPermissive: RelationMorePermissive, RelationMorePermissive: RelationLessPermissive}
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		g := &caseGen{r: r, fams: []int{r.IntN(len(families))}}
		a, _, as := g.set(t, nil)
		b, _, bs := g.set(t, as)
		c, _, _ := g.set(t, bs)
		if rel, _, _ := Compare(bg, a, a, Universe{}, Limits{}); rel != RelationEquivalent {
			t.Fatalf("seed %d: Compare(a, a) = %v", seed, rel)
		}
		r1, _, _ := Compare(bg, a, b, Universe{}, Limits{})
		r2, _, _ := Compare(bg, b, a, Universe{}, Limits{})
		if r1 == RelationUnknown || mirror[r1] != r2 {
			t.Fatalf("seed %d: Compare(a,b)=%v, Compare(b,a)=%v", seed, r1, r2)
		}
		ab := NoNewAccess(bg, a, b, Universe{}, Limits{})
		bc := NoNewAccess(bg, b, c, Universe{}, Limits{})
		ac := NoNewAccess(bg, a, c, Universe{}, Limits{})
		if ab.Verdict == VerdictHolds && bc.Verdict == VerdictHolds && ac.Verdict != VerdictHolds {
			t.Fatalf("seed %d: a⊆b and b⊆c but a⊆c is %v", seed, ac.Verdict)
		}
	}
}

func TestReadOnlyWithinFullAccessOnlyOnItsSlice(t *testing.T) {
	full := systemSet(t, "AliyunARMSFullAccess")
	ro := systemSet(t, "AliyunARMSReadOnlyAccess")
	// Without a catalogue it fails: ReadOnly grants log:GetIndex on
	// xtrace log stores, which the shipped FullAccess prefix lacks.
	res := NoNewAccess(bg, ro, full, Universe{}, Limits{})
	if res.Verdict != VerdictFails {
		t.Fatalf("ReadOnly ⊆ FullAccess: %v %v", res.Verdict, res.Err)
	}
	checkReasons(t, res, ro, full)
	// On the arms/cms/xtrace slice it holds.
	u := Universe{Actions: []string{"arms:GetTrace", "arms:ListDashboards", "arms:CreateApp", "arms:DoInsightsAction",
		"cms:DescribeMetricList", "cms:Cursor", "xtrace:GetTrace", "xtrace:ListServices"}}
	if res := NoNewAccess(bg, ro, full, u, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("slice: %v %v %+v", res.Verdict, res.Err, res.Reasons)
	}
	// With the catalogue, FullAccess's witnesses are real action names.
	res = NoNewAccess(bg, full, ro, u, Limits{})
	if res.Verdict != VerdictFails || res.Reasons[0].Witness.Action != "arms:CreateApp" {
		t.Fatalf("catalogue witness: %v %+v", res.Verdict, res.Reasons)
	}
}

func TestAdversarialBudgetsDeterministic(t *testing.T) {
	a := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:*a??????????????","Resource":"*"}]}`)
	b := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:*a?????????????b","Resource":"*"}]}`)
	var first Result
	for i := 0; i < 3; i++ {
		res := NoNewAccess(bg, a, b, Universe{}, Limits{States: 5000})
		if res.Verdict != VerdictUnknown || !errors.Is(res.Err, ErrBudget) {
			t.Fatalf("verdict %v, err %v", res.Verdict, res.Err)
		}
		var be *BudgetError
		if !errors.As(res.Err, &be) || be.Statement.Index != 0 || be.Variable != "action" {
			t.Fatalf("budget error %v", res.Err)
		}
		if i == 0 {
			first = res
		} else if !reflect.DeepEqual(first.Stats, res.Stats) || first.Err.Error() != res.Err.Error() {
			t.Fatalf("run %d: %+v vs %+v", i, res.Stats, first.Stats)
		}
	}
	// A decisions budget that is too small gives Unknown too, never an answer.
	full, ro := systemSet(t, "AliyunARMSFullAccess"), systemSet(t, "AliyunARMSReadOnlyAccess")
	res := NoNewAccess(bg, ro, full, Universe{}, Limits{Decisions: 1})
	if res.Verdict == VerdictHolds {
		t.Fatalf("tiny budget gave Holds")
	}
	for i := 0; i < 2; i++ {
		again := NoNewAccess(bg, ro, full, Universe{}, Limits{Decisions: 1})
		if again.Verdict != res.Verdict || !reflect.DeepEqual(again.Stats, res.Stats) {
			t.Fatalf("not deterministic: %v %+v vs %v %+v", again.Verdict, again.Stats, res.Verdict, res.Stats)
		}
	}
}

func TestListsMakeWitnesses(t *testing.T) {
	p := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k:x":"a"}}}]}`)
	q := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"k:x":"b"}}}]}`)
	res := NoNewAccess(bg, p, q, Universe{}, Limits{})
	if res.Verdict != VerdictFails || len(res.Reasons[0].Context) != 1 || len(res.Reasons[0].Context[0].Values) != 2 {
		t.Fatalf("multi-valued: %v %+v", res.Verdict, res.Reasons)
	}
	single := Universe{Keys: map[string]KeySpec{"k:x": {SingleValued: true}}}
	if res := NoNewAccess(bg, p, q, single, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("single-valued: %v %+v", res.Verdict, res.Reasons)
	}
}

func TestIfExistsAbsentKey(t *testing.T) {
	p := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddressIfExists":{"acs:SourceIp":"10.0.0.0/8"}}}]}`)
	q := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`)
	res := NoNewAccess(bg, p, q, Universe{}, Limits{})
	if res.Verdict != VerdictFails || len(res.Reasons[0].Context) != 0 {
		t.Fatalf("IfExists: %v %+v", res.Verdict, res.Reasons)
	}
	if res := NoNewAccess(bg, q, p, Universe{}, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("IfExists reverse: %v %v", res.Verdict, res.Err)
	}
}

func TestMixedKeyTypeIsUnknown(t *testing.T) {
	p := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k:x":"1"},"NumericLessThan":{"k:x":"5"}}}]}`)
	res := NoNewAccess(bg, p, nil, Universe{}, Limits{})
	var me *MixedKeyTypeError
	if res.Verdict != VerdictUnknown || !errors.As(res.Err, &me) || !errors.Is(res.Err, ErrUnsupported) {
		t.Fatalf("%v %v", res.Verdict, res.Err)
	}
}

func TestContextDeadlineIsABackstop(t *testing.T) {
	a := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc:*a??????????????","Resource":"*"}]}`)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	res := NoNewAccess(ctx, a, nil, Universe{}, Limits{})
	if res.Verdict != VerdictUnknown || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("%v %v", res.Verdict, res.Err)
	}
}

func TestUnionWithAllowsAndDenies(t *testing.T) {
	p := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"}]}`)
	withAllow := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"},
 {"Effect":"Allow","Action":"cms:*","Resource":"*"}]}`)
	withDeny := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"},
 {"Effect":"Deny","Action":"arms:Delete*","Resource":"*"}]}`)
	// P ⊆ P ∪ Q when Q has no Deny ...
	if res := NoNewAccess(bg, p, withAllow, Universe{}, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("P ⊆ P∪Q: %v", res.Verdict)
	}
	// ... and not when Q has one: the witness is a denied delete.
	res := NoNewAccess(bg, p, withDeny, Universe{}, Limits{})
	if res.Verdict != VerdictFails || res.Reasons[0].Witness.Action != "arms:Deletez" || res.Reasons[0].Right.String() != "ExplicitDeny" ||
		res.Reasons[0].DeniedBy.Index != 1 || res.Reasons[0].DeniedBy.Effect != policy.Deny {
		t.Fatalf("P ⊆ P∪Deny: %v %+v", res.Verdict, res.Reasons)
	}
}

func TestMonotoneEdits(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		g := &caseGen{r: r, fams: []int{r.IntN(len(families))}}
		p, _, stmts := g.set(t, nil)
		compile := func(ss []policy.Statement) *Set {
			s, err := Compile(evaluator.Policy{ID: "x", Document: &policy.Document{Version: "1", Statements: ss}})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		// Adding an Allow never shrinks.
		extra := g.statement()
		extra.Effect = policy.Allow
		bigger := compile(append(slices.Clone(stmts), extra))
		if res := NoNewAccess(bg, p, bigger, Universe{}, Limits{}); res.Verdict != VerdictHolds {
			t.Fatalf("seed %d: adding an Allow shrank: %v %+v", seed, res.Verdict, res.Reasons)
		}
		// Adding a condition to an Allow, or NotAction entries to an Allow
		// with NotAction, never enlarges.
		for i, st := range stmts {
			if st.Effect != policy.Allow {
				continue
			}
			edited := slices.Clone(stmts)
			c := g.statement()
			if len(c.Condition) > 0 {
				nc, dup := c.Condition[0], false
				for _, o := range st.Condition {
					dup = dup || o.Operator == nc.Operator && o.IfExists == nc.IfExists && strings.EqualFold(o.Key, nc.Key)
				}
				if !dup {
					edited[i].Condition = append(slices.Clone(st.Condition), nc)
				}
			}
			if st.NotAction != nil {
				edited[i].NotAction = append(slices.Clone(st.NotAction), "a?")
			}
			e := compile(edited)
			if res := NoNewAccess(bg, e, p, Universe{}, Limits{}); res.Verdict != VerdictHolds {
				t.Fatalf("seed %d: narrowing statement %d enlarged: %v %+v", seed, i, res.Verdict, res.Reasons)
			}
		}
	}
}

// A witness the confirmation refuses makes the answer Unknown with
// ErrInternal (fail closed), never Fails.
func TestUnconfirmedWitnessFailsClosed(t *testing.T) {
	full, ro := systemSet(t, "AliyunARMSFullAccess"), systemSet(t, "AliyunARMSReadOnlyAccess")
	q, err := newQuery(bg, []*Set{full, ro}, Universe{}, Limits{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := q.newAccess(full, ro, q.fullBox(), func(evaluator.Request) bool { return false })
	var ie *InternalError
	if res.Verdict != VerdictUnknown || !errors.As(res.Err, &ie) || !errors.Is(res.Err, ErrInternal) || ie.Witness.Action == "" {
		t.Fatalf("%v %v", res.Verdict, res.Err)
	}
}
