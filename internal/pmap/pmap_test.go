package pmap

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAgainstBuiltinMap runs random Set/Delete sequences against a Go map
// (the reference) and checks every retained older version is unchanged.
func TestAgainstBuiltinMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var m Map[int]
	ref := map[string]int{}
	type snap struct {
		m   Map[int]
		ref map[string]int
	}
	var snaps []snap
	for i := range 20000 {
		k := "k" + strconv.Itoa(r.IntN(3000))
		if r.IntN(3) == 0 {
			m = m.Delete(k)
			delete(ref, k)
		} else {
			m = m.Set(k, i)
			ref[k] = i
		}
		if i%2000 == 0 {
			c := map[string]int{}
			for k, v := range ref {
				c[k] = v
			}
			snaps = append(snaps, snap{m, c})
		}
	}
	snaps = append(snaps, snap{m, ref})
	for _, s := range snaps {
		if s.m.Len() != len(s.ref) {
			t.Fatalf("Len %d, want %d", s.m.Len(), len(s.ref))
		}
		for k, v := range s.ref {
			if got, ok := s.m.Get(k); !ok || got != v {
				t.Fatalf("Get(%q) = %v, %v; want %v", k, got, ok, v)
			}
		}
		n := 0
		for k, v := range s.m.All {
			if s.ref[k] != v {
				t.Fatalf("All gave %q=%v", k, v)
			}
			n++
		}
		if n != len(s.ref) {
			t.Fatalf("All gave %d keys, want %d", n, len(s.ref))
		}
		for i := range 3000 {
			k := "k" + strconv.Itoa(i)
			_, ok := s.m.Get(k)
			if _, want := s.ref[k]; ok != want {
				t.Fatalf("Get(%q) present=%v", k, ok)
			}
		}
		keys := s.m.Keys()
		for i := 1; i < len(keys); i++ {
			if keys[i-1] >= keys[i] {
				t.Fatal("Keys not sorted")
			}
		}
	}
}

// TestCollisions forces every key into one hash to exercise the collision
// buckets below the last level.
func TestCollisions(t *testing.T) {
	var n *node[int]
	for i := range 50 {
		n, _ = set(n, 0, entry[int]{key: strconv.Itoa(i), hash: 42, val: i})
	}
	for i := range 50 {
		var removed bool
		n, removed = del(n, 0, strconv.Itoa(i), 42)
		if !removed {
			t.Fatal("not removed", i)
		}
		seen := 0
		walk(n, func(string, int) bool { seen++; return true })
		if seen != 49-i {
			t.Fatalf("after %d deletes %d left", i+1, seen)
		}
	}
}

func TestGetNoAllocs(t *testing.T) {
	var m Map[int]
	for i := range 1000 {
		m = m.Set("key-"+strconv.Itoa(i), i)
	}
	k := "key-512"
	if n := testing.AllocsPerRun(100, func() { _, _ = m.Get(k) }); n != 0 {
		t.Fatalf("Get allocates %v", n)
	}
	var empty Map[int]
	if _, ok := empty.Get("x"); ok || empty.Len() != 0 {
		t.Fatal("zero Map not empty")
	}
	if empty.Delete("x").Len() != 0 {
		t.Fatal("delete on zero Map")
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range []int{3, 5000, 100000} {
		var m Map[int]
		for i := range n {
			m = m.Set("user-"+strconv.Itoa(i), i)
		}
		k := "user-" + strconv.Itoa(n/2)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				_, _ = m.Get(k)
			}
		})
	}
}
