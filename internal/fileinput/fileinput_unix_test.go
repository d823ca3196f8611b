//go:build unix

package fileinput

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir, 1<<20)
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "a directory")

	_, err = Read("/dev/zero", 1<<20)
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "a character device")

	// A FIFO with no writer: opening it blocking would hang forever.
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, err = Read(fifo, 1<<20)
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "a named pipe")
}

func TestReadFSRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	fsys := os.DirFS(dir)
	_, err := ReadFS(fsys, "fifo", 1<<20) // a blocking open would hang here
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "a named pipe")
	_, err = ReadFS(os.DirFS("/dev"), "zero", 1<<20)
	assert.ErrorIs(t, err, ErrNotRegular)
	_, err = ReadFS(os.DirFS("/"), "tmp", 1<<20)
	assert.ErrorIs(t, err, ErrNotRegular)
}
