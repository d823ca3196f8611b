package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/bench"
)

const sample = `goos: linux
cpu: Test CPU @ 1GHz
BenchmarkDecide/arms-readonly/ramauthz         	 1000	       100.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkDecide/arms-readonly/ramauthz         	 1000	       120.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkDecide/arms-readonly/ramauthz         	 1000	       300.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkDecide/arms-readonly/cedar-8          	 1000	      1500 ns/op	     392 B/op	      10 allocs/op
BenchmarkDecide/arms-readonly/cedar-8          	 1000	      1000 ns/op	     392 B/op	      10 allocs/op
BenchmarkCompile/ramauthz                      	   13	  27000000 ns/op	   5479416 retained-B	12041928 B/op	  110028 allocs/op
--- BENCH: BenchmarkAdversarial/10000
PASS
`

func TestParseAndMedian(t *testing.T) {
	r, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	assert.Equal(t, "Test CPU @ 1GHz", r.CPU)
	assert.Equal(t, []string{
		"BenchmarkDecide/arms-readonly/ramauthz",
		"BenchmarkDecide/arms-readonly/cedar",
		"BenchmarkCompile/ramauthz",
	}, r.Order)
	m, ok := r.Median("BenchmarkDecide/arms-readonly/ramauthz", "ns/op")
	require.True(t, ok)
	assert.Equal(t, 120.0, m) // odd count: the middle value
	m, ok = r.Median("BenchmarkDecide/arms-readonly/cedar", "ns/op")
	require.True(t, ok)
	assert.Equal(t, 1250.0, m) // even count: mean of the two middle values
	m, ok = r.Median("BenchmarkCompile/ramauthz", "retained-B")
	require.True(t, ok)
	assert.Equal(t, 5479416.0, m)
	_, ok = r.Median("BenchmarkNothing", "ns/op")
	assert.False(t, ok)
}

func TestParseRejectsEmptyInput(t *testing.T) {
	_, err := Parse(strings.NewReader("PASS\n"))
	require.Error(t, err)
}

func TestWriteTablesAndTargets(t *testing.T) {
	r, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	var b strings.Builder
	Write(&b, r, []bench.AdvProbe{{Engine: "ladon", N: 10000, CapSec: 10, Over: true}},
		Machine{NProc: 2, CPUModel: "Test CPU", Go: "go1.26", Modules: map[string]string{}}, "bench/run")
	out := b.String()
	// cedar's median 1250 ns over ramauthz's 120 ns.
	assert.Contains(t, out, "| cedar | 1250 ns | 392 | 10 | 10 | 2 |")
	assert.Contains(t, out, "| ramauthz | 120 ns | 0 | 0 | 1.00 | 3 |")
	assert.Contains(t, out, "10× faster than the fastest peer (cedar: 1250 ns vs 120 ns) | yes |")
	assert.Contains(t, out, "- ladon: over 10 s (killed at the cap)")
	assert.Contains(t, out, "| adversarial-10000 under 50 µs | no result | no |")
	assert.Contains(t, out, "| bad-secure-transport (")
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"int", fmtInt(1234567.4), "1,234,567"},
		{"small int", fmtInt(12), "12"},
		{"ns", fmtNs(93.1), "93.1 ns"},
		{"us", fmtNs(74464), "74.5 µs"},
		{"ms", fmtNs(2394630), "2.39 ms"},
		{"ratio big", fmtRatio(25721.4), "25,721"},
		{"ratio small", fmtRatio(1.234), "1.23"},
	} {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, c.got) })
	}
}

const sample12 = `BenchmarkRequestPath/conditions/ramauthz   	 1000	       140.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkRequestPath/conditions/cedar      	 1000	      3000 ns/op	    1552 B/op	      33 allocs/op
BenchmarkDecide/conditions/ramauthz        	 1000	        70.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCompile/statements-10000/ramauthz 	   13	  12000000 ns/op	   6000600 retained-B	 9000000 B/op	   20000 allocs/op
BenchmarkCompile/arms-readonly/ramauthz    	 1000	     20000 ns/op	      8832 retained-B	   16000 B/op	      57 allocs/op
`

// The issue-12 tables: per-request path beside decision alone, the load
// tables with bytes per statement, and the targets with their verdicts.
func TestWriteRequestPathAndLoad(t *testing.T) {
	r, err := Parse(strings.NewReader(sample12))
	require.NoError(t, err)
	var b strings.Builder
	Write(&b, r, nil, Machine{NProc: 2, Modules: map[string]string{}}, "bench/run")
	out := b.String()
	assert.Contains(t, out, "Per-request path (convert from strings + decide):\n\n| engine | median ns/op | B/op | allocs/op | × ramauthz | runs |\n|---|---:|---:|---:|---:|---:|\n| ramauthz | 140 ns | 0 | 0 | 1.00 | 1 |\n| cedar | 3000 ns | 1,552 | 33 | 21 | 1 |")
	assert.Contains(t, out, "Decision alone (request converted beforehand):\n\n| engine | median ns/op | B/op | allocs/op | × ramauthz | runs |\n|---|---:|---:|---:|---:|---:|\n| ramauthz | 70.0 ns |")
	assert.Contains(t, out, "ramauthz keeps 600 bytes per compiled statement (retained B / 10001 statements).")
	assert.Contains(t, out, "| per-request path, conditions (strings in, convert, decide) ≤ 150 ns, 0 allocs | 140 ns, 0 allocs/op | yes |")
	assert.Contains(t, out, "| load statements-10000 (parse + compile) ≤ 5 ms | 12.00 ms | missed: 2.40× the limit |")
	assert.Contains(t, out, "| load AliyunARMSReadOnlyAccess (parse + compile) ≤ 5 µs | 20.0 µs | missed: 4.00× the limit |")
	assert.Contains(t, out, "| 0 allocs/op on every per-request path | 0 everywhere | yes |")
}
