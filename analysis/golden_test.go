package analysis

import (
	"testing"
)

func TestGoldenReadOnlyNeverWrites(t *testing.T) {
	ro := systemSet(t, "AliyunARMSReadOnlyAccess")
	res := AccessNotGranted(bg, ro, []string{"arms:Create*", "arms:Delete*", "arms:Update*"}, []string{"*"}, Universe{}, Limits{})
	if res.Verdict != VerdictHolds {
		t.Fatalf("verdict %v, err %v, reasons %+v", res.Verdict, res.Err, res.Reasons)
	}
	t.Logf("stats %+v", res.Stats)
}

func TestGoldenFullAccessAddsToReadOnly(t *testing.T) {
	full := systemSet(t, "AliyunARMSFullAccess")
	ro := systemSet(t, "AliyunARMSReadOnlyAccess")
	res := NoNewAccess(bg, full, ro, Universe{}, Limits{})
	if res.Verdict != VerdictFails {
		t.Fatalf("verdict %v, err %v", res.Verdict, res.Err)
	}
	checkReasons(t, res, full, ro)
	var idx []int
	for _, r := range res.Reasons {
		idx = append(idx, r.Statement.Index)
		t.Logf("%v: %q on %q ctx %v (%v)", r.Statement, r.Witness.Action, r.Witness.Resource, r.Context, r.Right)
	}
	want := []int{0, 1, 3, 4, 5}
	if len(idx) != len(want) {
		t.Fatalf("reasons for statements %v, want %v", idx, want)
	}
	for i := range want {
		if idx[i] != want[i] {
			t.Fatalf("reasons for statements %v, want %v", idx, want)
		}
	}
	t.Logf("stats %+v", res.Stats)
}
