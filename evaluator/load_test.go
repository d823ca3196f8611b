package evaluator

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/stretchr/testify/require"
)

// loadInput is one document for Load, with the options it is parsed with.
type loadInput struct {
	name string
	js   []byte
	opts []policy.Option
}

// kindOf returns the options of a corpus file, whose name starts with its
// kind.
func kindOf(name string) []policy.Option {
	switch {
	case strings.HasPrefix(name, "trust-"):
		return []policy.Option{policy.WithKind(policy.Trust)}
	case strings.HasPrefix(name, "session-"):
		return []policy.Option{policy.WithKind(policy.Session)}
	}
	return nil
}

// loadInputs returns the documents the Load tests run: the valid corpus,
// the shipped system policies, each of those written once more with an
// escape in a pattern (so the diagnosing walk reads them, not the
// single-pass reader), and n random documents with Sids and conditions.
func loadInputs(t testing.TB, n int) []loadInput {
	t.Helper()
	var in []loadInput
	dir := filepath.Join("..", "testdata", "policies", "valid")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		js, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		in = append(in, loadInput{e.Name(), js, kindOf(e.Name())})
	}
	for _, p := range system.All() {
		js, err := p.Document.MarshalJSON()
		require.NoError(t, err)
		in = append(in, loadInput{"system/" + p.Name, js, nil})
	}
	for _, x := range in[:len(in):len(in)] {
		if i := strings.Index(string(x.js), `"Action"`); i >= 0 {
			js := []byte(string(x.js[:i+1]) + `\u0041` + string(x.js[i+2:]))
			if _, err := policy.Parse(js, x.opts...); err == nil { // (not past a size limit)
				in = append(in, loadInput{x.name + "/escaped", js, x.opts})
			}
		}
	}
	rng := rand.New(rand.NewPCG(12, 34))
	// genPolicies builds documents in code, which Parse need not accept
	// (an action without a colon): only those it accepts are kept.
	for i, tries := 0, 0; i < n && tries < 100*n; tries++ {
		b := make([]byte, 256)
		for k := range b {
			b[k] = byte(rng.Uint32())
		}
		src := &bytesSource{b: b}
		d := genPolicies(t, src)[0].Document
		for k := range d.Statements {
			if src.next()%2 == 0 {
				d.Statements[k].Sid = "sid" + strings.Repeat("x", src.next()%20) + string(rune('a'+k))
			}
		}
		js, err := d.MarshalJSON()
		require.NoError(t, err)
		if _, err := policy.Parse(js); err == nil {
			in = append(in, loadInput{"random-" + strconv.Itoa(i), js, nil})
			i++
		}
	}
	return in
}

// parseCompile is what Load must equal: Parse, then Compile.
func parseCompile(t testing.TB, id string, x loadInput) *Evaluator {
	t.Helper()
	d, err := policy.Parse(x.js, x.opts...)
	require.NoError(t, err, "%s", x.name)
	e, err := Compile(Policy{ID: id, Document: d})
	require.NoError(t, err, "%s", x.name)
	return e
}

// scribble makes released documents' memory be overwritten for the
// length of the test, so that anything an Evaluator kept of it shows.
func scribble(t *testing.T) {
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
}

// TestLoadEqualsParseCompile: for every input, Load builds the very
// Evaluator Parse and Compile build (every table, every kept string),
// and still does after the pooled memory it parsed into has been
// overwritten and reused by the next Load.
func TestLoadEqualsParseCompile(t *testing.T) {
	scribble(t)
	in := loadInputs(t, 400)
	loaded := make([]*Evaluator, len(in))
	for i, x := range in {
		e, err := Load("p", x.js, x.opts...)
		require.NoError(t, err, "%s", x.name)
		loaded[i] = e
	}
	for i, x := range in {
		want := parseCompile(t, "p", x)
		require.True(t, reflect.DeepEqual(want, loaded[i]), "%s: Load built a different Evaluator\n%s", x.name, x.js)
	}
}

// TestLoadDecides checks decisions, not only tables: a Load of each
// system policy decides as the compiled shipped policy does.
func TestLoadDecides(t *testing.T) {
	scribble(t)
	for _, p := range system.All() {
		js, err := p.Document.MarshalJSON()
		require.NoError(t, err)
		got, err := Load(p.Name, js)
		require.NoError(t, err)
		want, err := Compile(Policy{ID: p.Name, Document: p.Document})
		require.NoError(t, err)
		for _, st := range p.Document.Statements {
			for _, a := range append(st.Action, "ecs:DescribeInstances", "arms:DeleteAlert", "cms:ListMetrics") {
				r := Request{Action: strings.ReplaceAll(a, "*", "Thing"), Resource: "acs:log:cn-hangzhou:1:project/p/logstore/aliyun-prom-x"}
				require.Equal(t, want.Decide(r), got.Decide(r), "%s %s", p.Name, r.Action)
			}
		}
	}
}

// TestLoadErrorsEqualParse: every invalid corpus document gets from Load
// the error Parse gives it: the same type, text and sentinel.
func TestLoadErrorsEqualParse(t *testing.T) {
	dir := filepath.Join("..", "testdata", "policies", "invalid")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, ents)
	for _, e := range ents {
		js, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		opts := kindOf(e.Name())
		_, perr := policy.Parse(js, opts...)
		ev, lerr := Load("p", js, opts...)
		require.Nil(t, ev, e.Name())
		require.Error(t, perr, e.Name())
		require.Equal(t, perr.Error(), lerr.Error(), e.Name())
		var pe *policy.ParseError
		require.ErrorAs(t, lerr, &pe, e.Name())
		require.True(t, errors.Is(lerr, errors.Unwrap(perr)), e.Name())
	}
}

// TestLoadConcurrent loads different documents from many goroutines at
// once (run it with -race): each must get its own Evaluator, equal to
// Parse and Compile's, whatever the others do with the pool.
func TestLoadConcurrent(t *testing.T) {
	scribble(t)
	in := loadInputs(t, 60)
	want := make([]*Evaluator, len(in))
	for i, x := range in {
		want[i] = parseCompile(t, "p", x)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range 3 * len(in) {
				i := (k*7 + g*13) % len(in)
				e, err := Load("p", in[i].js, in[i].opts...)
				if err != nil || !reflect.DeepEqual(want[i], e) {
					errs <- in[i].name
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("%s: a concurrent Load built a different Evaluator", name)
	}
}

// TestLoadAllocations: once the pool is warm, Load allocates what Compile
// allocates for the same document and nothing for the document itself or
// its options, but for one block of the strings an Evaluator keeps (Sids,
// condition keys and values) when the document has any.
func TestLoadAllocations(t *testing.T) {
	opts := []policy.Option{policy.WithLimits(policy.Limits{MaxStatements: 50}), policy.WithKind(policy.Identity), policy.WithFile("p.json")}
	for _, tc := range []struct {
		name  string
		js    string
		opts  []policy.Option
		extra float64
	}{
		{"system", readFile(t, "testdata/arms-readonly-v13.json"), nil, 0},
		{"system, with options", readFile(t, "testdata/arms-readonly-v13.json"), opts, 0},
		{"sid and condition", `{"Version":"1","Statement":[{"Sid":"s","Effect":"Allow","Action":"oss:Get*","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-1"}}}]}`, nil, 1},
	} {
		d, err := policy.Parse([]byte(tc.js), tc.opts...)
		require.NoError(t, err)
		// The fewest of 40 single runs: under the race detector a pool
		// drops a quarter of what it is given, and a run then counts new
		// scratch too.
		fewest := func(fn func()) float64 {
			n := math.Inf(1)
			for range 40 {
				n = min(n, testing.AllocsPerRun(1, fn))
			}
			return n
		}
		compile := fewest(func() { _, _ = Compile(Policy{ID: "p", Document: d}) })
		js := []byte(tc.js)
		load := fewest(func() { _, _ = Load("p", js, tc.opts...) })
		require.Equal(t, compile+tc.extra, load, tc.name)
	}
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// FuzzLoad: for any input and document kind, Load gives what Parse and
// Compile give: the same error text, or an equal Evaluator, with released
// memory overwritten between calls.
func FuzzLoad(f *testing.F) {
	for _, x := range loadInputs(f, 20) {
		k := byte(policy.Identity)
		if len(x.opts) > 0 {
			k = byte(policy.Trust)
			if strings.HasPrefix(x.name, "session-") {
				k = byte(policy.Session)
			}
		}
		f.Add(x.js, k)
	}
	other := []byte(readFile(f, "testdata/arms-readonly-v13.json"))
	docpool.Scribble.Store(true)
	f.Cleanup(func() { docpool.Scribble.Store(false) })
	f.Fuzz(func(t *testing.T, js []byte, k byte) {
		opts := []policy.Option{policy.WithKind(policy.Kind(k % 3))}
		got, lerr := Load("p", js, opts...)
		var want *Evaluator
		d, err := policy.Parse(js, opts...)
		if err == nil {
			want, err = Compile(Policy{ID: "p", Document: d})
		}
		if err != nil {
			require.Nil(t, got)
			require.Error(t, lerr)
			require.Equal(t, err.Error(), lerr.Error())
			return
		}
		require.NoError(t, lerr)
		// Reuse the pooled memory once more before comparing.
		_, _ = Load("q", other, opts...)
		require.True(t, reflect.DeepEqual(want, got), "Load built a different Evaluator for %q", js)
	})
}
