package directory

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestDirectoryIsCollected: a directory nobody references any more is
// collected with its state, whether from New or closed after Open, once it
// has compiled (interned) policy sets. A service that reopens its
// directory must not keep every earlier one.
func TestDirectoryIsCollected(t *testing.T) {
	for _, opened := range []bool{false, true} {
		wp := func() weak.Pointer[Directory] {
			var d *Directory
			if opened {
				ms := memstore.New()
				var err error
				if d, err = Open(context.Background(), ms, Options{KeyEncryptionKey: testKEK}); err != nil {
					t.Fatal(err)
				}
				f := &fixture{d: d}
				must(d.CreateAccount(uidA))
				alice := f.user(t, uidA, "alice", benchCustom)
				if res, err := d.Authorize(alice, req("oss:GetObject", "acs:oss:*:"+uidA+":b/public/k")); err != nil || !res.Allowed() {
					t.Fatalf("want Allow, got %v %v", res, err)
				}
				_ = d.Close()
				_ = ms.Close()
			} else {
				f := newFixture(t)
				alice := f.user(t, uidA, "alice", benchCustom)
				if res, err := f.d.Authorize(alice, req("oss:GetObject", "acs:oss:*:"+uidA+":b/public/k")); err != nil || !res.Allowed() {
					t.Fatalf("want Allow, got %v %v", res, err)
				}
				d = f.d
			}
			return weak.Make(d)
		}()
		deadline := time.Now().Add(5 * time.Second)
		for wp.Value() != nil && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if wp.Value() != nil {
			t.Errorf("opened=%v: the directory is still reachable after it was dropped", opened)
		}
	}
}
