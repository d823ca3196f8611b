// Package fileinput reads the files ramauthz is pointed at (policy
// documents, case files) with bounded time and memory: it refuses what is
// not a regular file (a directory, a named pipe, a device such as
// /dev/zero) before reading anything, and never reads more than one byte
// past the size limit, whatever the file claims or turns into.
package fileinput

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

var (
	// ErrNotRegular: the name is a directory, a named pipe, a socket or a
	// device, not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file holds more bytes than the limit.
	ErrTooLarge = errors.New("file too large")
)

// Read returns the contents of the regular file name, which may hold at
// most limit bytes. It opens the file without blocking (so a named pipe
// with no writer cannot hang it), checks with fstat that it is a regular
// file of at most limit bytes, and reads at most limit+1 bytes in case the
// file grew since.
//
// Errors are *fs.PathError values (Op "open", "stat" or "read") whose Err
// is the operating system's error, or wraps ErrNotRegular or ErrTooLarge.
// Read is safe for concurrent use.
func Read(name string, limit int) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(name, st, limit); err != nil {
		return nil, err
	}
	data, err := readAtMost(f, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(data) > limit {
		return nil, tooLarge(name, limit)
	}
	return data, nil
}

// ReadFS is Read for a file of fsys. An fs.FS cannot open without
// blocking, so ReadFS asks fs.Stat first and opens only a regular file
// (for os.DirFS that is a stat of the path, which never blocks), then
// checks the opened file again and reads at most limit+1 bytes. Errors are
// those of fsys, or *fs.PathError values wrapping ErrNotRegular or
// ErrTooLarge.
func ReadFS(fsys fs.FS, name string, limit int) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := check(name, st, limit); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := check(name, st, limit); err != nil {
		return nil, err
	}
	data, err := readAtMost(f, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(data) > limit {
		return nil, tooLarge(name, limit)
	}
	return data, nil
}

// check refuses a file that is not regular or holds more than limit bytes.
func check(name string, st fs.FileInfo, limit int) error {
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, describe(st.Mode()))}
	}
	if st.Size() > int64(limit) {
		return tooLarge(name, limit)
	}
	return nil
}

// readAtMost reads r to its end or to limit+1 bytes, whichever comes
// first.
func readAtMost(r io.Reader, limit int) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, int64(limit)+1))
}

func tooLarge(name string, limit int) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, limit)}
}

// describe names a file type for people.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
