package analysis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// BenchmarkDiffFullVsReadOnly is the first target (≤ 10 ms):
// NoNewAccess(AliyunARMSFullAccess, AliyunARMSReadOnlyAccess), five reasons.
func BenchmarkDiffFullVsReadOnly(b *testing.B) {
	full, ro := systemSet(b, "AliyunARMSFullAccess"), systemSet(b, "AliyunARMSReadOnlyAccess")
	b.ReportAllocs()
	for b.Loop() {
		if res := NoNewAccess(bg, full, ro, Universe{}, Limits{}); res.Verdict != VerdictFails {
			b.Fatal(res.Verdict)
		}
	}
}

// BenchmarkNotGrantedReadOnly is the second target (≤ 5 ms): the proof that
// ReadOnly never allows arms:Create*, arms:Delete* or arms:Update*.
func BenchmarkNotGrantedReadOnly(b *testing.B) {
	ro := systemSet(b, "AliyunARMSReadOnlyAccess")
	acts := []string{"arms:Create*", "arms:Delete*", "arms:Update*"}
	b.ReportAllocs()
	for b.Loop() {
		if res := AccessNotGranted(bg, ro, acts, []string{"*"}, Universe{}, Limits{}); res.Verdict != VerdictHolds {
			b.Fatal(res.Verdict)
		}
	}
}

// realistic builds a random realistic set of n statements: actions of the
// shapes svc:Verb*, svc:VerbNoun and svc:*Noun* over a few services,
// resources of ARN shape, some conditions, about one Deny in eight.
func realistic(r *rand.Rand, n int) *policy.Document {
	svcs := []string{"ecs", "oss", "rds", "arms", "log", "cms", "vpc", "slb"}
	verbs := []string{"Describe", "List", "Get", "Create", "Delete", "Update", "Modify", "Start", "Stop"}
	nouns := []string{"Instance", "Bucket", "Disk", "Image", "Alert", "Dashboard", "Project", "Rule"}
	doc := &policy.Document{Version: "1"}
	for i := 0; i < n; i++ {
		st := policy.Statement{Effect: policy.Allow}
		if r.IntN(8) == 0 {
			st.Effect = policy.Deny
		}
		svc := svcs[r.IntN(len(svcs))]
		for k := 1 + r.IntN(3); k > 0; k-- {
			var a string
			switch r.IntN(3) {
			case 0:
				a = svc + ":" + verbs[r.IntN(len(verbs))] + "*"
			case 1:
				a = svc + ":" + verbs[r.IntN(len(verbs))] + nouns[r.IntN(len(nouns))]
			default:
				a = svc + ":*" + nouns[r.IntN(len(nouns))] + "*"
			}
			st.Action = append(st.Action, a)
		}
		switch r.IntN(3) {
		case 0:
			st.Resource = []string{"*"}
		case 1:
			st.Resource = []string{fmt.Sprintf("acs:%s:*:*:%s/*", svc, nouns[r.IntN(len(nouns))])}
		default:
			st.Resource = []string{fmt.Sprintf("acs:%s:cn-hangzhou:*:%s/prod-*", svc, nouns[r.IntN(len(nouns))])}
		}
		if r.IntN(4) == 0 {
			c := policy.Condition{Operator: policy.IpAddress, Key: "acs:SourceIp"}
			v, _ := policy.ParseValue(policy.IpAddress, fmt.Sprintf("10.%d.0.0/16", r.IntN(4)))
			c.Values = []policy.Value{v}
			st.Condition = append(st.Condition, c)
		}
		if r.IntN(6) == 0 {
			c := policy.Condition{Operator: policy.Bool, Key: "acs:MFAPresent"}
			v, _ := policy.ParseValue(policy.Bool, "true")
			c.Values = []policy.Value{v}
			st.Condition = append(st.Condition, c)
		}
		doc.Statements = append(doc.Statements, st)
	}
	return doc
}

// TestRealistic100 reports NoNewAccess on random realistic 100-statement
// pairs (the second set a mutation of the first): median and worst time,
// and the verdicts. Timing is reported, not asserted.
func TestRealistic100(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 4
	}
	var times, proofs []time.Duration
	var verdicts [3]int
	for seed := uint64(1); seed <= uint64(n); seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		d1 := realistic(r, 100)
		d2 := &policy.Document{Version: "1", Statements: slices.Clone(d1.Statements)}
		for k := 0; k < 5; k++ { // mutate: replace five statements
			d2.Statements[r.IntN(100)] = realistic(r, 1).Statements[0]
		}
		a, err := Compile(evaluator.Policy{ID: "a", Document: d1})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Compile(evaluator.Policy{ID: "b", Document: d2})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res := NoNewAccess(bg, b, a, Universe{}, Limits{})
		times = append(times, time.Since(start))
		verdicts[res.Verdict]++
		checkReasons(t, res, b, a)
		// The same set shuffled: a proof (Holds) over all 100 statements.
		d3 := &policy.Document{Version: "1", Statements: slices.Clone(d1.Statements)}
		r.Shuffle(len(d3.Statements), func(i, j int) { d3.Statements[i], d3.Statements[j] = d3.Statements[j], d3.Statements[i] })
		c, err := Compile(evaluator.Policy{ID: "c", Document: d3})
		if err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		res = NoNewAccess(bg, c, a, Universe{}, Limits{})
		proofs = append(proofs, time.Since(start))
		if res.Verdict != VerdictHolds {
			t.Errorf("seed %d: shuffled set: %v %v", seed, res.Verdict, res.Err)
		}
	}
	slices.Sort(times)
	slices.Sort(proofs)
	t.Logf("%d pairs of 100 statements: median %v, worst %v; verdicts: %d Unknown, %d Holds, %d Fails",
		n, times[len(times)/2], times[len(times)-1], verdicts[0], verdicts[1], verdicts[2])
	t.Logf("%d proofs that a shuffled 100-statement set grants nothing new: median %v, worst %v",
		n, proofs[len(proofs)/2], proofs[len(proofs)-1])
}

func BenchmarkRealistic100(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 11))
	d1 := realistic(r, 100)
	d2 := &policy.Document{Version: "1", Statements: slices.Clone(d1.Statements)}
	for k := 0; k < 5; k++ {
		d2.Statements[r.IntN(100)] = realistic(r, 1).Statements[0]
	}
	x, _ := Compile(evaluator.Policy{ID: "a", Document: d1})
	y, _ := Compile(evaluator.Policy{ID: "b", Document: d2})
	b.ReportAllocs()
	for b.Loop() {
		NoNewAccess(bg, y, x, Universe{}, Limits{})
	}
}
