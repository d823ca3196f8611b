//go:build !unix

package filestore

import (
	"errors"
	"fmt"
	"os"

	"github.com/ramauthz/ramauthz/store"
)

// lockDir fails: without flock(2) the store cannot guarantee a single writer process.
func lockDir(path string) (*os.File, error) {
	return nil, fmt.Errorf("filestore: %s: no exclusive file lock on this platform: %w: %w", path, store.ErrUnavailable, errors.ErrUnsupported)
}
