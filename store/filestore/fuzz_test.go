package filestore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// FuzzOpenLog: whatever bytes follow a valid log header, Open never panics; it either refuses
// with a *CorruptError or opens a store whose state is exactly the model of some prefix of the
// records it could read, at a contiguous revision.
func FuzzOpenLog(f *testing.F) {
	fx := newFixture(f, 4)
	log, err := os.ReadFile(fx.logPath())
	if err != nil {
		f.Fatal(err)
	}
	snap, err := os.ReadFile(filepath.Join(fx.dir, snapshotName(1)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(log[logHeaderLen:])
	f.Add(log[logHeaderLen : len(log)-3])
	f.Add([]byte{})
	f.Add(append(log[logHeaderLen:len(log):len(log)], frameMagic...))
	f.Fuzz(func(t *testing.T, tail []byte) {
		dir := scratchDir(t)
		write(t, filepath.Join(dir, snapshotName(1)), snap)
		write(t, filepath.Join(dir, logName(1)), append(log[:logHeaderLen:logHeaderLen], tail...))
		s, err := Open(dir, Options{})
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Open = %v, want success or a *CorruptError", err)
			}
			return
		}
		defer s.Close()
		got, err := s.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// The fixture's records are the only ones with valid CRCs a fuzzer will plausibly
		// produce; any state reached must be one of the fixture's revisions, or a state the
		// feed itself replays to.
		if int(got.Rev) < len(fx.models) && fx.models[got.Rev].Diff(got) == "" {
			return
		}
		m := storetest.NewModel()
		cs, err := s.Changes(context.Background(), 0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if err := m.Apply(c); err != nil {
				t.Fatalf("recovered feed: %v", err)
			}
		}
		if d := m.Diff(got); d != "" {
			t.Fatalf("recovered state differs from its own feed: %s", d)
		}
	})
}
