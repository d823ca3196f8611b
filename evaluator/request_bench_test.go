package evaluator_test

import (
	_ "embed"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// These benchmarks time what a service pays per request and per load, not
// Decide alone: the request's context is filled inside the timed loop from
// the forms a service holds (strings, or typed values), and a load starts
// from JSON bytes. They use only the public API.

//go:embed testdata/arms-readonly-v13.json
var armsReadOnlyJSON []byte

// conditionsJSON is the conditions workload (see BenchmarkDecide).
const conditionsJSON = `{"Version":"1","Statement":[
	{"Effect":"Allow","Action":"arms:*","Resource":"*","Condition":{
		"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},
		"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00+08:00"}}},
	{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}`

const benchResource = "acs:arms:cn-hangzhou:1234567890123456:dashboard/abc"

var (
	sinkDec evaluator.Decision
	sinkEv  *evaluator.Evaluator
)

func mustCompile(tb testing.TB, js []byte, opts ...policy.Option) *evaluator.Evaluator {
	tb.Helper()
	d, err := policy.Parse(js, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := evaluator.Compile(evaluator.Policy{ID: "bench", Document: d})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// stringRequest is a request as a service receives it: strings.
type stringRequest struct {
	action, resource, ip, now, tls string
}

var conditionsRequest = stringRequest{"arms:GetTrace", benchResource, "10.1.2.3", "2026-05-01T12:00:00Z", "true"}

// decideStrings is the per-request path with a reused Context: reset, fill
// from strings, decide.
func decideStrings(e *evaluator.Evaluator, c *evaluator.Context, r *stringRequest) evaluator.Decision {
	c.Reset()
	c.Set("acs:SourceIp", r.ip)
	c.Set("acs:CurrentTime", r.now)
	c.Set("acs:SecureTransport", r.tls)
	return e.Decide(evaluator.Request{Action: r.action, Resource: r.resource, Context: c})
}

func BenchmarkRequestPath(b *testing.B) {
	e := mustCompile(b, []byte(conditionsJSON))
	b.Run("conditions-strings", func(b *testing.B) {
		var c evaluator.Context
		r := conditionsRequest
		if d := decideStrings(e, &c, &r); d != evaluator.Allow {
			b.Fatal(d)
		}
		b.ReportAllocs()
		for b.Loop() {
			sinkDec = decideStrings(e, &c, &r)
		}
	})
	b.Run("conditions-typed", func(b *testing.B) {
		var c evaluator.Context
		ip := netip.MustParseAddr("10.1.2.3")
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		req := evaluator.Request{Action: "arms:GetTrace", Resource: benchResource, Context: &c}
		b.ReportAllocs()
		for b.Loop() {
			c.Reset()
			c.SetSourceIP(ip)
			c.SetCurrentTime(now)
			c.SetSecureTransport(true)
			sinkDec = e.Decide(req)
		}
		if sinkDec != evaluator.Allow {
			b.Fatal(sinkDec)
		}
	})
	b.Run("decide-only", func(b *testing.B) {
		var c evaluator.Context
		c.Set("acs:SourceIp", "10.1.2.3")
		c.Set("acs:CurrentTime", "2026-05-01T12:00:00Z")
		c.Set("acs:SecureTransport", "true")
		req := evaluator.Request{Action: "arms:GetTrace", Resource: benchResource, Context: &c}
		b.ReportAllocs()
		for b.Loop() {
			sinkDec = e.Decide(req)
		}
	})
}

// BenchmarkContextFill times filling a reused Context: each typed setter
// alone (per key), and generic string keys (service keys, tag keys,
// multi-valued keys) after a Reset.
func BenchmarkContextFill(b *testing.B) {
	var c evaluator.Context
	ip := netip.MustParseAddr("203.0.113.7")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	b.Run("SetSourceIP", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.SetSourceIP(ip)
		}
	})
	b.Run("SetCurrentTime", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.SetCurrentTime(now)
		}
	})
	b.Run("SetSecureTransport", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.SetSecureTransport(true)
		}
	})
	b.Run("generic-keys", func(b *testing.B) {
		tags := []string{"a", "b", "c"}
		b.ReportAllocs()
		for b.Loop() {
			c.Reset()
			c.Set("oss:Prefix", "logs/2026/")
			c.Set("acs:ResourceTag/env", "prod")
			c.Set("acs:TagKeys", tags...)
			c.Set("ecs:InstanceCount", "20")
		}
	})
}

// statementsJSON is the JSON of the statements-N workload: N Allow
// statements (svcK:VerbK* on acs:svcK:*:...:res/K/*) plus one Deny.
func statementsJSON(n int) []byte {
	b := []byte(`{"Version":"1","Statement":[`)
	for k := 0; k < n; k++ {
		ks := strconv.Itoa(k)
		b = append(b, `{"Effect":"Allow","Action":"svc`+ks+`:Verb`+ks+`*","Resource":"acs:svc`+ks+`:*:1234567890123456:res/`+ks+`/*"},`...)
	}
	return append(b, `{"Effect":"Deny","Action":"svc7:Delete*","Resource":"*"}]}`...)
}

var loadLimits = policy.Limits{MaxInputBytes: 16 << 20, MaxSize: 16 << 20, MaxStatements: 100000}

// BenchmarkLoad times parse + compile from JSON bytes.
func BenchmarkLoad(b *testing.B) {
	benchLoad(b, func(js []byte, opts []policy.Option) (*evaluator.Evaluator, error) {
		return evaluator.Load("bench", js, opts...)
	})
}

// BenchmarkParseCompile is BenchmarkLoad's work done in two steps, for a
// caller that keeps the Document: policy.Parse, then Compile.
func BenchmarkParseCompile(b *testing.B) {
	benchLoad(b, func(js []byte, opts []policy.Option) (*evaluator.Evaluator, error) {
		d, err := policy.Parse(js, opts...)
		if err != nil {
			return nil, err
		}
		return evaluator.Compile(evaluator.Policy{ID: "bench", Document: d})
	})
}

// benchLoad times load on the system policy and the 10,000-statement set.
// (The loop calls load rather than mustCompile: its tb.Helper() walks the
// stack, about 3 % of the arms-readonly op, which is the harness's cost,
// not the loader's.)
func benchLoad(b *testing.B, load func([]byte, []policy.Option) (*evaluator.Evaluator, error)) {
	inputs := []struct {
		name string
		js   []byte
		opts []policy.Option
	}{
		{"arms-readonly", armsReadOnlyJSON, nil},
		{"statements-10000", statementsJSON(10000), []policy.Option{policy.WithLimits(loadLimits)}},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			// Two collections empty the pools (a sync.Pool keeps its
			// items through one), so that the count is the Evaluator's
			// alone, not a pooled parse's memory.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&before)
			e, err := load(in.js, in.opts)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&after)
			stmts := strings.Count(string(in.js), `"Effect"`)
			retained := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			runtime.KeepAlive(e)
			b.ReportAllocs()
			for b.Loop() {
				if sinkEv, err = load(in.js, in.opts); err != nil {
					b.Fatal(err)
				}
			}
			// Live heap of one compiled evaluator (the parsed document is
			// garbage by then), per statement.
			b.ReportMetric(retained/float64(stmts), "retained-B/stmt")
		})
	}
}
