package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The verifier's fast paths (HMAC on the stack, the in-place V1 string to
// sign, the canonical-path shortcut, the duplicate-key check, the nonce
// heap, the counting check of unsigned headers) are checked here against
// slow, obviously correct references.

// TestHMACMatchesStandardLibrary: the stack HMACs equal crypto/hmac for keys
// shorter than, equal to and longer than a block (hashed), with and without
// V1's '&' suffix.
func TestHMACMatchesStandardLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for keyLen := 0; keyLen <= 3*hmacBlock; keyLen++ {
		secret := make([]byte, keyLen)
		for i := range secret {
			secret[i] = byte(rng.UintN(256))
		}
		var sts [v3StringToSignLength]byte
		for i := range sts {
			sts[i] = byte(rng.UintN(256))
		}
		ref256 := hmac.New(sha256.New, secret)
		ref256.Write(sts[:])
		got256 := hmacSHA256(string(secret), &sts)
		require.Equal(t, ref256.Sum(nil), got256[:], "SHA-256, key of %d bytes", keyLen)

		msg := make([]byte, rng.IntN(2000))
		for i := range msg {
			msg[i] = byte(rng.UintN(256))
		}
		ref1 := hmac.New(sha1.New, append(slices.Clone(secret), '&'))
		ref1.Write(msg)
		got1 := signV1(string(secret), msg)
		require.Equal(t, ref1.Sum(nil), got1[:], "SHA-1, key of %d bytes + '&'", keyLen)
		ref1 = hmac.New(sha1.New, secret)
		ref1.Write(msg)
		got1 = hmacSHA1Framed(string(secret), "", append(make([]byte, hmacBlock), msg...))
		require.Equal(t, ref1.Sum(nil), got1[:], "SHA-1, key of %d bytes", keyLen)
	}
}

// canonicalURISlow is canonicalURI without its shortcut: every segment
// decoded and encoded again.
func canonicalURISlow(escapedPath string) (string, bool) {
	if escapedPath == "" {
		return "/", true
	}
	var b []byte
	for i, seg := range strings.Split(escapedPath, "/") {
		if i > 0 {
			b = append(b, '/')
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", false
		}
		b = appendPercentEncoded(b, dec)
	}
	return string(b), true
}

func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"", "/", "/a/b", "/a%2Fb", "/%7E", "/a b", "/a*b", "//", "/%zz", "/~-._", "/a+b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := canonicalURI(p)
		want, wantOK := canonicalURISlow(p)
		if got != want || ok != wantOK {
			t.Fatalf("canonicalURI(%q) = %q, %v; the slow path gives %q, %v", p, got, ok, want, wantOK)
		}
	})
}

// TestHasDuplicateKey checks both branches (pairwise, sorted) against a map.
func TestHasDuplicateKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 60 {
		for range 20 {
			ps := make(params, n)
			seen := map[string]bool{}
			dup := false
			for i := range ps {
				k := strconv.Itoa(int(rng.UintN(uint(4 * (n + 1)))))
				dup = dup || seen[k]
				seen[k] = true
				ps[i] = param{key: k}
			}
			require.Equal(t, dup, hasDuplicateKey(ps), "%d parameters %v", n, ps)
		}
	}
}

// TestLargeFormIsRefusedInLinearithmicTime: a V1 form is parsed before its
// signature is checked, so the duplicate-key check must not be quadratic.
// 200,000 parameters took minutes with the pairwise check; the form is
// refused for its signature (the parameters are all distinct).
func TestLargeFormIsRefusedInLinearithmicTime(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	var form strings.Builder
	for i := range 200_000 {
		if i > 0 {
			form.WriteByte('&')
		}
		form.WriteString("k" + strconv.Itoa(i) + "=v")
	}
	r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}})
	r.Body = io.NopCloser(strings.NewReader("AppName=checkout&" + form.String()))
	r.ContentLength = -1
	_, err := v.Verify(r)
	assert.ErrorIs(t, err, ErrSignatureMismatch)
	// And a duplicate at the far end of the same form is still found.
	r = v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}})
	r.Body = io.NopCloser(strings.NewReader("AppName=checkout&" + form.String() + "&k7=v"))
	r.ContentLength = -1
	_, err = v.Verify(r)
	assert.ErrorIs(t, err, ErrIncomplete)
}

// TestNonceHeapOrder: pops come out oldest first, against a sort.
func TestNonceHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var h nonceHeap
	var ref []int64
	for i := range 5000 {
		if rng.IntN(3) > 0 || len(ref) == 0 {
			ts := int64(rng.IntN(100))
			h.push(nonceEntry{nonce: uint64(i), ts: ts})
			ref = append(ref, ts)
			continue
		}
		slices.Sort(ref)
		e := h.pop()
		require.Equal(t, ref[0], e.ts)
		ref = ref[1:]
	}
	for len(ref) > 0 {
		slices.Sort(ref)
		require.Equal(t, ref[0], h.pop().ts)
		ref = ref[1:]
	}
	assert.Empty(t, h)
}

// TestUnsignedHeaderUnderSecondSpelling: the counting check of unsigned
// headers also refuses a header map holding a signed x-acs-* header under
// a second, non-canonical key (a hand-built request; net/http never
// produces one), whose value a handler reading the map directly would see.
func TestUnsignedHeaderUnderSecondSpelling(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v3Request(t, aliceKey, t0, "")
	r.Header["x-acs-action"] = []string{"DeleteTraceApp"}
	_, err := v.Verify(r)
	assert.ErrorIs(t, err, ErrUnsignedHeader)

	r = v3Request(t, aliceKey, t0, "")
	r.Header["X-Acs-Extra"] = []string{"1"}
	_, err = v.Verify(r)
	assert.ErrorIs(t, err, ErrUnsignedHeader)
	assert.ErrorContains(t, err, "x-acs-extra is not in SignedHeaders")
}

// TestVerifyAllocations pins the allocations of a typical verification (the
// request of BenchmarkVerifyV3). V3: the Identity (with its parameters) and
// the one buffer holding the body and the arena with the decoded query
// values ("a+b", "x%2By") and the form's copy; the nonce cache's amortized
// growth rounds away. V1 (was 6): the Identity, the body, the arena, and
// the parameter list, longer than the Identity's eight slots.
func TestVerifyAllocations(t *testing.T) {
	const runs = 200
	body := []byte("AppName=checkout&Page=1&Size=20")
	t.Run("V3", func(t *testing.T) {
		v, _, _ := newTestVerifier(t, Config{})
		reqs := make([]*http.Request, runs+1)
		for i := range reqs {
			r, err := http.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?RegionId=cn-hangzhou&Name=a+b&Tag=x%2By", nil)
			require.NoError(t, err)
			r.Header.Set("x-acs-action", "ListTraceApps")
			r.Header.Set("x-acs-version", "2019-08-08")
			r.Header.Set("content-type", "application/x-www-form-urlencoded")
			require.NoError(t, SignV3(r, body, aliceKey, t0, "alloc-"+strconv.Itoa(i)))
			reqs[i] = r
		}
		rd := new(bytes.Reader)
		rc := io.NopCloser(rd)
		i := 0
		allocs := testing.AllocsPerRun(runs, func() {
			rd.Reset(body)
			reqs[i].Body = rc
			if _, err := v.Verify(reqs[i]); err != nil {
				t.Fatal(err)
			}
			i++
		})
		assert.LessOrEqual(t, allocs, 2.0)
	})
	t.Run("V1", func(t *testing.T) {
		v, _, _ := newTestVerifier(t, Config{})
		reqs := make([]*http.Request, runs+1)
		for i := range reqs {
			reqs[i] = v1Request(t, aliceKey, t0, url.Values{"AppName": {"checkout"}, "Page": {"1"}})
		}
		form := "AppName=checkout&Page=1"
		rd := new(strings.Reader)
		rc := io.NopCloser(rd)
		i := 0
		allocs := testing.AllocsPerRun(runs, func() {
			rd.Reset(form)
			reqs[i].Body = rc
			if _, err := v.Verify(reqs[i]); err != nil {
				t.Fatal(err)
			}
			i++
		})
		assert.LessOrEqual(t, allocs, 4.0)
	})
	t.Run("ROA", func(t *testing.T) {
		// The Identity, the arena with the one query value with an
		// escape, and the nonce cache's amortized growth (was 4).
		v, _, _ := newTestVerifier(t, Config{})
		reqs := make([]*http.Request, runs+1)
		for i := range reqs {
			reqs[i] = roaRequest(t, aliceKey, t0, "")
		}
		i := 0
		allocs := testing.AllocsPerRun(runs, func() {
			if _, err := v.Verify(reqs[i]); err != nil {
				t.Fatal(err)
			}
			i++
		})
		assert.LessOrEqual(t, allocs, 3.0)
	})
}

// TestUnsupportedAlgorithms: ACS3-HMAC-SM3 (no SM3 in the standard
// library) and the other ACS schemes are refused as IncompleteSignature
// with a message naming the algorithm to use, before any credential
// lookup.
func TestUnsupportedAlgorithms(t *testing.T) {
	v, creds, _ := newTestVerifier(t, Config{})
	creds.DeleteAccessKey(aliceKey.AccessKeyID) // a lookup would say InvalidAccessKeyId.NotFound
	for alg, msg := range map[string]string{
		"ACS3-HMAC-SM3":    "ACS3-HMAC-SM3 is not supported (no SM3 here); sign with ACS3-HMAC-SHA256",
		"ACS4-HMAC-SHA256": `"ACS4-HMAC-SHA256" is not supported; sign with ACS3-HMAC-SHA256`,
		"ACS3-RSA-SHA256":  `"ACS3-RSA-SHA256" is not supported; sign with ACS3-HMAC-SHA256`,
	} {
		r := v3Request(t, aliceKey, t0, "")
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), AlgorithmV3, alg, 1))
		_, err := v.Verify(r)
		assertCode(t, err, ErrIncomplete, "IncompleteSignature")
		assert.ErrorContains(t, err, msg, alg)
	}
}

// TestNonceRefusedByEvictionIsNotRemembered: a nonce refused because the
// eviction it caused raised its own key's floor is taken out of the cache
// again (record inserts before evicting, to probe the map once), so the
// same nonce with a later timestamp is still accepted.
func TestNonceRefusedByEvictionIsNotRemembered(t *testing.T) {
	c := newNonceCache(2)
	exp := t0.Add(-time.Hour)
	require.True(t, c.record("k", "a", t0.Add(time.Second), exp))
	require.True(t, c.record("k", "b", t0.Add(2*time.Second), exp))
	assert.False(t, c.record("k", "c", t0.Add(time.Second), exp), "evicting a raises the floor to its second")
	assert.Equal(t, 1, c.len(), "a was forgotten, b kept")
	assert.Equal(t, 1, c.keys["k"].seen.len(), "only b is remembered, not c")
	assert.True(t, c.record("k", "c", t0.Add(3*time.Second), exp), "c was not remembered")
}

// parseParamsSlow is the obviously correct parameter parser: strings.Cut
// and url.QueryUnescape for every pair, a map for repeated keys.
func parseParamsSlow(raw string) (params, bool) {
	var ps params
	seen := map[string]bool{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, false
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || key == "" || seen[key] {
			return nil, false
		}
		seen[key] = true
		ps = append(ps, param{key, value})
	}
	return ps, true
}

// FuzzParseParams: the arena decoder (from a string and, copying every
// byte, from a body's bytes sharing one arena with a query) agrees with
// parseParamsSlow, and the strings it returned earlier survive the arena's
// later growth.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"", "a=b", "a=b&a=c", "Name=a+b&Tag=x%2By", "%zz=1", "a=%4", "a=%41", "=x", "a;b=c",
		"a&&b=", "a=b=c", "k%3D=v%26w", "x=%e4%b8%ad", "+=+"} {
		f.Add(s, "q=1%20")
	}
	f.Fuzz(func(t *testing.T, raw, query string) {
		want, wantOK := parseParamsSlow(raw)
		got, ok := parseParams(raw, nil)
		if ok != wantOK || ok && !slices.Equal(got, want) {
			t.Fatalf("parseParams(%q) = %q, %v; want %q, %v", raw, got, ok, want, wantOK)
		}
		var text arena
		q, qOK := decodeParams(query, nil, &text, 0)
		qWant, qWantOK := parseParamsSlow(query)
		if qOK != qWantOK || qOK && !slices.Equal(q, qWant) {
			t.Fatalf("decodeParams(%q) = %q, %v; want %q, %v", query, q, qOK, qWant, qWantOK)
		}
		if !qOK {
			return
		}
		qCopy := slices.Clone(q)
		body := []byte(raw)
		got, ok = decodeParams(appendToArena(&text, body, 1), q, &text, 1)
		for i := range body {
			body[i] = 'X' // the caller reuses its buffer: nothing may point into it
		}
		want, wantOK = parseParamsSlow(query + "&" + raw)
		if ok != wantOK || ok && !slices.Equal(got, want) {
			t.Fatalf("decodeParams(%q) after %q = %q, %v; want %q, %v", raw, query, got, ok, want, wantOK)
		}
		if !slices.Equal(q[:len(qCopy)], qCopy) {
			t.Fatalf("the query's parameters changed: %q, were %q", q[:len(qCopy)], qCopy)
		}
	})
}

// TestDecodeLowerHex: exactly 2n lower-case hex digits, as encoding/hex
// decodes them.
func TestDecodeLowerHex(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = "0123456789abcdefABCDEFgz"[rng.IntN(24)]
		}
		s := string(b)
		ref, err := hex.DecodeString(s)
		wantOK := err == nil && len(s) == 32 && lowerASCII(s)
		var got [16]byte
		ok := decodeLowerHex(got[:], s)
		require.Equal(t, wantOK, ok, s)
		if ok {
			require.Equal(t, ref, got[:], s)
		}
	}
}

// TestParseTimeCalendar: the hand-computed instant equals time.Parse's on
// every day of 1968-2104 and of the century and leap-rule years, including
// the invalid 29th, 30th and 31st of each month.
func TestParseTimeCalendar(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	years := []int{0, 1, 4, 99, 100, 400, 1600, 1700, 1900, 2000, 2100, 2400, 9999}
	for y := 1968; y <= 2104; y++ {
		years = append(years, y)
	}
	for _, y := range years {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 31; d++ {
				h, mi, s := rng.IntN(24), rng.IntN(60), rng.IntN(60)
				ts := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi, s)
				want, werr := time.Parse(TimeFormat, ts)
				got, err := parseTime(ts)
				require.Equal(t, werr == nil, err == nil, ts)
				if err == nil {
					require.True(t, got.Equal(want), "%s: %v, time.Parse %v", ts, got, want)
					require.Equal(t, time.UTC, got.Location(), ts)
				}
			}
		}
	}
}

// TestHasDuplicateKeyFrom: with a prefix known to be free of repeats, the
// check of the later parameters agrees with a map over all of them.
func TestHasDuplicateKeyFrom(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := range 40 {
		for range 20 {
			ps := make(params, 0, n)
			seen := map[string]bool{}
			from, dup := 0, false
			for len(ps) < n {
				k := strconv.Itoa(int(rng.UintN(uint(3 * (n + 1)))))
				if len(ps) == from && !seen[k] && rng.IntN(3) > 0 {
					from++ // the prefix stays free of repeats
				} else if len(ps) == from && seen[k] {
					continue
				}
				dup = dup || seen[k]
				seen[k] = true
				ps = append(ps, param{key: k})
			}
			require.Equal(t, dup, hasDuplicateKeyFrom(ps, from), "%v from %d", ps, from)
		}
	}
}

// TestTrimSpace: the shortcut agrees with strings.TrimSpace.
func TestTrimSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a", "a ", "\ta\n", "\u00a0a", "a\u0085", "\xffa", "a\xff", "x y", "\x7f", "\x1fa"} {
		assert.Equal(t, strings.TrimSpace(s), trimSpace(s), "%q", s)
	}
}

// TestLowerASCII: the eight-bytes-at-a-time test agrees with a byte loop
// on every byte in every position.
func TestLowerASCII(t *testing.T) {
	slow := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 || 'A' <= s[i] && s[i] <= 'Z' {
				return false
			}
		}
		return true
	}
	for n := range 20 {
		for pos := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("x-acs-date;host"[:min(n, 15)], 2))[:n]
				b[pos] = byte(c)
				require.Equal(t, slow(string(b)), lowerASCII(string(b)), "%q", b)
			}
		}
	}
}

// TestUnreservedTable: the table holds exactly RFC 3986's unreserved set.
func TestUnreservedTable(t *testing.T) {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	for c := range 256 {
		assert.Equal(t, strings.IndexByte(set, byte(c)) >= 0, unreserved(byte(c)), "byte %#x", c)
	}
}

// TestV3ParamsFromArena: whatever the body's size (in the Identity's own
// buffer or not, within the room reserved before the signature check or
// beyond it), the parameters a V3 Identity holds are url.ParseQuery's of
// the query and the form, and Body is the body sent.
func TestV3ParamsFromArena(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	const query = "RegionId=cn-hangzhou&Name=a+b&Tag=x%2By&Empty="
	for _, size := range []int{0, 1, 200, 255, 256, 257, 511, 512, 600, 5000} {
		var form strings.Builder
		for i := 0; form.Len() < size; i++ {
			fmt.Fprintf(&form, "k%d=v+%%E4%%B8%%AD%d&", i, i)
		}
		body := strings.TrimSuffix(form.String(), "&")
		r := httptest.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?"+query, nil)
		r.Header.Set("content-type", "application/x-www-form-urlencoded")
		require.NoError(t, SignV3(r, []byte(body), aliceKey, t0, "arena-"+strconv.Itoa(size)))
		id, err := v.Verify(r)
		require.NoError(t, err, "body of %d bytes", len(body))
		want, err := url.ParseQuery(query)
		require.NoError(t, err)
		fromForm, err := url.ParseQuery(body)
		require.NoError(t, err)
		for k, vs := range fromForm {
			want[k] = vs
		}
		assert.Equal(t, want, id.Params(), "body of %d bytes", len(body))
		assert.Equal(t, body, string(id.Body))
	}
}
