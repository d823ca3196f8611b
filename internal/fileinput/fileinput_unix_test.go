//go:build unix

package fileinput

import (
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
