package directory

import (
	"hash/maphash"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

// A policySet is one set of policy documents (exact versions) compiled
// into one evaluator on first use. Sets are interned by their key, so every
// holder (user, group or role) with the same attachments at the same
// versions shares one set and one compiled evaluator, and a holder whose
// attachments and versions did not change keeps its set across commits:
// a commit elsewhere costs it nothing.
type policySet struct {
	key      string
	policies []evaluator.Policy
	kind     policy.Kind // Identity, or Trust for a role's trust policy
	mu       sync.Mutex
	c        atomic.Pointer[compiledSet]
}

type compiledSet struct {
	ev  *evaluator.Evaluator
	err error
}

// evaluator returns the compiled evaluator, compiling it on first use.
// Readers may compile; they wait for one another, never for a commit.
func (ps *policySet) evaluator() (*evaluator.Evaluator, error) {
	c := ps.load()
	return c.ev, c.err
}

// load is evaluator returning the compiled set itself; it is small enough
// to inline into the decision paths.
func (ps *policySet) load() *compiledSet {
	if c := ps.c.Load(); c != nil {
		return c
	}
	return ps.compile()
}

// compile is load's slow path: one reader compiles, the others wait.
func (ps *policySet) compile() *compiledSet {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if c := ps.c.Load(); c != nil {
		return c
	}
	ev, err := evaluator.Compile(ps.policies...)
	c := &compiledSet{ev: ev, err: err}
	ps.c.Store(c)
	return c
}

// compiled reports whether the set has been compiled (for tests).
func (ps *policySet) compiled() bool { return ps.c.Load() != nil }

// interner hands out one *policySet per key while any state holds it; a
// set nobody references is collected and its entry removed.
type interner struct {
	mu   sync.Mutex
	sets map[string]weak.Pointer[policySet]
}

func (in *interner) get(key string, build func() *policySet) *policySet {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.sets == nil {
		in.sets = map[string]weak.Pointer[policySet]{}
	}
	if wp, ok := in.sets[key]; ok {
		if ps := wp.Value(); ps != nil {
			return ps
		}
	}
	ps := build()
	ps.key = key
	in.sets[key] = weak.Make(ps)
	runtime.AddCleanup(ps, in.drop, key)
	return ps
}

func (in *interner) drop(key string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if wp, ok := in.sets[key]; ok && wp.Value() == nil {
		delete(in.sets, key)
	}
}

// live returns the number of interned sets still referenced (for tests).
func (in *interner) live() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, wp := range in.sets {
		if wp.Value() != nil {
			n++
		}
	}
	return n
}

// textSeed keys the fingerprint of a version's text in set keys. The
// version's uid alone does not name one document: an imported document
// brings its own uids, which may equal uids this directory gave other
// documents (another directory's export, or a set still held by an older
// state), and a set found under a uid compiled from another text would
// decide with the wrong policy.
var textSeed = maphash.MakeSeed()

// identitySet returns the shared set for the attachments of h in account
// a, at the policies' current default versions (nil when h is empty).
func (d *Directory) identitySet(a *account, h *holder) *policySet {
	if h.empty() {
		return nil
	}
	parts := make([]string, 0, len(h.system)+len(h.custom))
	type item struct {
		part string
		pol  evaluator.Policy
	}
	items := make([]item, 0, cap(parts))
	for _, n := range h.system {
		sp, ok := system.Get(n)
		if !ok {
			continue
		}
		items = append(items, item{"S" + n, evaluator.Policy{ID: n, Document: sp.Document}})
	}
	for _, n := range h.custom {
		p := a.policy(n)
		if p == nil {
			continue
		}
		v := p.defaultVersion()
		part := "C" + a.uid + "/" + strconv.FormatUint(v.uid, 10) + "/" + strconv.FormatUint(maphash.String(textSeed, v.text), 36)
		items = append(items, item{part, evaluator.Policy{ID: n, Document: v.doc}})
	}
	slices.SortFunc(items, func(x, y item) int { return strings.Compare(x.part, y.part) })
	for _, it := range items {
		parts = append(parts, it.part)
	}
	key := "I\x00" + strings.Join(parts, "\x00")
	return d.sets.get(key, func() *policySet {
		ps := &policySet{kind: policy.Identity}
		for _, it := range items {
			ps.policies = append(ps.policies, it.pol)
		}
		return ps
	})
}

// trustSet returns a new set for a role's trust document doc, compiled on
// first use. Each call gets its own key: a trust policy belongs to one
// role.
func (d *Directory) trustSet(doc *policy.Document) *policySet {
	return d.sets.get("T\x00"+strconv.FormatUint(d.trustSeq.Add(1), 10), func() *policySet {
		return &policySet{kind: policy.Trust, policies: []evaluator.Policy{{ID: "trust-policy", Document: doc}}}
	})
}
