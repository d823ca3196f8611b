package analysis

import (
	"reflect"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

func doc(t *testing.T, kind policy.Kind, js string) *policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(js), policy.WithKind(kind))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSessionNarrowsIdentity(t *testing.T) {
	id := doc(t, policy.Identity, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"}]}`)
	sess := doc(t, policy.Session, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:Get*","Resource":"*"}]}`)
	withSession, err := CompileLayers(Layer{Kind: LayerIdentity, Policies: []evaluator.Policy{{ID: "role", Document: id}}},
		Layer{Kind: LayerSession, Policies: []evaluator.Policy{{ID: "session", Document: sess}}})
	if err != nil {
		t.Fatal(err)
	}
	role, _ := Compile(evaluator.Policy{ID: "role", Document: id})
	rel, _, more := Compare(bg, withSession, role, Universe{}, Limits{})
	if rel != RelationLessPermissive {
		t.Fatalf("session ∩ identity vs identity: %v", rel)
	}
	checkReasons(t, more, role, withSession)
	if r := more.Reasons[0].Witness; withSession.Decide(r) != evaluator.ImplicitDeny {
		t.Fatalf("witness %+v", r)
	}
}

func TestTrustAndIdentity(t *testing.T) {
	const acct = "1234567890123456"
	trustA := doc(t, policy.Trust, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::`+acct+`:root"]}}]}`)
	trustB := doc(t, policy.Trust, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::`+acct+`:user/alice"],"Service":["ecs.aliyuncs.com"]}}]}`)
	caller := doc(t, policy.Identity, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram:*:`+acct+`:role/*"}]}`)
	mk := func(tr *policy.Document) *Set {
		s, err := CompileLayers(Layer{Kind: LayerIdentity, Policies: []evaluator.Policy{{ID: "caller", Document: caller}}},
			Layer{Kind: LayerTrust, Policies: []evaluator.Policy{{ID: "trust", Document: tr}}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := mk(trustA), mk(trustB)
	// The account root covers alice but not the ECS service: B grants the
	// service something A does not.
	res := NoNewAccess(bg, b, a, Universe{}, Limits{})
	if res.Verdict != VerdictFails {
		t.Fatalf("%v %v", res.Verdict, res.Err)
	}
	checkReasons(t, res, b, a)
	if p := res.Reasons[0].Witness.Principal; p.Type == evaluator.PrincipalNone {
		t.Fatalf("witness principal %+v", p)
	}
	res = NoNewAccess(bg, a, b, Universe{}, Limits{})
	if res.Verdict != VerdictFails {
		t.Fatalf("%v %v", res.Verdict, res.Err)
	}
	checkReasons(t, res, a, b)
	// Brute force over the principals the policies name and fresh ones.
	var ps []evaluator.Principal
	for _, ty := range []evaluator.PrincipalType{evaluator.PrincipalNone, evaluator.PrincipalAccount, evaluator.PrincipalUser, evaluator.PrincipalRole, evaluator.PrincipalService, evaluator.PrincipalFederated} {
		for _, acc := range []string{"", acct, "999"} {
			for _, arn := range []string{"", "acs:ram::" + acct + ":user/alice", "acs:ram::" + acct + ":user/bob", "ecs.aliyuncs.com", "x"} {
				ps = append(ps, evaluator.Principal{Type: ty, AccountID: acc, ARN: arn})
			}
		}
	}
	oracle := func(n, o *Set) bool {
		for _, p := range ps {
			for _, act := range []string{"sts:AssumeRole", "x"} {
				for _, res := range []string{"acs:ram::" + acct + ":role/r", "x"} {
					r := evaluator.Request{Action: act, Resource: res, Principal: p}
					if n.Decide(r) == evaluator.Allow && o.Decide(r) != evaluator.Allow {
						return true
					}
				}
			}
		}
		return false
	}
	if !oracle(b, a) || !oracle(a, b) {
		t.Fatal("the oracle disagrees")
	}
	if rel, _, _ := Compare(bg, a, a, Universe{}, Limits{}); rel != RelationEquivalent {
		t.Fatal(rel)
	}
}

func TestUniverseNowAndARNShape(t *testing.T) {
	p := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"}}}]}`)
	now := Universe{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	if res := AccessNotGranted(bg, p, nil, nil, now, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("expired statement: %v %+v", res.Verdict, res.Reasons)
	}
	if res := AccessNotGranted(bg, p, nil, nil, Universe{}, Limits{}); res.Verdict != VerdictFails {
		t.Fatalf("any time: %v", res.Verdict)
	}
	q := jsonSet(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:x"}]}`)
	if res := AccessNotGranted(bg, q, nil, nil, Universe{ARNShape: true}, Limits{}); res.Verdict != VerdictHolds {
		t.Fatalf("ARN shape: %v %+v", res.Verdict, res.Reasons)
	}
	res := AccessNotGranted(bg, jsonSet(t, roJSON), nil, nil, Universe{ARNShape: true}, Limits{})
	if res.Verdict != VerdictFails || res.Reasons[0].Witness.Resource[:4] != "acs:" {
		t.Fatalf("ARN shape witness: %+v", res.Reasons)
	}
}

func TestStatsDeterministic(t *testing.T) {
	full, ro := systemSet(t, "AliyunARMSFullAccess"), systemSet(t, "AliyunARMSReadOnlyAccess")
	first := NoNewAccess(bg, full, ro, Universe{}, Limits{})
	for i := 0; i < 3; i++ {
		again := NoNewAccess(bg, full, ro, Universe{}, Limits{})
		if !reflect.DeepEqual(first.Stats, again.Stats) || len(first.Reasons) != len(again.Reasons) {
			t.Fatalf("run %d: %+v vs %+v", i, again.Stats, first.Stats)
		}
		for j := range first.Reasons {
			if first.Reasons[j].Witness.Action != again.Reasons[j].Witness.Action || first.Reasons[j].Witness.Resource != again.Reasons[j].Witness.Resource {
				t.Fatalf("witness %d differs", j)
			}
		}
	}
}

// Sets are shared read-only by concurrent questions (run with -race).
func TestConcurrentQuestions(t *testing.T) {
	full, ro := systemSet(t, "AliyunARMSFullAccess"), systemSet(t, "AliyunARMSReadOnlyAccess")
	want := NoNewAccess(bg, full, ro, Universe{}, Limits{})
	done := make(chan Result, 8)
	for i := 0; i < 8; i++ {
		go func() {
			if i%2 == 0 {
				done <- NoNewAccess(bg, full, ro, Universe{}, Limits{})
			} else {
				AccessNotGranted(bg, ro, []string{"arms:Delete*"}, nil, Universe{}, Limits{})
				done <- NoNewAccess(bg, full, ro, Universe{}, Limits{})
			}
		}()
	}
	for i := 0; i < 8; i++ {
		got := <-done
		if got.Verdict != want.Verdict || !reflect.DeepEqual(got.Stats, want.Stats) || len(got.Reasons) != len(want.Reasons) {
			t.Fatalf("concurrent run differs: %v %+v", got.Verdict, got.Stats)
		}
	}
}
