package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	cliData     = "../../testdata/cli/"
	officeOnly  = cliData + "policies/office-only.json"
	dupEffect   = cliData + "policies/duplicate-effect.json"
	brokenJSON  = cliData + "policies/broken-syntax.json"
	trustPolicy = cliData + "policies/trust-cross-account.json"
	casesPass   = cliData + "cases/pass.json"
	casesFail   = cliData + "cases/fail.json"
	casesBad    = cliData + "cases/malformed.json"
	casesRoles  = cliData + "cases/roles.json"
)

// ramauthz runs the command in-process.
func ramauthz(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func lines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// keys returns the sorted member names of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "want a JSON object, got %T", v)
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &v), "output: %s", s)
	return v
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestHelp(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   []string
		noStdout bool
	}{
		{name: "help", args: []string{"help"}, stdout: []string{"Usage:", "ramauthz validate", "ramauthz eval", "ramauthz test", "Exit codes:", "2  usage error"}},
		{name: "dash-h", args: []string{"-h"}, stdout: []string{"Usage:", "Exit codes:"}},
		{name: "double-dash-help", args: []string{"--help"}, stdout: []string{"Usage:"}},
		{name: "help-validate", args: []string{"help", "validate"}, stdout: []string{"FILE:LINE:COL: JSON.PATH: message", "--kind KIND", "--lenient", `"problem"`}},
		{name: "help-eval", args: []string{"help", "eval"}, stdout: []string{"--policy FILE", "--system NAME", "--context KEY=VALUE", "--principal ID", "--explain", `"near_misses"`}},
		{name: "help-test", args: []string{"help", "test"}, stdout: []string{"N passed, M failed", "assume_role", "session", "invalid", "--verbose", `"errors"`}},
		{name: "subcommand-h", args: []string{"validate", "-h"}, stdout: []string{"Usage: ramauthz validate"}},
		{name: "subcommand-help-flag", args: []string{"eval", "--help"}, stdout: []string{"Usage: ramauthz eval"}},
		{name: "help-unknown", args: []string{"help", "frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}, noStdout: true},
		{name: "help-two-commands", args: []string{"help", "eval", "test"}, code: 2, stderr: []string{"at most one command"}, noStdout: true},
		{name: "no-arguments", args: nil, code: 2, stderr: []string{"Usage:"}, noStdout: true},
		{name: "unknown-command", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`, "Usage:"}, noStdout: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := ramauthz(tc.args...)
			assert.Equal(t, tc.code, code)
			for _, s := range tc.stdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tc.stderr {
				assert.Contains(t, errs, s)
			}
			if tc.noStdout {
				assert.Empty(t, out)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	lenientDoc := writeFile(t, "single.json", `{"Version":"1","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	bigSession := writeFile(t, "big-session.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:`+strings.Repeat("a", 2100)+`"}]}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // exact lines; nil means no output
		stderr string   // substring
	}{
		{name: "valid", args: []string{officeOnly}},
		{name: "duplicate-effect", args: []string{dupEffect}, code: 1,
			stdout: []string{dupEffect + `:8:7: Statement[0].Effect: duplicate member name: member "Effect" appears more than once`}},
		{name: "broken-syntax", args: []string{brokenJSON}, code: 1,
			stdout: []string{brokenJSON + ":4:68: invalid JSON: input is not valid JSON"}},
		{name: "one-line-per-invalid-file", args: []string{dupEffect, officeOnly, brokenJSON}, code: 1,
			stdout: []string{
				dupEffect + `:8:7: Statement[0].Effect: duplicate member name: member "Effect" appears more than once`,
				brokenJSON + ":4:68: invalid JSON: input is not valid JSON",
			}},
		{name: "trust-as-identity", args: []string{trustPolicy}, code: 1,
			stdout: []string{trustPolicy + ":4:5: Statement[0].Resource: missing element: a statement of an identity policy needs Resource or NotResource"}},
		{name: "trust-kind", args: []string{"--kind", "trust", trustPolicy}},
		{name: "identity-as-trust", args: []string{"--kind=trust", officeOnly}, code: 1,
			stdout: []string{officeOnly + ":4:5: Statement[0].Principal: missing element: a statement of a trust policy needs a Principal"}},
		{name: "flags-after-files", args: []string{trustPolicy, "--kind", "trust"}},
		{name: "single-dash-flag", args: []string{"-kind", "trust", trustPolicy}},
		{name: "double-dash-ends-flags", args: []string{"--", officeOnly}},
		{name: "statement-object-strict", args: []string{lenientDoc}, code: 1,
			stdout: []string{lenientDoc + ":1:28: Statement: invalid value: Statement must be a list of statements (a single object is accepted only in lenient mode)"}},
		{name: "statement-object-lenient", args: []string{"--lenient", lenientDoc}},
		{name: "session-size-limit", args: []string{"--kind", "session", bigSession}, code: 1,
			stdout: []string{bigSession + ": limit exceeded: document is 2187 characters when minified; the limit for session policies is 2048"}},
		{name: "identity-size-ok", args: []string{bigSession}},
		{name: "missing-file", args: []string{cliData + "nope.json"}, code: 1,
			stdout: []string{cliData + "nope.json: open: no such file or directory"}},
		{name: "no-files", args: nil, code: 2, stderr: "no FILE given"},
		{name: "unknown-kind", args: []string{"--kind", "bucket", officeOnly}, code: 2, stderr: `unknown --kind "bucket"`},
		{name: "unknown-flag", args: []string{"--strict", officeOnly}, code: 2, stderr: "flag provided but not defined: -strict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := ramauthz(append([]string{"validate"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errs)
			if tc.stdout == nil {
				assert.Empty(t, out)
			} else {
				assert.Equal(t, tc.stdout, lines(out))
			}
			if tc.stderr == "" {
				assert.Empty(t, errs)
			} else {
				assert.Contains(t, errs, tc.stderr)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	missing := cliData + "nope.json"
	code, out, errs := ramauthz("validate", "--json", officeOnly, dupEffect, missing)
	assert.Equal(t, 1, code)
	assert.Empty(t, errs)
	v := decode(t, out)
	assert.Equal(t, []string{"files", "valid"}, keys(t, v))
	assert.Equal(t, false, v["valid"])
	files := v["files"].([]any)
	require.Len(t, files, 3)

	assert.Equal(t, map[string]any{"file": officeOnly, "kind": "identity", "valid": true}, files[0])
	assert.Equal(t, map[string]any{
		"file": dupEffect, "kind": "identity", "valid": false,
		"problem": map[string]any{
			"line": 8.0, "column": 7.0, "offset": 121.0, "path": "Statement[0].Effect",
			"error": "ErrDuplicateKey", "message": `duplicate member name: member "Effect" appears more than once`,
		},
	}, files[1])
	assert.Equal(t, map[string]any{
		"file": missing, "kind": "identity", "valid": false,
		"problem": map[string]any{
			"line": 0.0, "column": 0.0, "offset": -1.0, "path": "",
			"error": "ErrRead", "message": "open: no such file or directory",
		},
	}, files[2])

	t.Run("all-valid", func(t *testing.T) {
		code, out, _ := ramauthz("validate", "--json", "--kind", "trust", trustPolicy)
		assert.Equal(t, 0, code)
		assert.Equal(t, map[string]any{
			"valid": true,
			"files": []any{map[string]any{"file": trustPolicy, "kind": "trust", "valid": true}},
		}, decode(t, out))
	})
}

func TestEval(t *testing.T) {
	const (
		trace    = "acs:arms:cn-hangzhou:1234567890123456:trace/t1"
		otherAcc = "acs:arms:cn-hangzhou:6543210987654321:trace/t1"
	)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // exact lines
		stderr string
	}{
		{name: "allow", args: []string{"--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace, "--context", "acs:SourceIp=10.1.2.3"},
			stdout: []string{"Allow"}},
		{name: "action-case-folded", args: []string{"--policy", officeOnly, "--action", "ARMS:gettrace", "--resource", trace, "--context", "acs:SourceIp=10.1.2.3"},
			stdout: []string{"Allow"}},
		{name: "explicit-deny-outside-office", args: []string{"--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace, "--context", "acs:SourceIp=203.0.113.7"},
			code: 1, stdout: []string{"ExplicitDeny"}},
		{name: "explicit-deny-without-source-ip", args: []string{"--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace},
			code: 1, stdout: []string{"ExplicitDeny"}},
		{name: "implicit-deny-other-account", args: []string{"--policy", officeOnly, "--action", "arms:GetTrace", "--resource", otherAcc, "--context", "acs:SourceIp=10.1.2.3"},
			code: 1, stdout: []string{"ImplicitDeny"}},
		{name: "explain", args: []string{"--policy", officeOnly, "--action", "arms:GetTrace", "--resource", trace, "--context", "acs:SourceIp=10.1.2.3", "--explain"},
			stdout: []string{
				"Allow",
				`  applied: Allow policy "` + officeOnly + `" Statement[0] (Sid "ReadDashboards")`,
				`  near miss: Deny policy "` + officeOnly + `" Statement[1] (Sid "OfficeOnly"): NotIpAddress "acs:SourceIp": value "10.1.2.3" matches one of ["10.0.0.0/8", "192.168.0.0/16"]`,
			}},
		{name: "explain-unknown-value", args: []string{"--policy", officeOnly, "--action", "arms:ListDashboards", "--resource", trace, "--context", "acs:SourceIp=abc", "--explain"},
			code: 1, stdout: []string{
				"ExplicitDeny",
				`  applied: Allow policy "` + officeOnly + `" Statement[0] (Sid "ReadDashboards")`,
				`  applied: Deny policy "` + officeOnly + `" Statement[1] (Sid "OfficeOnly")`,
			}},
		{name: "system-readonly-allows-get", args: []string{"--system", "AliyunARMSReadOnlyAccess", "--action", "arms:GetTrace", "--resource", trace},
			stdout: []string{"Allow"}},
		{name: "system-readonly-no-xtrace-search", args: []string{"--system", "AliyunARMSReadOnlyAccess", "--action", "xtrace:SearchTrace", "--resource", "*"},
			code: 1, stdout: []string{"ImplicitDeny"}},
		{name: "system-and-policy-combined", args: []string{"--system", "AliyunARMSFullAccess", "--policy", officeOnly, "--action", "arms:DeleteApp", "--resource", trace, "--context", "acs:SourceIp=8.8.8.8"},
			code: 1, stdout: []string{"ExplicitDeny"}},
		{name: "positional-policy-files", args: []string{"--action", "arms:DeleteApp", "--resource", trace, "--context", "acs:SourceIp=10.0.0.1", "--policy", officeOnly, trustPolicy},
			code: 1, stdout: []string{"ImplicitDeny"}},
		{name: "multi-valued-context", args: []string{"--policy", writeFile(t, "tags.json", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"acs:TagKeys":"team"}}}]}`),
			"--action", "ecs:TagResources", "--resource", "*", "--context", "acs:TagKeys=env", "--context", "acs:TagKeys=team"},
			stdout: []string{"Allow"}},
		{name: "trust-policy-with-principal", args: []string{"--policy", trustPolicy, "--action", "sts:AssumeRole", "--resource", "acs:ram::1234567890123456:role/ops",
			"--principal", "acs:ram::6543210987654321:user/alice"},
			stdout: []string{"Allow"}},
		{name: "trust-policy-session-principal", args: []string{"--policy", trustPolicy, "--action", "sts:AssumeRole", "--resource", "acs:ram::1234567890123456:role/ops",
			"--principal", "acs:ram::6543210987654321:role/deployer/build-42"},
			stdout: []string{"Allow"}},
		{name: "trust-policy-other-account", args: []string{"--policy", trustPolicy, "--action", "sts:AssumeRole", "--resource", "acs:ram::1234567890123456:role/ops",
			"--principal", "acs:ram::1111222233334444:user/alice"},
			code: 1, stdout: []string{"ImplicitDeny"}},
		{name: "trust-policy-no-principal", args: []string{"--policy", trustPolicy, "--action", "sts:AssumeRole", "--resource", "acs:ram::1234567890123456:role/ops"},
			code: 1, stdout: []string{"ImplicitDeny"}},
		{name: "no-policy", args: []string{"--action", "a:b", "--resource", "*"}, code: 2, stderr: "give at least one --policy FILE or --system NAME"},
		{name: "no-action", args: []string{"--policy", officeOnly, "--resource", "*"}, code: 2, stderr: "--action is required"},
		{name: "no-resource", args: []string{"--policy", officeOnly, "--action", "a:b"}, code: 2, stderr: "--resource is required"},
		{name: "bad-context", args: []string{"--policy", officeOnly, "--action", "a:b", "--resource", "*", "--context", "acs:SourceIp"}, code: 2, stderr: `--context wants KEY=VALUE; got "acs:SourceIp"`},
		{name: "bad-principal", args: []string{"--policy", officeOnly, "--action", "a:b", "--resource", "*", "--principal", "acs:ram::12:user/x"}, code: 2, stderr: "--principal:"},
		{name: "group-principal", args: []string{"--policy", officeOnly, "--action", "a:b", "--resource", "*", "--principal", "acs:ram::1234567890123456:group/devs"}, code: 2, stderr: "a group cannot make requests"},
		{name: "unknown-system", args: []string{"--system", "AliyunECSFullAccess", "--action", "a:b", "--resource", "*"}, code: 2, stderr: `unknown system policy "AliyunECSFullAccess" (shipped: AliyunARMSFullAccess, AliyunARMSReadOnlyAccess, AliyunSTSAssumeRoleAccess)`},
		{name: "invalid-policy", args: []string{"--policy", dupEffect, "--action", "a:b", "--resource", "*"}, code: 2, stderr: dupEffect + `:8:7: Statement[0].Effect: duplicate member name`},
		{name: "unreadable-policy", args: []string{"--policy", cliData + "nope.json", "--action", "a:b", "--resource", "*"}, code: 2, stderr: "nope.json: open: no such file or directory"},
		{name: "unknown-flag", args: []string{"--policy", officeOnly, "--verbose"}, code: 2, stderr: "flag provided but not defined: -verbose"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := ramauthz(append([]string{"eval"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", out, errs)
			if tc.stdout == nil {
				assert.Empty(t, out)
			} else {
				assert.Equal(t, tc.stdout, lines(out))
			}
			if tc.stderr == "" {
				assert.Empty(t, errs)
			} else {
				assert.Contains(t, errs, tc.stderr)
			}
		})
	}
}

func TestEvalJSON(t *testing.T) {
	const trace = "acs:arms:cn-hangzhou:1234567890123456:trace/t1"
	t.Run("plain", func(t *testing.T) {
		code, out, _ := ramauthz("eval", "--json", "--system", "AliyunARMSReadOnlyAccess", "--action", "arms:GetTrace", "--resource", trace)
		assert.Equal(t, 0, code)
		assert.Equal(t, map[string]any{
			"decision": "Allow",
			"request":  map[string]any{"action": "arms:GetTrace", "resource": trace},
		}, decode(t, out))
	})
	t.Run("explain-with-context-and-principal", func(t *testing.T) {
		code, out, _ := ramauthz("eval", "--json", "--explain", "--policy", officeOnly,
			"--action", "arms:GetTrace", "--resource", trace,
			"--context", "acs:SourceIp=10.1.2.3", "--principal", "acs:ram::1234567890123456:user/alice")
		assert.Equal(t, 0, code)
		assert.Equal(t, map[string]any{
			"decision": "Allow",
			"request": map[string]any{
				"action": "arms:GetTrace", "resource": trace,
				"context":   map[string]any{"acs:SourceIp": []any{"10.1.2.3"}},
				"principal": map[string]any{"type": "User", "account_id": "1234567890123456", "arn": "acs:ram::1234567890123456:user/alice"},
			},
			"matched": []any{map[string]any{
				"policy": officeOnly, "statement": 0.0, "sid": "ReadDashboards", "effect": "Allow", "path": "Statement[0]",
			}},
			"near_misses": []any{map[string]any{
				"policy": officeOnly, "statement": 1.0, "sid": "OfficeOnly", "effect": "Deny", "path": "Statement[1]",
				"operator": "NotIpAddress", "key": "acs:SourceIp",
				"reason": `value "10.1.2.3" matches one of ["10.0.0.0/8", "192.168.0.0/16"]`,
			}},
		}, decode(t, out))
	})
	t.Run("explain-nothing-matched", func(t *testing.T) {
		code, out, _ := ramauthz("eval", "--json", "--explain", "--system", "AliyunARMSReadOnlyAccess", "--action", "xtrace:SearchTrace", "--resource", "*")
		assert.Equal(t, 1, code)
		assert.Equal(t, map[string]any{
			"decision":    "ImplicitDeny",
			"request":     map[string]any{"action": "xtrace:SearchTrace", "resource": "*"},
			"matched":     []any{},
			"near_misses": []any{},
		}, decode(t, out))
	})
}

func TestTest(t *testing.T) {
	t.Run("all-pass", func(t *testing.T) {
		code, out, errs := ramauthz("test", casesPass)
		assert.Equal(t, 0, code)
		assert.Empty(t, errs)
		assert.Equal(t, []string{"4 passed, 0 failed"}, lines(out))
	})
	t.Run("assume-role-and-session-cases", func(t *testing.T) {
		code, out, errs := ramauthz("test", casesRoles)
		assert.Equal(t, 0, code, out)
		assert.Empty(t, errs)
		assert.Equal(t, []string{"28 passed, 0 failed"}, lines(out))
	})
	t.Run("verbose", func(t *testing.T) {
		code, out, _ := ramauthz("test", "--verbose", casesPass)
		assert.Equal(t, 0, code)
		assert.Equal(t, []string{
			"PASS " + casesPass + ": readonly-reads-dashboards",
			"PASS " + casesPass + ": office-deny-outside",
			"PASS " + casesPass + ": duplicate-effect-rejected",
			"PASS " + casesPass + ": principal-in-identity-rejected",
			"4 passed, 0 failed",
		}, lines(out))
	})
	t.Run("failures", func(t *testing.T) {
		code, out, _ := ramauthz("test", casesFail)
		assert.Equal(t, 1, code)
		assert.Equal(t, []string{
			"FAIL " + casesFail + ": wrong-expectation: expected Allow, got ImplicitDeny: ImplicitDeny; no statement matched the action and resource",
			"FAIL " + casesFail + ": valid-document-is-not-rejected: expected rejected, got accepted: the identity policy parsed without error",
			"FAIL " + casesFail + `: rejected-for-another-reason: expected rejected, got rejected with error ErrInvalid, want ErrDuplicateKey: 1:43: Statement[0].Effect: invalid value: Effect must be exactly "Allow" or "Deny"; got "allow"`,
			"FAIL " + casesFail + `: policy-does-not-parse: expected Allow, got error: ` + casesFail + `:16:29: policies[0].Version: invalid value: Version must be the string "1"; got "2"`,
			"1 passed, 4 failed",
		}, lines(out))
	})
	t.Run("malformed-file-counts-as-failure", func(t *testing.T) {
		code, out, _ := ramauthz("test", casesPass, casesBad)
		assert.Equal(t, 1, code)
		assert.Equal(t, []string{
			"FAIL " + casesBad + `:5:4: case 0 ("misspelt-field"): expected: unknown member: no field is named "expected"`,
			"4 passed, 1 failed",
		}, lines(out))
	})
	t.Run("directory", func(t *testing.T) {
		code, out, _ := ramauthz("test", cliData+"cases")
		assert.Equal(t, 1, code)
		ls := lines(out)
		assert.Equal(t, "33 passed, 5 failed", ls[len(ls)-1])
		assert.Len(t, ls, 6)
	})
	t.Run("missing-file", func(t *testing.T) {
		code, out, _ := ramauthz("test", cliData+"nope.json")
		assert.Equal(t, 1, code)
		assert.Equal(t, []string{
			"FAIL " + cliData + "nope.json: stat: no such file or directory",
			"0 passed, 1 failed",
		}, lines(out))
	})
	t.Run("not-an-array", func(t *testing.T) {
		code, out, _ := ramauthz("test", officeOnly)
		assert.Equal(t, 1, code)
		ls := lines(out)
		assert.Equal(t, "FAIL "+officeOnly+":1:1: a case file must be a JSON array of cases; got an object", ls[0])
		assert.Equal(t, "0 passed, 1 failed", ls[1])
	})
	t.Run("no-files", func(t *testing.T) {
		code, out, errs := ramauthz("test")
		assert.Equal(t, 2, code)
		assert.Empty(t, out)
		assert.Contains(t, errs, "no FILE or DIR given")
	})
	t.Run("unknown-flag", func(t *testing.T) {
		code, _, errs := ramauthz("test", "--explain", casesPass)
		assert.Equal(t, 2, code)
		assert.Contains(t, errs, "flag provided but not defined: -explain")
	})
}

func TestTestJSON(t *testing.T) {
	code, out, errs := ramauthz("test", "--json", casesFail, cliData+"nope.json")
	assert.Equal(t, 1, code)
	assert.Empty(t, errs)
	v := decode(t, out)
	assert.Equal(t, []string{"cases", "errors", "failed", "passed"}, keys(t, v))
	assert.Equal(t, 1.0, v["passed"])
	assert.Equal(t, 5.0, v["failed"])
	cases := v["cases"].([]any)
	require.Len(t, cases, 5)
	for _, c := range cases {
		assert.Equal(t, []string{"detail", "expected", "file", "got", "kind", "name", "pass"}, keys(t, c))
	}
	assert.Equal(t, map[string]any{
		"file": casesFail, "name": "passes", "kind": "decide", "pass": true,
		"expected": "Allow", "got": "Allow",
		"detail": "Allow\n  applied: Allow policy \"policies[0]\" Statement[0]\n",
	}, cases[0])
	assert.Equal(t, map[string]any{
		"file": casesFail, "name": "valid-document-is-not-rejected", "kind": "invalid", "pass": false,
		"expected": "rejected", "got": "accepted", "detail": "the identity policy parsed without error",
	}, cases[2])
	assert.Equal(t, []any{map[string]any{"file": cliData + "nope.json", "message": "stat: no such file or directory"}}, v["errors"])
}

// TestConformance runs the shared decision corpus through the test
// subcommand, so the CLI, the case-file reader and the evaluator agree on
// every case.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob("../../testdata/conformance/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	code, out, errs := ramauthz(append([]string{"test"}, files...)...)
	ls := lines(out)
	assert.Equal(t, 0, code, "failures:\n%s\nstderr: %s", out, errs)
	last := ls[len(ls)-1]
	assert.True(t, strings.HasSuffix(last, " passed, 0 failed"), last)
	assert.False(t, slices.ContainsFunc(ls, func(l string) bool { return strings.HasPrefix(l, "FAIL") }))
	t.Log(last)
}
