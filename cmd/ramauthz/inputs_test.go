package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEvalRejectsMalformedRequest checks issue 11 item 15: an action without
// a service, or a resource that is not an ARN, is a usage error (exit 2),
// not a "denied" answer.
func TestEvalRejectsMalformedRequest(t *testing.T) {
	bad := []struct{ flag, value, msg string }{
		{"--action", "GetTrace", "the service is missing"},
		{"--action", ":GetTrace", "the service is missing"},
		{"--action", "arms:", "the name is missing"},
		{"--action", "arms:Get*", "'*' and '?' are wildcards for policies"},
		{"--action", "arms:Get?race", "'*' and '?' are wildcards for policies"},
		{"--action", "arms:Get Trace", "letters, digits"},
		{"--action", "arms:a:b", "letters, digits"},
		{"--resource", "trace/t1", `a resource is "*" or an ARN`},
		{"--resource", "arn:aws:s3:::bucket", `a resource is "*" or an ARN`},
		{"--resource", "acs:arms", "an ARN is acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID"},
		{"--resource", "acs:arms:cn-hangzhou:1234567890123456", "an ARN is acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID"},
		{"--resource", "acs:arms:cn-hangzhou:1234567890123456:", "an ARN is acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID"},
		{"--resource", "acs::cn-hangzhou:1234567890123456:trace/t1", "an ARN is acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID"},
		{"--resource", "acs:arms:cn:1:t\x01", "control characters"},
		{"--resource", "acs:arms:cn:1:t\xff", "valid UTF-8"},
	}
	for _, tc := range bad {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			args := []string{"eval", "--system", "AliyunARMSFullAccess", "--action", "arms:GetTrace", "--resource", "*"}
			for i, a := range args {
				if a == tc.flag {
					args[i+1] = tc.value
				}
			}
			code, out, errs := ramauthz(args...)
			assert.Equal(t, 2, code, "stdout: %s\nstderr: %s", out, errs)
			assert.Empty(t, out)
			assert.Contains(t, errs, tc.flag+" ")
			assert.Contains(t, errs, tc.msg)
		})
	}
	good := []struct{ action, resource string }{
		{"arms:GetTrace", "*"},
		{"ARMS:get_trace.v2-x", "acs:arms:cn-hangzhou:1234567890123456:trace/t1"},
		{"sts:AssumeRole", "acs:ram::1234567890123456:role/ops"},
		{"oss:GetObject", "acs:oss:*:*:bucket/dir:with:colons"},
	}
	for _, tc := range good {
		code, out, errs := ramauthz("eval", "--system", "AliyunARMSFullAccess", "--action", tc.action, "--resource", tc.resource)
		assert.Contains(t, []int{0, 1}, code, "%s %s: stdout: %s\nstderr: %s", tc.action, tc.resource, out, errs)
		assert.Empty(t, errs)
	}
}

// TestEvalContextTwins checks issue 11 item 8 for the command line: two
// spellings of one key (spec §13 D23) are refused instead of one value
// being dropped while --json lists both.
func TestEvalContextTwins(t *testing.T) {
	const trace = "acs:arms:cn-hangzhou:1234567890123456:trace/t1"
	code, out, errs := ramauthz("eval", "--json", "--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace,
		"--context", "acs:SourceIp=10.1.2.3", "--context", "acs:sourceip=203.0.113.7")
	assert.Equal(t, 2, code, "stdout: %s", out)
	assert.Empty(t, out)
	assert.Contains(t, errs, `--context keys "acs:SourceIp" and "acs:sourceip" are the same key`)

	code, out, errs = ramauthz("eval", "--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace,
		"--context", "oss:prefix=public/", "--context", "oss:Prefix=secret/")
	assert.Equal(t, 2, code, "stdout: %s", out)
	assert.Contains(t, errs, `--context keys "oss:prefix" and "oss:Prefix" are the same key`, "every key, not only acs: ones")

	// One spelling repeated is a multi-valued key; tag keys after '/' keep
	// their case, so these are two keys.
	code, out, errs = ramauthz("eval", "--json", "--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace,
		"--context", "acs:SourceIp=10.1.2.3", "--context", "acs:SourceIp=10.1.2.4",
		"--context", "acs:ResourceTag/Env=a", "--context", "acs:ResourceTag/env=b")
	assert.Equal(t, 0, code, "stderr: %s", errs)
	ctx := decode(t, out)["request"].(map[string]any)["context"]
	assert.Equal(t, map[string]any{
		"acs:SourceIp":        []any{"10.1.2.3", "10.1.2.4"},
		"acs:ResourceTag/Env": []any{"a"},
		"acs:ResourceTag/env": []any{"b"},
	}, ctx)
}

// nonRegularInputs returns a FIFO with no writer, /dev/zero and a
// directory: inputs that are not files to read.
func nonRegularInputs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	return map[string]string{
		fifo:        "not a regular file (a named pipe)",
		"/dev/zero": "not a regular file (a character device)",
		dir:         "not a regular file (a directory)",
	}
}

// noHang runs fn and fails the test if it has not returned after a
// generous while (a blocking open of a FIFO would never return).
func noHang(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not return: it blocks on its input")
	}
}

// TestInputsNotRegular checks issue 11 item 9: validate, eval and test
// refuse a FIFO, /dev/zero and a directory given as a file, at once.
func TestInputsNotRegular(t *testing.T) {
	for name, msg := range nonRegularInputs(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			noHang(t, func() {
				code, out, _ := ramauthz("validate", name)
				assert.Equal(t, 1, code)
				assert.Equal(t, []string{name + ": read: " + msg}, lines(out))

				code, out, errs := ramauthz("eval", "--policy", name, "--action", "a:b", "--resource", "*")
				assert.Equal(t, 2, code)
				assert.Empty(t, out)
				assert.Equal(t, "ramauthz eval: "+name+": read: "+msg+"\n", errs)

				if !strings.HasSuffix(msg, "(a directory)") { // a DIR is a folder of case files
					code, out, _ = ramauthz("test", name)
					assert.Equal(t, 1, code)
					assert.Equal(t, []string{"FAIL " + name + ": read: " + msg, "0 passed, 1 failed"}, lines(out))
				}
			})
		})
	}
}

// TestInputsTooLarge checks that a 2 GiB file (sparse: it costs no disk)
// is refused by its size, with memory that does not grow with the file.
func TestInputsTooLarge(t *testing.T) {
	name := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(name)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(2<<30))
	require.NoError(t, f.Close())

	runs := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validate", name}, 1, name + ": read: file too large: the limit is 1048576 bytes\n"},
		{[]string{"eval", "--policy", name, "--action", "a:b", "--resource", "*"}, 2, "ramauthz eval: " + name + ": read: file too large: the limit is 1048576 bytes\n"},
		{[]string{"test", name}, 1, "FAIL " + name + ": read: file too large: the limit is 16777216 bytes\n0 passed, 1 failed\n"},
	}
	for _, r := range runs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code, out, errs := ramauthz(r.args...)
		runtime.ReadMemStats(&after)
		assert.Equal(t, r.code, code)
		assert.Equal(t, r.want, out+errs)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "%s: bytes allocated to refuse a 2 GiB file", r.args[0])
		t.Logf("%s: %d bytes allocated", r.args[0], after.TotalAlloc-before.TotalAlloc)
	}
}

// TestTestFindsNoCases checks issue 11 item 15: a run that checks nothing
// fails instead of reporting "0 passed, 0 failed".
func TestTestFindsNoCases(t *testing.T) {
	empty := t.TempDir()
	code, out, _ := ramauthz("test", empty)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"FAIL " + empty + ": no case files (*.json) in this directory", "0 passed, 1 failed"}, lines(out))

	none := writeFile(t, "none.json", "[]")
	code, out, _ = ramauthz("test", none)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"FAIL " + none + ": no cases in the given files", "0 passed, 1 failed"}, lines(out))

	code, out, _ = ramauthz("test", "--json", empty)
	assert.Equal(t, 1, code)
	v := decode(t, out)
	assert.Equal(t, 1.0, v["failed"])
	assert.Equal(t, []any{map[string]any{"file": empty, "message": "no case files (*.json) in this directory"}}, v["errors"])

	// An empty directory beside a good file still fails the run.
	code, out, _ = ramauthz("test", casesPass, empty)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"FAIL " + empty + ": no case files (*.json) in this directory", "4 passed, 1 failed"}, lines(out))
}

// TestTestBadCaseKeepsOthers checks issue 11 items 8 and 15: a case with a
// hidden twin member ("requeſt", U+017F, beside "request") fails on its own
// with FILE:LINE:COL, and the other cases of its file still run.
func TestTestBadCaseKeepsOthers(t *testing.T) {
	const pol = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:Delete*","Resource":"*"},{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`
	file := writeFile(t, "mixed.json", `[
 {"name": "deny-delete", "policies": [`+pol+`], "request": {"action": "oss:DeleteObject", "resource": "*"}, "expect": "ExplicitDeny"},
 {"name": "hidden-twin", "policies": [`+pol+`], "request": {"action": "oss:DeleteObject", "resource": "*"},
  "requeſt": {"action": "oss:GetObject", "resource": "*"}, "expect": "Allow"},
 {"name": "context-twins", "policies": [`+pol+`], "request": {"action": "oss:GetObject", "resource": "*",
  "context": {"acs:SourceIp": "10.0.0.1", "ACS:SOURCEIP": "203.0.113.7"}}, "expect": "Allow"},
 {"name": "allow-get", "policies": [`+pol+`], "request": {"action": "oss:GetObject", "resource": "*"}, "expect": "Allow"}
]`)
	code, out, _ := ramauthz("test", "--verbose", file)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{
		"PASS " + file + ": deny-delete",
		"FAIL " + file + `:4:3: case 1 ("hidden-twin"): ["requeſt"]: duplicate member name: member "requeſt" repeats "request" (the names are equal when case is ignored, so readers disagree on which one counts)`,
		"FAIL " + file + `:6:43: case 2 ("context-twins"): request.context["ACS:SOURCEIP"]: duplicate member name: context key "ACS:SOURCEIP" is the same key as "acs:SourceIp" (key names ignore case before the first '/')`,
		"PASS " + file + ": allow-get",
		"2 passed, 2 failed",
	}, lines(out))
}
