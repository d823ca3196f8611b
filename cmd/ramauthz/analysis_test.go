package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	sysRO   = "system:AliyunARMSReadOnlyAccess"
	sysFull = "system:AliyunARMSFullAccess"
)

func TestDiff(t *testing.T) {
	code, out, _ := ramauthz("diff", sysRO, sysRO)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Holds")

	code, out, _ = ramauthz("diff", sysRO, sysFull)
	assert.Equal(t, exitFail, code)
	for _, want := range []string{`Statement[0]`, `"arms:z"`, `Statement[3]`, `ram:ServiceName="arms.aliyuncs.com"`, "NEW: Allow, OLD: ImplicitDeny"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "Statement[2]", "xtrace adds nothing")

	// A catalogue gives real action names.
	cat := writeFile(t, "actions.txt", "# ARMS\narms:CreateApp\narms:GetTrace\ncms:Cursor\n")
	code, out, _ = ramauthz("diff", sysRO, sysFull, "--catalogue", cat)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, `"arms:CreateApp"`)

	// A budget too small for the question: Unknown, exit 2.
	code, out, _ = ramauthz("diff", sysRO, sysFull, "--states", "10")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, out, "Unknown: analysis: states budget of 10 exhausted")
}

func TestDiffJSON(t *testing.T) {
	code, out, _ := ramauthz("diff", sysRO, sysFull, "--json")
	require.Equal(t, exitFail, code)
	v := decode(t, out)
	assert.Equal(t, []string{"command", "reasons", "stats", "verdict"}, keys(t, v))
	assert.Equal(t, "Fails", v["verdict"])
	reasons := v["reasons"].([]any)
	require.Len(t, reasons, 5)
	r3 := reasons[2].(map[string]any)
	assert.Equal(t, []string{"effect", "left", "path", "policy", "right", "statement", "witness"}, keys(t, r3))
	assert.Equal(t, "Statement[3]", r3["path"])
	w := r3["witness"].(map[string]any)
	assert.Equal(t, map[string]any{"ram:ServiceName": []any{"arms.aliyuncs.com"}}, w["context"])
	assert.Equal(t, "Allow", r3["left"])
	assert.Equal(t, "ImplicitDeny", r3["right"])

	code, out, _ = ramauthz("diff", sysRO, sysRO, "--json")
	require.Equal(t, exitOK, code)
	v = decode(t, out)
	assert.Equal(t, []any{}, v["reasons"])

	code, out, _ = ramauthz("diff", sysRO, sysFull, "--json", "--decisions", "1")
	require.Equal(t, exitUsage, code)
	v = decode(t, out)
	assert.Equal(t, "Unknown", v["verdict"])
	assert.Contains(t, v["error"], "decisions budget of 1 exhausted")
}

func TestCheckNotGranted(t *testing.T) {
	code, out, _ := ramauthz("check-not-granted", sysRO, "--action", "arms:Create*", "--action", "arms:Delete*", "--action", "arms:Update*", "--resource", "*")
	assert.Equal(t, exitOK, code, out)
	code, out, _ = ramauthz("check-not-granted", sysFull, "--action", "arms:Delete*")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, `action "arms:Deletez"`)
	code, _, errOut := ramauthz("check-not-granted", sysFull)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--action is required")
}

func TestCheckAlwaysAllows(t *testing.T) {
	office := writeFile(t, "office.json", `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":"arms:Get*","Resource":"*"},
 {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`)
	code, out, _ := ramauthz("check-always-allows", office, "--action", "arms:GetTrace")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "Statement[1]")
	code, out, _ = ramauthz("check-always-allows", office, "--action", "arms:GetTrace", "--context", "acs:SourceIp=10.1.2.3")
	assert.Equal(t, exitOK, code, out)
	code, out, _ = ramauthz("check-always-allows", office, "--action", "arms:Get*", "--context", "acs:SourceIp=10.1.2.3", "--json")
	assert.Equal(t, exitOK, code, out)
	assert.Equal(t, "Holds", decode(t, out)["verdict"])
	code, out, _ = ramauthz("check-always-allows", office, "--action", "arms:*", "--context", "acs:SourceIp=10.1.2.3")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "no statement")
}

func TestAnalysisHelpAndUsage(t *testing.T) {
	code, out, _ := ramauthz("help")
	assert.Equal(t, exitOK, code)
	for _, c := range []string{"ramauthz diff OLD NEW", "check-not-granted", "check-always-allows"} {
		assert.Contains(t, out, c)
	}
	for _, c := range []string{"diff", "check-not-granted", "check-always-allows"} {
		code, out, _ := ramauthz("help", c)
		assert.Equal(t, exitOK, code)
		for _, want := range []string{"--catalogue FILE", "--json", `"verdict"`, `"reasons"`, "Exit codes: 0"} {
			assert.Contains(t, out, want, c)
		}
	}
	code, _, errOut := ramauthz("diff", sysRO)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "exactly two policies")
	code, _, errOut = ramauthz("diff", sysRO, "system:NoSuchPolicy")
	assert.Equal(t, exitUsage, code)
	assert.True(t, strings.Contains(errOut, "unknown system policy"), errOut)
	code, _, errOut = ramauthz("diff", sysRO, "/no/such/file.json")
	assert.Equal(t, exitUsage, code)
	assert.NotEmpty(t, errOut)
}

func TestDiffExplicitDeny(t *testing.T) {
	old := writeFile(t, "old.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"},
 {"Sid":"NoDeletes","Effect":"Deny","Action":"arms:Delete*","Resource":"*"}]}`)
	newer := writeFile(t, "new.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:*","Resource":"*"}]}`)
	code, out, _ := ramauthz("diff", old, newer)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, `action "arms:Deletez"`)
	assert.Contains(t, out, `NEW: Allow, OLD: ExplicitDeny (policy "`+old+`" Statement[1] (Sid "NoDeletes"))`)
	code, out, _ = ramauthz("diff", old, newer, "--json")
	assert.Equal(t, exitFail, code)
	r := decode(t, out)["reasons"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"policy": old, "statement": float64(1), "sid": "NoDeletes", "effect": "Deny", "path": "Statement[1]"}, r["denied_by"])
	code, _, _ = ramauthz("diff", newer, old)
	assert.Equal(t, exitOK, code)
}
