// Command report turns the output of the bench module's benchmarks into
// RESULTS.md: the median of each engine×workload over the runs, one table per
// workload with each engine's ratio to ramauthz, the machine, the Go and peer
// versions, the adversarial probes and the targets.
//
// Usage:
//
//	go run ./cmd/report -bench bench.txt [-adversarial probes.jsonl] [-o RESULTS.md]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/bench"
)

func main() {
	benchPath := flag.String("bench", "", "go test -bench output (required)")
	advPath := flag.String("adversarial", "", "adversarial probe results (JSON lines)")
	outPath := flag.String("o", "RESULTS.md", "file to write")
	command := flag.String("command", "bench/run", "the command that produced the results, for the report")
	flag.Parse()
	if *benchPath == "" {
		fmt.Fprintln(os.Stderr, "report: -bench is required")
		os.Exit(2)
	}
	if err := run(*benchPath, *advPath, *outPath, *command); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(benchPath, advPath, outPath, command string) error {
	f, err := os.Open(benchPath)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := Parse(f)
	if err != nil {
		return err
	}
	var probes []bench.AdvProbe
	if advPath != "" {
		probes, err = readProbes(advPath)
		if err != nil {
			return err
		}
	}
	var b strings.Builder
	Write(&b, res, probes, machine(), command)
	return os.WriteFile(outPath, []byte(b.String()), 0o644)
}

// Results holds every benchmark sample, by benchmark name (without the
// -GOMAXPROCS suffix) and unit.
type Results struct {
	CPU     string                          // the "cpu:" line of the output
	Samples map[string]map[string][]float64 // name -> unit -> values
	Order   []string                        // names in first-seen order
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads go test -bench output.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{Samples: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.CPU = strings.TrimSpace(cpu)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		// name, iterations, then value-unit pairs.
		if len(fields) < 4 || len(fields)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(fields[0], "")
		if res.Samples[name] == nil {
			res.Samples[name] = map[string][]float64{}
			res.Order = append(res.Order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in %q", fields[i], line)
			}
			res.Samples[name][fields[i+1]] = append(res.Samples[name][fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res.Order) == 0 {
		return nil, errors.New("no benchmark results in the input")
	}
	return res, nil
}

// Median returns the median of the samples of name in unit, and whether
// there were any.
func (r *Results) Median(name, unit string) (float64, bool) {
	vs := slices.Clone(r.Samples[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], true
	}
	return (vs[n/2-1] + vs[n/2]) / 2, true
}

// Runs returns how many samples name has.
func (r *Results) Runs(name string) int { return len(r.Samples[name]["ns/op"]) }

func readProbes(path string) ([]bench.AdvProbe, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []bench.AdvProbe
	for line := range strings.Lines(string(data)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var p bench.AdvProbe
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Machine describes where the numbers were taken.
type Machine struct {
	NProc    int
	CPUModel string
	Go       string
	OSArch   string
	Modules  map[string]string // module path -> version
	Date     string
	// LoadAvg is /proc/loadavg's 1-, 5- and 15-minute load averages when
	// the report is written, at the end of the run ("" where unknown).
	LoadAvg string
}

func machine() Machine {
	m := Machine{
		NProc:   runtime.NumCPU(),
		Go:      runtime.Version(),
		OSArch:  runtime.GOOS + "/" + runtime.GOARCH,
		Modules: map[string]string{},
		Date:    time.Now().UTC().Format("2006-01-02"),
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], ", ")
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			m.Modules[d.Path] = d.Version
		}
	}
	return m
}

// Peers are the peer modules named in the report, in order.
var Peers = []string{
	"github.com/ory/ladon",
	"github.com/casbin/casbin/v2",
	"github.com/cedar-policy/cedar-go",
	"github.com/open-policy-agent/opa",
}

// table is one workload's table: a benchmark name prefix and a title.
type table struct {
	prefix, title, about string
}

func decisionTables() []table {
	ts := []table{
		{"BenchmarkDecide/arms-readonly/", "arms-readonly",
			"AliyunARMSReadOnlyAccess (spec §9.1, 5 statements, 26 action patterns); 3 allowed and 3 denied requests, asked round-robin. One op = one decision."},
		{"BenchmarkDecide/conditions/", "conditions",
			"Allow arms:* from 10.0.0.0/8 before " + bench.ConditionsExpiry + "; Deny * when acs:SecureTransport is \"false\". Requests: allow, deny-insecure, miss-ip, miss-expired. One op = one decision."},
	}
	for _, n := range bench.StatementSizes {
		ts = append(ts, table{fmt.Sprintf("BenchmarkDecide/statements-%d/", n), fmt.Sprintf("statements-%d", n),
			fmt.Sprintf("%d Allow statements (svcK:VerbK* on acs:svcK:*:…:res/K/*) plus one Deny of svc7:Delete*; requests hit (statement %d), miss, deny, round-robin. One op = one decision.", n, n/2)})
	}
	return ts
}

// compileTable is one load table: a benchmark name prefix, a title and the
// workload's statement count.
type compileTable struct {
	prefix, title string
	statements    int
}

func compileTables() []compileTable {
	return []compileTable{
		{"BenchmarkCompile/arms-readonly/", "arms-readonly (AliyunARMSReadOnlyAccess, 5 statements)", 5},
		{fmt.Sprintf("BenchmarkCompile/statements-%d/", bench.CompileSize), fmt.Sprintf("statements-%d (%d statements)", bench.CompileSize, bench.CompileSize+1), bench.CompileSize + 1},
	}
}

// Write renders the report.
func Write(w *strings.Builder, r *Results, probes []bench.AdvProbe, m Machine, command string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Side-by-side benchmarks: ramauthz, ladon, casbin, cedar-go, OPA\n\n")
	p("Generated by `%s` (bench/cmd/report) on %s. Do not edit by hand; rerun `bench/run`.\n\n", command, m.Date)
	p("## Machine and versions\n\n")
	p("- CPUs (nproc): %d; CPU model: %s", m.NProc, orDash(m.CPUModel))
	if r.CPU != "" && r.CPU != m.CPUModel {
		p(" (go test reports: %s)", r.CPU)
	}
	p("\n- %s, %s; every benchmark runs with `-cpu 1` (GOMAXPROCS=1), `-benchmem`, `-count 5`; figures are medians of the 5 runs.\n", m.Go, m.OSArch)
	p("- The machine is shared with other work; absolute numbers move between runs, ratios much less.\n")
	if m.LoadAvg != "" {
		p("- Load average (1, 5, 15 minutes) when this report was written, at the end of the run: %s (on %d CPUs).\n", m.LoadAvg, m.NProc)
	}
	for _, mod := range Peers {
		p("- %s %s\n", mod, orDash(m.Modules[mod]))
	}
	p("\n")

	p("## How to read the tables\n\n")
	p("Each engine expresses the same policy the way its users would (adapters in bench/*.go), and every engine's decisions are checked against the specification's answer for every request before anything is timed (TestAgreement, through both paths below; each benchmark checks again before its timer starts). \"× ramauthz\" is the engine's median time divided by ramauthz's in the same table.\n\n")
	p("Each decision workload has two tables:\n\n")
	p("- **per-request path** (BenchmarkRequestPath): what a service pays per request. Each op takes one request as strings (action, resource, and the context as a map of strings), converts it into the engine's native request inside the timed call and decides it. The conversion is each adapter's own (ramauthz: Reset and Set on one reused evaluator.Context; ladon: a ladon.Request with a context map; casbin: the argument list with an ABAC struct and the time parsed; cedar: a record with typed IP, datetime and bool values; OPA: ast.InterfaceToValue of the input). Iterating the string map is part of every engine's conversion.\n")
	p("- **decision alone** (BenchmarkDecide): the request is converted once, outside the timed loop, and each op is only the decision.\n\n")

	for _, t := range decisionTables() {
		p("## %s\n\n%s\n\n", t.title, t.about)
		p("Per-request path (convert from strings + decide):\n\n")
		writeTable(w, r, "BenchmarkRequestPath/"+strings.TrimPrefix(t.prefix, "BenchmarkDecide/"), false)
		p("Decision alone (request converted beforehand):\n\n")
		writeTable(w, r, t.prefix, false)
	}

	p("## load\n\nBuild a decider from each engine's native source: ramauthz parses and compiles the RAM JSON in one call (evaluator.Load; limits raised for statements-%d); Cedar parses its policy text; OPA fills an in-memory store and prepares the query; casbin parses its model and adds the rules; ladon stores the policies in its memory manager (ladon compiles regular expressions lazily, on the first request that reaches a policy, so its load does almost nothing). B/op is what a build allocates; retained B is the live heap of one built decider.\n\n", bench.CompileSize)
	for _, c := range compileTables() {
		p("### %s\n\n", c.title)
		writeTable(w, r, c.prefix, true)
		if ret, ok := r.Median(c.prefix+"ramauthz", "retained-B"); ok && c.statements > 0 {
			p("ramauthz keeps %s bytes per compiled statement (retained B / %d statements).\n\n", fmtInt(ret/float64(c.statements)), c.statements)
		}
	}

	for _, n := range bench.AdversarialSizes {
		p("## adversarial-%d\n\nResource pattern `acs:%s` against `acs:` followed by %d × `a` (no `b`, so the answer is ImplicitDeny). Each engine's first decision runs in a child process under a time cap; only engines that answered correctly within it are timed.\n\n", n, bench.AdversarialPattern, n)
		writeTable(w, r, fmt.Sprintf("BenchmarkAdversarial/%d/", n), false)
		var notes []string
		for _, pr := range probes {
			if pr.N != n || pr.OK() {
				continue
			}
			switch {
			case pr.Over:
				notes = append(notes, fmt.Sprintf("- %s: over %g s (killed at the cap)", pr.Engine, pr.CapSec))
			case pr.Err != "":
				notes = append(notes, fmt.Sprintf("- %s: could not run: %s", pr.Engine, pr.Err))
			default:
				notes = append(notes, fmt.Sprintf("- %s: answered %v after %s, not timed", pr.Engine, pr.Decision, time.Duration(pr.Nanos).Round(time.Millisecond)))
			}
		}
		if len(notes) > 0 {
			p("Not timed:\n\n%s\n\n", strings.Join(notes, "\n"))
		}
	}

	writeTargets(w, r)
	p("%s", staticNotes)
	writeFailClosed(w)
}

// writeFailClosed renders what each engine decides on the §4.9 requests.
func writeFailClosed(w *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	var peers []string
	for _, e := range bench.Engines() {
		if e.Name() != "ramauthz" {
			peers = append(peers, e.Name())
		}
	}
	p("| request | specification (ramauthz) | %s |\n|---|---|%s\n", strings.Join(peers, " | "), strings.Repeat("---|", len(peers)))
	for _, r := range bench.FailClosedRequests() {
		p("| %s (", r.Name)
		for _, k := range []string{"acs:SourceIp", "acs:SecureTransport"} {
			p(" %s=%q", k, r.Context[k])
		}
		p(" ) | %v |", r.Want)
		for _, e := range peers {
			d := bench.FailClosedPeers[e][r.Name]
			mark := ""
			if d != r.Want {
				mark = " ✗"
			}
			p(" %v%s |", d, mark)
		}
		p("\n")
	}
	p("\n✗ marks a decision that differs from the specification. Failed means the engine returned an error (casbin's ipMatch panics on a non-IP value and casbin reports the panic as an error).\n")
}

func writeTable(w *strings.Builder, r *Results, prefix string, compile bool) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	var names []string
	for _, n := range r.Order {
		if strings.HasPrefix(n, prefix) && !strings.Contains(n[len(prefix):], "/") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		p("_No results._\n\n")
		return
	}
	ref, refOK := r.Median(prefix+"ramauthz", "ns/op")
	if compile {
		p("| engine | median time/op | B/op | allocs/op | retained B | × ramauthz | runs |\n|---|---:|---:|---:|---:|---:|---:|\n")
	} else {
		p("| engine | median ns/op | B/op | allocs/op | × ramauthz | runs |\n|---|---:|---:|---:|---:|---:|\n")
	}
	for _, n := range names {
		ns, _ := r.Median(n, "ns/op")
		bop, _ := r.Median(n, "B/op")
		allocs, _ := r.Median(n, "allocs/op")
		ratio := "—"
		if refOK && ref > 0 {
			ratio = fmtRatio(ns / ref)
		}
		eng := n[len(prefix):]
		if compile {
			ret, _ := r.Median(n, "retained-B")
			p("| %s | %s | %s | %s | %s | %s | %d |\n", eng, fmtDur(ns), fmtInt(bop), fmtInt(allocs), fmtInt(ret), ratio, r.Runs(n))
		} else {
			p("| %s | %s | %s | %s | %s | %d |\n", eng, fmtNs(ns), fmtInt(bop), fmtInt(allocs), ratio, r.Runs(n))
		}
	}
	p("\n")
}

// fastestPeer returns the fastest non-ramauthz engine under prefix.
func fastestPeer(r *Results, prefix string) (string, float64, bool) {
	best, bestNs, found := "", 0.0, false
	for _, n := range r.Order {
		if !strings.HasPrefix(n, prefix) || strings.HasSuffix(n, "/ramauthz") {
			continue
		}
		if ns, ok := r.Median(n, "ns/op"); ok && (!found || ns < bestNs) {
			best, bestNs, found = n[len(prefix):], ns, true
		}
	}
	return best, bestNs, found
}

func writeTargets(w *strings.Builder, r *Results) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Targets (issue 7)\n\n| target | measured | met |\n|---|---|---|\n")
	speed := func(title, prefix string, want float64) {
		ref, ok1 := r.Median(prefix+"ramauthz", "ns/op")
		peer, ns, ok2 := fastestPeer(r, prefix)
		if !ok1 || !ok2 {
			p("| %s | no result | — |\n", title)
			return
		}
		got := ns / ref
		p("| %s | %s× faster than the fastest peer (%s: %s vs %s) | %s |\n", title, fmtRatio(got), peer, fmtNs(ns), fmtNs(ref), metOr(got >= want, fmt.Sprintf("missed: %s× short", fmtRatio(want/got))))
	}
	speed("≥ 10× the fastest peer on arms-readonly", "BenchmarkDecide/arms-readonly/", 10)
	speed("≥ 10× the fastest peer on conditions", "BenchmarkDecide/conditions/", 10)
	speed("≥ 1,000× the fastest peer on statements-10000", "BenchmarkDecide/statements-10000/", 1000)
	var allocBad []string
	for _, n := range r.Order {
		if strings.HasPrefix(n, "BenchmarkDecide/") && strings.HasSuffix(n, "/ramauthz") {
			if a, _ := r.Median(n, "allocs/op"); a != 0 {
				allocBad = append(allocBad, strings.TrimSuffix(strings.TrimPrefix(n, "BenchmarkDecide/"), "/ramauthz"))
			}
		}
	}
	if len(allocBad) == 0 {
		p("| 0 allocs/op on every decision workload | 0 everywhere | yes |\n")
	} else {
		p("| 0 allocs/op on every decision workload | allocates on %s | no |\n", strings.Join(allocBad, ", "))
	}
	if ns, ok := r.Median("BenchmarkAdversarial/10000/ramauthz", "ns/op"); ok {
		p("| adversarial-10000 under 50 µs | %s | %s |\n", fmtNs(ns), metOr(ns < 50000, fmt.Sprintf("missed by %s", fmtNs(ns-50000))))
	} else {
		p("| adversarial-10000 under 50 µs | no result | no |\n")
	}
	p("\n")

	p("## Targets (issue 12)\n\n| target | measured | met |\n|---|---|---|\n")
	limit := func(title, name string, max float64, zeroAllocs bool) {
		ns, ok := r.Median(name, "ns/op")
		if !ok {
			p("| %s | no result | — |\n", title)
			return
		}
		allocs, _ := r.Median(name, "allocs/op")
		got := fmtNs(ns)
		if zeroAllocs {
			got += fmt.Sprintf(", %s allocs/op", fmtInt(allocs))
		}
		met := ns <= max && (!zeroAllocs || allocs == 0)
		p("| %s | %s | %s |\n", title, got, metOr(met, fmt.Sprintf("missed: %s× the limit", fmtRatio(ns/max))))
	}
	limit("per-request path, conditions (strings in, convert, decide) ≤ 150 ns, 0 allocs", "BenchmarkRequestPath/conditions/ramauthz", 150, true)
	limit("load statements-10000 (parse + compile) ≤ 5 ms", fmt.Sprintf("BenchmarkCompile/statements-%d/ramauthz", bench.CompileSize), 5e6, false)
	limit("load AliyunARMSReadOnlyAccess (parse + compile) ≤ 5 µs", "BenchmarkCompile/arms-readonly/ramauthz", 5e3, false)
	limit("decision alone, arms-readonly ≤ 40 ns (stretch)", "BenchmarkDecide/arms-readonly/ramauthz", 40, true)
	var pathBad []string
	for _, n := range r.Order {
		if strings.HasPrefix(n, "BenchmarkRequestPath/") && strings.HasSuffix(n, "/ramauthz") {
			if a, _ := r.Median(n, "allocs/op"); a != 0 {
				pathBad = append(pathBad, strings.TrimSuffix(strings.TrimPrefix(n, "BenchmarkRequestPath/"), "/ramauthz"))
			}
		}
	}
	if len(pathBad) == 0 {
		p("| 0 allocs/op on every per-request path | 0 everywhere | yes |\n")
	} else {
		p("| 0 allocs/op on every per-request path | allocates on %s | no |\n", strings.Join(pathBad, ", "))
	}
	p("\n")
}

func metOr(ok bool, miss string) string {
	if ok {
		return "yes"
	}
	return miss
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e4:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns >= 100:
		return fmt.Sprintf("%.0f ns", ns)
	}
	return fmt.Sprintf("%.1f ns", ns)
}

func fmtDur(ns float64) string { return fmtNs(ns) }

func fmtRatio(x float64) string {
	switch {
	case x >= 100:
		return fmtInt(x)
	case x >= 10:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// fmtInt writes a rounded number with thousands separators.
func fmtInt(x float64) string {
	s := strconv.FormatInt(int64(x+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
