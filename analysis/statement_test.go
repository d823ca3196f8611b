package analysis

import (
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/evaluator"
)

func TestNeverApplies(t *testing.T) {
	s := jsonSet(t, `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"acs:CurrentTime":"2026-06-01T00:00:00Z"},"DateLessThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"}}},
 {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k:n":"5"},"NumericGreaterThan":{"k:n":"10"}}},
 {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},
 {"Effect":"Allow","NotAction":"ram:*","Resource":"*"}]}`)
	refs := s.Statements()
	// Single-valued keys make the first three dead; with lists, a request
	// may carry two times, two numbers (the NumericGreaterThan and
	// NumericLessThan each satisfied by one), but not two addresses for
	// IpAddress+NotIpAddress on one block.
	u := Universe{Keys: map[string]KeySpec{"acs:CurrentTime": {SingleValued: true}, "k:n": {SingleValued: true}}}
	for i := 0; i < 3; i++ {
		if res := NeverApplies(bg, s, refs[i], u, Limits{}); res.Verdict != VerdictHolds {
			t.Errorf("statement %d: %v %v %+v", i, res.Verdict, res.Err, res.Reasons)
		}
	}
	if res := NeverApplies(bg, s, refs[0], Universe{}, Limits{}); res.Verdict != VerdictFails || len(res.Reasons[0].Context[0].Values) != 2 {
		t.Errorf("multi-valued time: %v %+v", res.Verdict, res.Reasons)
	}
	res := NeverApplies(bg, s, refs[3], u, Limits{})
	if res.Verdict != VerdictFails || res.Reasons[0].Witness.Action == "" || strings.HasPrefix(strings.ToLower(res.Reasons[0].Witness.Action), "ram:") {
		t.Errorf("NotAction: %v %+v", res.Verdict, res.Reasons)
	}
}

func TestShadowedByDeny(t *testing.T) {
	s := jsonSet(t, `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"},
 {"Effect":"Allow","Action":"oss:Get*","Resource":"*"},
 {"Effect":"Deny","Action":"ecs:*","Resource":"*"},
 {"Effect":"Deny","Action":"oss:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}`)
	refs := s.Statements()
	if res := ShadowedByDeny(bg, s, refs[0], Universe{}, Limits{}); res.Verdict != VerdictHolds {
		t.Errorf("shadowed: %v %v", res.Verdict, res.Err)
	}
	res := ShadowedByDeny(bg, s, refs[1], Universe{}, Limits{})
	if res.Verdict != VerdictFails {
		t.Fatalf("not shadowed: %v %v", res.Verdict, res.Err)
	}
	if d := s.Decide(res.Reasons[0].Witness); d.String() != "Allow" {
		t.Errorf("witness decides %v", d)
	}
	if res := ShadowedByDeny(bg, s, refs[2], Universe{}, Limits{}); res.Verdict != VerdictUnknown {
		t.Errorf("a Deny ref: %v", res.Verdict)
	}
}

func TestConditionNeverHolds(t *testing.T) {
	s := jsonSet(t, `{"Version":"1","Statement":[
 {"Effect":"Allow","NotAction":"*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"true"}}},
 {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k:n":"5"},"NumericGreaterThan":{"k:n":"10"}}},
 {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"k:n":"5"},"NumericGreaterThan":{"k:n":"10"}}}]}`)
	refs := s.Statements()
	single := Universe{Keys: map[string]KeySpec{"k:n": {SingleValued: true}}}
	// The first statement never applies (NotAction "*"), but its
	// condition can hold.
	if res := NeverApplies(bg, s, refs[0], single, Limits{}); res.Verdict != VerdictHolds {
		t.Errorf("NeverApplies: %v", res.Verdict)
	}
	if res := ConditionNeverHolds(bg, s, refs[0], single, Limits{}); res.Verdict != VerdictFails {
		t.Errorf("ConditionNeverHolds: %v %v", res.Verdict, res.Err)
	}
	if res := ConditionNeverHolds(bg, s, refs[1], single, Limits{}); res.Verdict != VerdictHolds {
		t.Errorf("contradiction in an Allow: %v %+v", res.Verdict, res.Reasons)
	}
	// In a Deny an unparseable value makes both conditions unknown, and
	// the Deny applies (spec §4.9): satisfiable.
	res := ConditionNeverHolds(bg, s, refs[2], single, Limits{})
	if res.Verdict != VerdictFails || res.Reasons[0].Left != evaluator.ExplicitDeny {
		t.Errorf("Deny: %v %+v", res.Verdict, res.Reasons)
	}
}
