package filestore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

func mustOpen(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Backend { return mustOpen(t, filepath.Join(t.TempDir(), "store")) },
		Reopen: func(t *testing.T, b store.Backend) store.Backend {
			s := b.(*Store)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return mustOpen(t, s.Dir())
		},
	})
}

func TestSecondOpenerLocked(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	_, err := Open(dir, Options{})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, store.ErrLocked) || le.PID != os.Getpid() {
		t.Fatalf("second Open = %v, want *LockedError naming pid %d", err, os.Getpid())
	}
	s.Close()
	s2 := mustOpen(t, dir) // the lock is released by Close
	s2.Close()
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	s := mustOpen(t, dir)
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Fatalf("new store holds %d files, want LOCK, log and snapshot", len(ents))
	}
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
}
