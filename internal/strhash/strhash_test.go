package strhash

import (
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestStringDeterministic: equal strings hash equally under one seed,
// however they were built (the hash reads bytes, not pointers), and a
// one-byte change anywhere in keys of every length up to 40 bytes changes
// the hash.
func TestStringDeterministic(t *testing.T) {
	seed := NewSeed()
	for n := 0; n <= 40; n++ {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte('a' + i%26)
		}
		s := string(buf)
		if String(seed, s) != String(seed, string([]byte(s))) {
			t.Fatalf("len %d: equal strings hash differently", n)
		}
		for i := range buf {
			c := []byte(s)
			c[i] ^= 1
			if String(seed, string(c)) == String(seed, s) {
				t.Errorf("len %d: flipping a bit of byte %d does not change the hash", n, i)
			}
		}
	}
}

// TestStringSeeded: another seed gives another hash of the same key.
func TestStringSeeded(t *testing.T) {
	a, b := NewSeed(), NewSeed()
	if a == b {
		t.Fatal("two seeds are equal")
	}
	same := 0
	for i := range 1000 {
		k := "user-" + strconv.Itoa(i)
		if String(a, k) == String(b, k) {
			same++
		}
	}
	if same != 0 {
		t.Fatalf("%d of 1000 keys hash alike under two seeds", same)
	}
}

// TestStringSpread: the keys a directory holds (16-digit account IDs,
// short sequential names, long ARNs) have no 64-bit collisions, and every
// 5-bit digit the trie uses (the first three levels) spreads them evenly
// over its 32 slots (each slot within 25% of the mean for 64,000 keys).
func TestStringSpread(t *testing.T) {
	seed := NewSeed()
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []string
	for i := range 16000 {
		keys = append(keys, strconv.FormatUint(1000000000000000+rng.Uint64N(9000000000000000), 10))
		keys = append(keys, "u"+strconv.Itoa(i))
		keys = append(keys, "acs:ram::1234567890123456:user/team-"+strconv.Itoa(i))
		keys = append(keys, strconv.Itoa(i))
	}
	seen := map[uint64]string{}
	var slots [3][32]int
	for _, k := range keys {
		h := String(seed, k)
		if o, ok := seen[h]; ok && o != k {
			t.Fatalf("%q and %q collide", o, k)
		}
		seen[h] = k
		for lvl := range slots {
			slots[lvl][(h>>(5*lvl))&31]++
		}
	}
	mean := float64(len(keys)) / 32
	for lvl := range slots {
		for slot, c := range slots[lvl] {
			if f := float64(c) / mean; f < 0.75 || f > 1.25 {
				t.Errorf("level %d slot %d holds %d keys (mean %.0f)", lvl, slot, c, mean)
			}
		}
	}
}

var sinkHash uint64

// BenchmarkString compares String with maphash.String on the keys
// a decision looks up: an account ID and a user name.
func BenchmarkString(b *testing.B) {
	keys := []string{"1234567890123456", "alice"}
	b.Run("strhash", func(b *testing.B) {
		seed := NewSeed()
		for b.Loop() {
			sinkHash += String(seed, keys[0]) + String(seed, keys[1])
		}
	})
	b.Run("maphash", func(b *testing.B) {
		seed := maphash.MakeSeed()
		for b.Loop() {
			sinkHash += maphash.String(seed, keys[0]) + maphash.String(seed, keys[1])
		}
	})
}

// TestReduce: every index is in range and, for hashes of distinct keys,
// each of n slots receives its share (within 35% of the mean of 400: 7 standard deviations, so the test does not flake).
func TestReduce(t *testing.T) {
	seed := NewSeed()
	for _, n := range []int{1, 2, 7, 1024, 1000} {
		counts := make([]int, n)
		keys := 400 * n
		for i := range keys {
			j := Reduce(String(seed, "STS.key"+strconv.Itoa(i)), n)
			if j < 0 || j >= n {
				t.Fatalf("Reduce(_, %d) = %d", n, j)
			}
			counts[j]++
		}
		for j, c := range counts {
			if c < 260 || c > 540 { // 7 standard deviations
				t.Errorf("n=%d: slot %d holds %d of %d keys", n, j, c, keys)
			}
		}
	}
	if Reduce(^uint64(0), 5) != 4 || Reduce(0, 5) != 0 {
		t.Error("Reduce misses the ends of the range")
	}
}

// TestLoad64 checks the word read against encoding/binary's little-endian
// decoding, at every offset of a text with every byte value, and that only
// the first eight bytes count.
func TestLoad64(t *testing.T) {
	var text [264]byte
	for i := range text {
		text[i] = byte(i * 7)
	}
	for i := 0; i+8 <= len(text); i++ {
		s := string(text[i:])
		if got, want := Load64(s), binary.LittleEndian.Uint64(text[i:]); got != want {
			t.Fatalf("Load64(text[%d:]) = %#x, want %#x", i, got, want)
		}
		if Load64(s) != Load64(s[:8]) {
			t.Fatalf("Load64 reads past eight bytes at %d", i)
		}
	}
}
