// Package strhash is the seeded string hash of the library's lookup
// structures (the persistent maps of a directory's state, its session
// caches): a multiply-mix hash reading 8 bytes at a time. For the short
// keys of a directory (16-digit account IDs, names, AccessKeyIds) it costs
// a few nanoseconds, against about ten for maphash.String, and the hot
// decision paths hash two or three keys per decision.
//
// It is not a cryptographic hash. Without the seed an adversary cannot aim
// keys at one slot; the structures using it stay correct whatever the
// collisions (they compare keys), only slower. String does not allocate
// and is safe for concurrent use.
package strhash

import (
	"hash/maphash"
	"math/bits"
)

// The multipliers of the string hash: odd 64-bit constants with well
// spread bits, as used by multiply-mix hashes of the wyhash family.
const (
	mixA = 0xa0761d6478bd642f
	mixB = 0xe7037ed1a0b428db
	mixC = 0x8ebc6af09c88c6e3
)

// Seed selects one hash function of the family. The zero Seed is valid
// but not random: use NewSeed.
type Seed uint64

// NewSeed returns a random seed (from hash/maphash's random source).
func NewSeed() Seed {
	return Seed(maphash.String(maphash.MakeSeed(), "strhash") | 1)
}

// mix folds the 128-bit product of a and b to 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// String returns the hash of s under seed. Equal strings have equal
// hashes under one seed; the 64 bits are spread evenly, low bits included
// (a trie uses them 5 at a time, a slot array by remainder).
func String(seed Seed, s string) uint64 {
	n := len(s)
	h := uint64(seed) ^ mixA ^ uint64(n)*mixC
	for len(s) > 16 {
		h = mix(Load64(s)^mixB, Load64(s[8:])^h)
		s = s[16:]
	}
	var a, b uint64
	switch m := len(s); {
	case m >= 8:
		a, b = Load64(s), Load64(s[m-8:])
	case m >= 4:
		a, b = uint64(le32(s)), uint64(le32(s[m-4:]))
	case m > 0:
		a = uint64(s[0])<<16 | uint64(s[m>>1])<<8 | uint64(s[m-1])
	}
	return mix(mixB^uint64(n), mix(a^mixB, b^h))
}

// Load64 returns the first eight bytes of s, which must be at least eight
// long, as a little-endian number: the compiler makes it one 8-byte load.
// It is the library's one word-at-a-time read of text, shared by this hash,
// the pattern tables of internal/match and the tries of internal/trie. It
// panics (index out of range) when s is shorter than eight bytes.
func Load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// Reduce maps the hash h to an index in [0, n) for n > 0, evenly when h is
// (the high half of h×n: a multiplication instead of a division, which
// costs tens of cycles on the session decision path).
func Reduce(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}
