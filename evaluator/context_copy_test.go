package evaluator

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contents lists every key of c as the model below sees it: normalised key
// to values, through the public Get for each key the test used.
func contents(c *Context, keys []string) map[string][]string {
	out := map[string][]string{}
	for _, k := range keys {
		if v, ok := c.Get(k); ok {
			out[normKey(k)] = append([]string{}, v...)
		}
	}
	return out
}

func TestContextClone(t *testing.T) {
	var base Context
	base.Set("acs:SourceIp", "10.0.0.1")
	base.Set("oss:Prefix", "a/", "b/")
	base.SetCurrentTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	keys := []string{"acs:SourceIp", "oss:Prefix", "acs:CurrentTime", "k"}
	want := contents(&base, keys)

	cl := base.Clone()
	assert.Equal(t, want, contents(cl, keys))

	// Writing to the clone, in place and through new keys, leaves base as
	// it was, and the other way round.
	cl.Set("oss:Prefix", "x/", "y/")
	cl.Set("acs:SourceIp", "10.9.9.9")
	cl.Set("k", "v")
	cl.Delete("acs:CurrentTime")
	assert.Equal(t, want, contents(&base, keys))
	clWant := contents(cl, keys)
	base.Set("oss:Prefix", "z/")
	base.Reset()
	assert.Equal(t, clWant, contents(cl, keys))

	var nilCtx *Context
	empty := nilCtx.Clone()
	require.NotNil(t, empty)
	assert.Empty(t, contents(empty, keys))
}

func TestContextCopyFrom(t *testing.T) {
	var src Context
	src.Set("acs:SourceIp", "10.0.0.1")
	src.Set("acs:ResourceTag/Env", "prod")
	src.Set("oss:Prefix", "a/", "b/")
	src.SetSecureTransport(true)
	keys := []string{"acs:SourceIp", "acs:resourcetag/Env", "oss:Prefix", "acs:SecureTransport", "old", "acs:MFAPresent"}

	var dst Context
	dst.Set("old", "gone")
	dst.SetMFAPresent(true)
	dst.CopyFrom(&src)
	assert.Equal(t, contents(&src, keys), contents(&dst, keys), "dst holds exactly src's keys")
	_, ok := dst.Get("old")
	assert.False(t, ok)

	// The copy shares no storage: changing dst's values in place does not
	// reach src.
	srcWant := contents(&src, keys)
	dst.Set("oss:Prefix", "c/", "d/")
	dst.Set("acs:ResourceTag/Env", "dev")
	assert.Equal(t, srcWant, contents(&src, keys))

	dst.CopyFrom(&dst)
	assert.Equal(t, "c/", mustGet(t, &dst, "oss:Prefix")[0], "copying onto itself changes nothing")

	dst.CopyFrom(nil)
	assert.Empty(t, contents(&dst, keys), "a nil source empties the context")

	// Once grown, deriving a request-local view from a shared base costs
	// nothing (spec §13 D27).
	dst.CopyFrom(&src)
	allocs := testing.AllocsPerRun(100, func() {
		dst.CopyFrom(&src)
		dst.Set("sts:ExternalId", "abc")
	})
	assert.Zero(t, allocs)
}

func mustGet(t *testing.T, c *Context, k string) []string {
	t.Helper()
	v, ok := c.Get(k)
	require.True(t, ok, k)
	return v
}

func TestContextDelete(t *testing.T) {
	var c Context
	c.Set("acs:SourceIp", "10.0.0.1")
	c.Set("acs:PrincipalARN", "acs:ram::1:user/admin")
	c.Set("oss:Prefix", "a/")
	c.Delete("ACS:SOURCEIP")
	c.Delete("acs:principalarn")
	c.Delete("absent")
	_, ok := c.Get("acs:SourceIp")
	assert.False(t, ok, "a slot key, deleted in another spelling")
	_, ok = c.Get("acs:PrincipalArn")
	assert.False(t, ok, "an acs key outside the slots, deleted in another spelling")
	assert.Equal(t, []string{"a/"}, mustGet(t, &c, "oss:Prefix"), "other keys stay")
	c.Set("acs:PrincipalArn", "x")
	assert.Equal(t, []string{"x"}, mustGet(t, &c, "acs:principalARN"), "a deleted key can come back")

	// Deleting makes conditions see an absent key.
	e := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"oss:Prefix":"a/"}}}]}`)
	r := Request{Action: "oss:ListObjects", Resource: "acs:oss:*:*:b", Context: &c}
	assert.Equal(t, Allow, e.Decide(r))
	c.Delete("oss:Prefix")
	assert.Equal(t, ImplicitDeny, e.Decide(r))
}

// TestContextModel checks Context against a plain map under random
// sequences of Set, Delete, Reset and CopyFrom, with enough distinct keys to
// switch the key index on, and several spellings of the same key.
func TestContextModel(t *testing.T) {
	var keys []string
	for i := 0; i < 24; i++ {
		keys = append(keys, "svc:Key"+strconv.Itoa(i), "ACS:Key"+strconv.Itoa(i), "acs:key"+strconv.Itoa(i))
	}
	keys = append(keys, "acs:SourceIp", "acs:sourceip", "acs:CurrentTime", "acs:ResourceTag/A", "acs:resourcetag/a")
	rng := rand.New(rand.NewPCG(1, 2))
	var c, other Context
	model := map[string][]string{}
	otherModel := map[string][]string{}
	for step := 0; step < 20000; step++ {
		k := keys[rng.IntN(len(keys))]
		switch op := rng.IntN(20); {
		case op < 12:
			vals := make([]string, rng.IntN(3))
			for i := range vals {
				vals[i] = strconv.Itoa(rng.IntN(100))
			}
			c.Set(k, vals...)
			model[normKey(k)] = vals
		case op < 16:
			c.Delete(k)
			delete(model, normKey(k))
		case op < 17:
			c.Reset()
			clear(model)
		case op < 18:
			other.Set(k, "o")
			otherModel[normKey(k)] = []string{"o"}
		case op < 19:
			c.CopyFrom(&other)
			clear(model)
			for k, v := range otherModel {
				model[k] = v
			}
		default:
			other.CopyFrom(&c)
			clear(otherModel)
			for k, v := range model {
				otherModel[k] = v
			}
		}
		got := map[string][]string{}
		for _, k := range keys {
			if v, ok := c.Get(k); ok {
				got[normKey(k)] = append([]string{}, v...)
			}
		}
		for k, v := range model {
			if len(v) == 0 {
				model[k] = []string{}
			}
		}
		for k, v := range got {
			if len(v) == 0 {
				got[k] = []string{}
			}
		}
		require.Equal(t, model, got, "step %d", step)
		n := 0
		for i := range c.slots {
			if c.slots[i].set {
				n++
			}
		}
		require.Equal(t, len(model), n+c.n, "step %d: live keys", step)
	}
	assert.LessOrEqual(t, len(c.ents), 3*24+2, "spare entries are bounded by the keys ever live at once")
}

func TestPrincipalResolved(t *testing.T) {
	e := compileJSON(t, `{"Version":"1","Statement":[
	  {"Effect":"Deny","Action":"oss:Delete*","Resource":"*","Condition":{"StringNotEquals":{"acs:PrincipalARN":"acs:ram::1111111111111111:user/admin"}}},
	  {"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`)
	alice := Principal{Type: PrincipalUser, AccountID: "1111111111111111", ARN: "acs:ram::1111111111111111:user/alice"}
	admin := Principal{Type: PrincipalUser, AccountID: "1111111111111111", ARN: "acs:ram::1111111111111111:user/admin"}
	for _, spelling := range []string{"acs:PrincipalARN", "acs:principalarn", "ACS:PRINCIPALARN", "acs:PrincipalArn"} {
		var claim Context
		claim.Set(spelling, admin.ARN)
		r := Request{Action: "oss:DeleteObject", Resource: "acs:oss:*:1111111111111111:b/o", Principal: alice, Context: &claim}
		// Bare evaluator: the caller's value wins (spec §13 D26 keeps it).
		assert.Equal(t, Allow, e.Decide(r), spelling)
		// Resolved principal: the claim is ignored.
		r.PrincipalResolved = true
		assert.Equal(t, ExplicitDeny, e.Decide(r), spelling)
		assert.Equal(t, ExplicitDeny, e.Explain(r).Decision, spelling)
		r.Principal = admin
		claim.Set(spelling, alice.ARN)
		assert.Equal(t, Allow, e.Decide(r), spelling)
		assert.Equal(t, Allow, e.Explain(r).Decision, spelling)
		assert.Zero(t, testing.AllocsPerRun(50, func() { sinkDecision = e.Decide(r) }))
	}
	// A resolved principal without an ARN leaves the key absent, even when
	// the context sets it.
	var claim Context
	claim.Set("acs:PrincipalARN", admin.ARN)
	r := Request{Action: "oss:DeleteObject", Resource: "x", Context: &claim, PrincipalResolved: true}
	assert.Equal(t, ExplicitDeny, e.Decide(r), "StringNotEquals on an absent key holds")
	x := e.Explain(r)
	assert.Equal(t, ExplicitDeny, x.Decision)
	require.NotEmpty(t, x.Matched)
	assert.Equal(t, 0, x.Matched[0].Statement, "the Deny applied")
}

func TestResourceOwnerIgnoredByEvaluator(t *testing.T) {
	e := compileJSON(t, armsReadOnly)
	r := Request{Action: "arms:GetTrace", Resource: "acs:arms:cn-hangzhou:1111111111111111:app/x",
		Principal: Principal{Type: PrincipalUser, AccountID: "2222222222222222", ARN: "acs:ram::2222222222222222:user/dave"}}
	want := e.Decide(r)
	require.Equal(t, Allow, want)
	for _, owner := range []string{"1111111111111111", "2222222222222222", "anything"} {
		r.ResourceOwner = owner
		assert.Equal(t, want, e.Decide(r), owner)
		assert.Equal(t, want, e.Explain(r).Decision, owner)
	}
}

// TestSharedContextConcurrent shares one read-only Context (with a key
// index and typed values) between goroutines that decide, explain, read
// and derive request-local copies from it (spec §13 D27); run with -race.
// Every call must see the same answers, and the shared context must be
// unchanged afterwards.
func TestSharedContextConcurrent(t *testing.T) {
	e := compileJSON(t, conditionsPolicy, armsReadOnly, `{"Version":"1","Statement":[
	  {"Effect":"Deny","Action":"arms:*","Resource":"*","Condition":{"StringEquals":{"sts:ExternalId":"bad"}}},
	  {"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"StringLike":{"acs:SourceIp":"10.*"},"StringEquals":{"oss:Prefix":"a/"}}}]}`)
	shared := &Context{}
	shared.SetSourceIP(netip.MustParseAddr("10.1.2.3"))
	shared.SetCurrentTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	shared.SetSecureTransport(true)
	shared.Set("oss:Prefix", "a/")
	for i := 0; i < 2*indexMin; i++ {
		shared.Set("tag:K"+strconv.Itoa(i), "v")
	}
	keys := []string{"acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport", "oss:Prefix", "sts:ExternalId", "tag:K3"}
	before := contents(shared, keys)

	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local Context
			for i := 0; i < 300; i++ {
				r := Request{Action: "arms:GetTrace", Resource: res, Context: shared}
				if e.Decide(r) != Allow || e.Explain(r).Decision != Allow {
					errs <- "shared context: not allowed"
					return
				}
				r.Action = "oss:GetObject"
				if e.Decide(r) != Allow {
					errs <- "typed IP with a string operator: not allowed"
					return
				}
				local.CopyFrom(shared)
				ext := "good"
				if (g+i)%2 == 0 {
					ext = "bad"
				}
				local.Set("sts:ExternalId", ext)
				r = Request{Action: "arms:GetTrace", Resource: res, Context: &local}
				want := Allow
				if ext == "bad" {
					want = ExplicitDeny
				}
				if e.Decide(r) != want {
					errs <- "request-local copy: wrong decision for ExternalId " + ext
					return
				}
				if v, ok := shared.Get("acs:SourceIp"); !ok || v[0] != "10.1.2.3" {
					errs <- "shared Get changed"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	assert.Equal(t, before, contents(shared, keys))
}
