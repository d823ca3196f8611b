//go:build unix

package filestore

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/ramauthz/ramauthz/store"
)

// lockDir takes the store's exclusive lock: flock(2) on dir/LOCK, which the kernel releases
// when the process dies (kill -9 included), so a crashed writer never leaves a stale lock. The
// holder's process ID is written into the file for the error message of the next opener.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: lock file %s: %w: %w", path, store.ErrUnavailable, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, PID: atoiOrZero(strings.TrimSpace(string(holder)))}
		}
		return nil, fmt.Errorf("filestore: lock %s: %w: %w", path, store.ErrUnavailable, err)
	}
	// Best effort: the PID only improves the message a second opener gets.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

func atoiOrZero(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
