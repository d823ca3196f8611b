package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The adversarial workload can make a backtracking matcher run for hours, so
// each engine's first decision runs in a child process (this test binary,
// re-executed) under a time cap, and is killed when the cap passes. Only an
// engine whose child answered correctly within the cap is then timed in
// process.

const (
	advChildEnv = "BENCH_ADVERSARIAL_CHILD"  // "engine:n" in the child
	advCapEnv   = "BENCH_ADVERSARIAL_CAP"    // cap in seconds (default 10)
	advOutEnv   = "BENCH_ADVERSARIAL_REPORT" // file the probes' results go to
)

func advCap() time.Duration {
	if s := os.Getenv(advCapEnv); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return 10 * time.Second
}

// adversarialChild loads one engine on Adversarial(n), decides once, and
// prints "decision nanos". It is the body of the child process.
func adversarialChild(spec string) int {
	name, ns, ok := strings.Cut(spec, ":")
	n, err := strconv.Atoi(ns)
	if !ok || err != nil {
		fmt.Fprintln(os.Stderr, "bad child spec", spec)
		return 2
	}
	e, err := EngineByName(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	w := Adversarial(n)
	l, err := Load(e, w)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 3
	}
	fn, err := l.Prepare(w.Requests[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "prepare:", err)
		return 3
	}
	start := time.Now()
	d := fn()
	fmt.Printf("%d %d\n", d, time.Since(start).Nanoseconds())
	return 0
}

var (
	probeMu    sync.Mutex
	probeCache = map[string]AdvProbe{}
)

// probe runs (once per process) the child for engine e and size n.
func probe(e Engine, n int) AdvProbe {
	key := e.Name() + ":" + strconv.Itoa(n)
	probeMu.Lock()
	defer probeMu.Unlock()
	if p, ok := probeCache[key]; ok {
		return p
	}
	limit := advCap()
	p := AdvProbe{Engine: e.Name(), N: n, CapSec: limit.Seconds()}
	// The cap covers the decision; loading is given the same time again.
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), advChildEnv+"="+key)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		p.Over = true
	case err != nil:
		p.Err = strings.TrimSpace(err.Error() + ": " + errb.String())
	default:
		var d, nanos int64
		if _, serr := fmt.Sscanf(out.String(), "%d %d", &d, &nanos); serr != nil {
			p.Err = "unreadable child output: " + out.String()
			break
		}
		p.Decision, p.Nanos = Decision(d), nanos
		if time.Duration(nanos) > limit {
			p.Over = true
		}
	}
	probeCache[key] = p
	recordProbe(p)
	return p
}

// recordProbe appends p as one JSON line to the report file, if one is set.
func recordProbe(p AdvProbe) {
	path := os.Getenv(advOutEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_ = json.NewEncoder(f).Encode(p)
}

// TestAdversarial probes every engine at every size. ramauthz must answer
// correctly well inside the cap; a peer may exceed the cap or fail (that is
// what the report is for), but a peer that answers must answer correctly.
func TestAdversarial(t *testing.T) {
	for _, n := range AdversarialSizes {
		for _, e := range Engines() {
			t.Run(fmt.Sprintf("%d/%s", n, e.Name()), func(t *testing.T) {
				p := probe(e, n)
				t.Logf("%+v", p)
				if e.Name() == "ramauthz" {
					assert.True(t, p.OK(), "%+v", p)
					return
				}
				if !p.Over && p.Err == "" {
					assert.Contains(t, []Decision{ImplicitDeny, Failed}, p.Decision,
						"a peer that answers must not allow or explicitly deny")
				}
			})
		}
	}
}

func TestProbeKillsAtCap(t *testing.T) {
	// A child that cannot finish within a tiny cap must be reported as over
	// the cap, not as an answer.
	t.Setenv(advCapEnv, "0.000001")
	probeMu.Lock()
	saved := probeCache
	probeCache = map[string]AdvProbe{}
	probeMu.Unlock()
	t.Cleanup(func() {
		probeMu.Lock()
		probeCache = saved
		probeMu.Unlock()
	})
	p := probe(Cedar{}, 60)
	assert.True(t, p.Over, "%+v", p)
	assert.False(t, p.OK())
}

func TestAdversarialChildRejectsBadSpec(t *testing.T) {
	assert.Equal(t, 2, adversarialChild("cedar"))
	assert.Equal(t, 2, adversarialChild("nosuch:60"))
	_, err := EngineByName("nosuch")
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrCannotExpress))
}

// BenchmarkAdversarial times the engines whose probe answered correctly
// within the cap; the others are reported from the probe file.
func BenchmarkAdversarial(b *testing.B) {
	for _, n := range AdversarialSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for _, e := range Engines() {
				if p := probe(e, n); !p.OK() {
					b.Logf("%s: not timed: %+v", e.Name(), p)
					continue
				}
				b.Run(e.Name(), func(b *testing.B) {
					w := Adversarial(n)
					fns, err := prepareAll(e, w, w.Requests)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					var sink Decision
					for b.Loop() {
						sink = fns[0]()
					}
					_ = sink
				})
			}
		})
	}
}
