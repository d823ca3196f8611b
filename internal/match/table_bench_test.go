package match

import (
	"strconv"
	"testing"
)

// armsActions and armsResources are the patterns of
// AliyunARMSReadOnlyAccess (v13), the loader benchmark's policy.
var (
	armsActions = []string{
		"arms:DoInsightsAction", "arms:Describe*", "arms:List*", "arms:Get*", "arms:Search*", "arms:Check*",
		"arms:Query*", "xtrace:Read*", "xtrace:Get*", "xtrace:Describe*", "cms:Get*", "cms:List*", "cms:Query*",
		"cms:BatchQuery*", "cms:Describe*", "cms:Cursor", "cms:BatchGet", "cms:BatchExport", "cms:Check*",
		"log:GetAgentInstanceConfig", "log:GetMLServiceResults", "log:GetLogStoreLogs", "log:QueryPrometheusMetrics",
		"log:QueryMetrics", "log:GetLogStoreLogs", "log:GetIndex",
	}
	armsResources = []string{"*", "*", "*", "acs:log:*:*:project/*/logstore/aliyun-prom-*", "acs:log:*:*:project/proj-xtrace-*/logstore/*"}
)

// patternSet is a loader's patterns: actions (added folded) and resources.
type patternSet struct {
	name               string
	actions, resources []string
}

// need is what Need says the set takes: patterns, text bytes and chunks.
func (s patternSet) need() (n, text, mids int) {
	text, mids = Need(s.actions, true)
	t2, m2 := Need(s.resources, false)
	return len(s.actions) + len(s.resources), text + t2, mids + m2
}

// addTo adds the set to t as a loader does, actions folded, and fails tb
// on the first error.
func (s patternSet) addTo(tb testing.TB, t *Table) {
	for _, p := range s.actions {
		if _, err := t.Add(p, true); err != nil {
			tb.Fatal(err)
		}
	}
	for _, p := range s.resources {
		if _, err := t.Add(p, false); err != nil {
			tb.Fatal(err)
		}
	}
}

// loadSets are the pattern sets of the loader benchmarks: the ARMS policy,
// and the statements-N workload's action and resource patterns.
func loadSets() []patternSet {
	var acts, ress []string
	for k := range 10000 {
		ks := strconv.Itoa(k)
		acts = append(acts, "svc"+ks+":Verb"+ks+"*")
		ress = append(ress, "acs:svc"+ks+":*:1234567890123456:res/"+ks+"/*")
	}
	return []patternSet{{"arms-readonly", armsActions, armsResources}, {"statements-10000", acts, ress}}
}

// BenchmarkTableAdd times a loader's use of a Table: sizing it with Need
// and Grow, then adding every pattern (actions folded). The table's blocks
// are reused from one iteration to the next, so only the work is timed.
func BenchmarkTableAdd(b *testing.B) {
	for _, set := range loadSets() {
		b.Run(set.name, func(b *testing.B) {
			var t Table
			b.ReportAllocs()
			for b.Loop() {
				t.text, t.recs, t.mids, t.kmp, t.ext = t.text[:0], t.recs[:0], t.mids[:0], t.kmp[:0], t.ext[:0]
				t.Grow(set.need())
				set.addTo(b, &t)
			}
		})
	}
}
