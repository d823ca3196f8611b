package store_test

import (
	"errors"
	"testing"

	"github.com/ramauthz/ramauthz/store"
)

func TestEpochRoundTrip(t *testing.T) {
	e := store.NewEpoch()
	if e.IsZero() || e == store.NewEpoch() {
		t.Fatalf("NewEpoch returned %v: zero or repeated", e)
	}
	got, err := store.ParseEpoch(e.String())
	if err != nil || got != e {
		t.Fatalf("ParseEpoch(%q) = %v, %v", e.String(), got, err)
	}
	for _, bad := range []string{"", "00", e.String() + "0", "zz" + e.String()[2:]} {
		if _, err := store.ParseEpoch(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseEpoch(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCloneSharesNothing(t *testing.T) {
	b := store.Batch{Account: "a", Ops: []store.Op{
		{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: []byte("one")},
		{Key: store.Key{Account: "a", Kind: "user", Name: "y"}},
		{Key: store.Key{Account: "a", Kind: "user", Name: "z"}, Value: []byte("three")},
	}}
	c := b.Clone()
	b.Ops[0].Value[0] = 'X'
	b.Ops[2].Key.Name = "changed"
	if string(c.Ops[0].Value) != "one" || c.Ops[2].Key.Name != "z" || !c.Ops[1].IsDelete() || string(c.Ops[2].Value) != "three" {
		t.Fatalf("clone changed with its source: %+v", c.Ops)
	}
	c.Ops[0].Value = append(c.Ops[0].Value, "more"...) // must not run into the next value
	if string(c.Ops[2].Value) != "three" {
		t.Fatalf("appending to one cloned value overwrote another: %q", c.Ops[2].Value)
	}
}

func TestKeyCompare(t *testing.T) {
	keys := []store.Key{{"a", "group", "z"}, {"a", "user", "a"}, {"a", "user", "b"}, {"b", "a", "a"}}
	for i := range keys {
		for j := range keys {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := keys[i].Compare(keys[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", keys[i], keys[j], got, want)
			}
		}
	}
}
