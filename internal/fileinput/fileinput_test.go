package fileinput

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.json")
	require.NoError(t, os.WriteFile(name, []byte("0123456789"), 0o600))
	data, err := Read(name, 10)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(data))

	_, err = Read(name, 9)
	assert.ErrorIs(t, err, ErrTooLarge)
	var pe *fs.PathError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, name, pe.Path)

	_, err = Read(filepath.Join(dir, "missing"), 10)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// TestReadSparseHuge checks that a 2 GiB file (sparse, so it costs no disk)
// is refused without reading it: the heap grows by far less than the file.
func TestReadSparseHuge(t *testing.T) {
	name := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(name)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(2<<30))
	require.NoError(t, f.Close())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = Read(name, 1<<20)
	runtime.ReadMemStats(&after)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "bytes allocated to refuse a 2 GiB file")
	t.Logf("%d bytes allocated", after.TotalAlloc-before.TotalAlloc)
}

// TestReadStopsAtLimit checks the limit+1 read that guards against a file
// that grows between the size check and the read.
func TestReadStopsAtLimit(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(name, make([]byte, 100), 0o600))
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	// Read the same file as Read does after its size check.
	data, err := readAtMost(f, 10)
	require.NoError(t, err)
	assert.Len(t, data, 11, "reads limit+1 bytes, no more")
}

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"a.json":   {Data: []byte("0123456789")},
		"big.json": {Data: make([]byte, 11)},
		"dir/x":    {Data: []byte("x")},
	}
	data, err := ReadFS(fsys, "a.json", 10)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(data))
	_, err = ReadFS(fsys, "big.json", 10)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = ReadFS(fsys, "dir", 10)
	assert.ErrorIs(t, err, ErrNotRegular)
	_, err = ReadFS(fsys, "missing.json", 10)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
