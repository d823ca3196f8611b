package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

func TestDecodeDiagnostic(t *testing.T) {
	const acct = "1234567890123456"
	key, err := apierror.NewDiagnosticKey()
	require.NoError(t, err)
	keyFile := writeFile(t, "key", key.Hex()+"\n")
	x := evaluator.Explanation{Decision: evaluator.ExplicitDeny, Matched: []evaluator.Match{
		{PolicyID: "ProtectProduction", Path: "Statement[0]", Sid: "NoProdDelete", Effect: policy.Deny}}}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	msg, err := apierror.Seal(key, acct, apierror.NewDiagnostic("acs:ram::"+acct+":user/operator",
		"arms:DeleteTraceApp", "acs:arms:cn-hangzhou:"+acct+":armsapp/prod-shop", x, at))
	require.NoError(t, err)

	var out, errOut bytes.Buffer
	code := run([]string{"decode-diagnostic", "--key-file", keyFile, "--account", acct, msg}, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	assert.Equal(t, "principal: acs:ram::"+acct+":user/operator\n"+
		"action: arms:DeleteTraceApp\n"+
		"resource: acs:arms:cn-hangzhou:"+acct+":armsapp/prod-shop\n"+
		"decision: ExplicitDeny\n"+
		"time: 2026-03-02T10:00:00Z\n"+
		"statement: Deny policy ProtectProduction Statement[0] (Sid NoProdDelete)\n", out.String())

	out.Reset()
	code = run([]string{"decode-diagnostic", "--json", "--key-file", keyFile, "--account", acct, msg}, &out, &errOut)
	require.Equal(t, exitOK, code)
	var d apierror.Diagnostic
	require.NoError(t, json.Unmarshal(out.Bytes(), &d))
	assert.Equal(t, "ExplicitDeny", d.Decision)

	// Sealed for another account, another key, or altered: exit 1.
	other, _ := apierror.NewDiagnosticKey()
	otherFile := writeFile(t, "other", other.Hex())
	for name, args := range map[string][]string{
		"account": {"--key-file", keyFile, "--account", "6543210987654321", msg},
		"key":     {"--key-file", otherFile, "--account", acct, msg},
		"altered": {"--key-file", keyFile, "--account", acct, msg[:len(msg)-4] + "AAA="},
	} {
		out.Reset()
		errOut.Reset()
		code = run(append([]string{"decode-diagnostic"}, args...), &out, &errOut)
		assert.Equal(t, exitFail, code, name)
		assert.Empty(t, out.String(), name)
		assert.Contains(t, errOut.String(), "does not open", name)
	}
	// Usage errors: exit 2.
	bad := writeFile(t, "bad", "not hex")
	for name, args := range map[string][]string{
		"no key":      {"--account", acct, msg},
		"no message":  {"--key-file", keyFile, "--account", acct},
		"bad key":     {"--key-file", bad, "--account", acct, msg},
		"missing key": {"--key-file", keyFile + ".nope", "--account", acct, msg},
	} {
		code = run(append([]string{"decode-diagnostic"}, args...), &out, &errOut)
		assert.Equal(t, exitUsage, code, name)
	}
	out.Reset()
	require.Equal(t, exitOK, run([]string{"help", "decode-diagnostic"}, &out, &errOut))
	assert.Contains(t, out.String(), "--key-file FILE")
}

// TestDecodeDiagnosticHostileInputs: the resource in a diagnostic comes
// from what the refused caller sent (a request path), and was printed raw
// to the administrator's terminal, escape sequences included; a key file
// of /dev/zero was read without bound, a FIFO hung, and standard input had
// no bound either.
func TestDecodeDiagnosticHostileInputs(t *testing.T) {
	const acct = "1234567890123456"
	key, err := apierror.NewDiagnosticKey()
	require.NoError(t, err)
	keyFile := writeFile(t, "key", key.Hex())
	x := evaluator.Explanation{Decision: evaluator.ImplicitDeny}
	evil := "acs:arms:cn-hangzhou:" + acct + ":armsapp/x\x1b]0;pwned\x07\x1b[2J"
	msg, err := apierror.Seal(key, acct, apierror.NewDiagnostic("acs:ram::"+acct+":user/mallory", "arms:GetTrace", evil, x, time.Unix(0, 0)))
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run([]string{"decode-diagnostic", "--key-file", keyFile, "--account", acct, msg}, &out, &errOut), errOut.String())
	assert.NotContains(t, out.String(), "\x1b")
	assert.NotContains(t, out.String(), "\x07")
	assert.Contains(t, out.String(), "resource: "+strconv.Quote(evil)+"\n")

	// Standard input is bounded and still works.
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(msg + "\n")
	out.Reset()
	assert.Equal(t, exitOK, run([]string{"decode-diagnostic", "--key-file", keyFile, "--account", acct, "-"}, &out, &errOut))
	stdin = io.LimitReader(zeros{}, 1<<30)
	assert.Equal(t, exitUsage, run([]string{"decode-diagnostic", "--key-file", keyFile, "--account", acct, "-"}, &out, &errOut))

	// Key files: too long, not regular.
	long := writeFile(t, "long", key.Hex()+strings.Repeat(" ", 8<<10))
	for name, file := range map[string]string{"long": long, "directory": t.TempDir(), "device": "/dev/zero"} {
		errOut.Reset()
		assert.Equal(t, exitUsage, run([]string{"decode-diagnostic", "--key-file", file, "--account", acct, msg}, &out, &errOut), name)
		assert.NotEmpty(t, errOut.String(), name)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
