// Package killtest runs the child processes of the kill -9 tests (store/filestore, directory):
// the running test binary executed again, without running tests, with an environment that
// makes its TestMain act as the child; the child reports on standard output, line by line,
// and the test kills it with SIGKILL. Tests only; not safe for concurrent use.
package killtest

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// CyclesEnv names the number of kill cycles to run: .ci/run sets 200.
const CyclesEnv = "RAMAUTHZ_KILL_CYCLES"

// Cycles returns the number of cycles CyclesEnv asks for, def when it is unset; the test
// fails on a value that is not a positive number.
func Cycles(t testing.TB, def int) int {
	t.Helper()
	v := os.Getenv(CyclesEnv)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", CyclesEnv, v)
	}
	return n
}

// Child is a running child process.
type Child struct {
	// Lines receives the child's standard output line by line, lines it wrote before it
	// died included, and is closed when the output ends.
	Lines  <-chan string
	cmd    *exec.Cmd
	stderr lockedBuffer
}

// lockedBuffer collects standard error, written by exec's copying goroutine while the test
// may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start runs the test binary again, with no tests, and env ("NAME=value") added to the
// environment.
func Start(t testing.TB, env ...string) *Child {
	t.Helper()
	c := &Child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 4096)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	c.Lines = lines
	return c
}

// Pid returns the child's process ID.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Stderr returns what the child has written to standard error so far.
func (c *Child) Stderr() string { return c.stderr.String() }

// Kill sends SIGKILL; the caller then reads Lines to its end and calls Wait.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// Wait waits for the child, whose output has been read to its end, and fails the test unless
// SIGKILL ended it.
func (c *Child) Wait(t testing.TB) {
	t.Helper()
	_ = c.cmd.Wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not SIGKILL: %s", c.cmd.ProcessState, c.stderr.String())
	}
}
