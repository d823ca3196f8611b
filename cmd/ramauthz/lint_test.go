package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const lintData = "../../testdata/lint/"

func TestLintText(t *testing.T) {
	code, out, errOut := ramauthz("lint", lintData+"FULL_ADMIN/bad.json")
	assert.Equal(t, exitFail, code, "a SECURITY_WARNING fails by default")
	assert.Empty(t, errOut)
	ls := lines(out)
	require.Len(t, ls, 3)
	assert.Equal(t, lintData+"FULL_ADMIN/bad.json:4:5: SECURITY_WARNING FULL_ADMIN: Statement[0]: the statement allows every action on every resource: an administrator grant; grant the actions and resources the job needs", ls[0])
	assert.True(t, strings.HasPrefix(ls[1], lintData+"FULL_ADMIN/bad.json:6:17: SUGGESTION MISSING_MFA_FOR_SENSITIVE_ACTION: Statement[0].Action: "))
}

func TestLintExitCodes(t *testing.T) {
	clean := lintData + "ALLOW_WITH_NOT_ACTION/good.json"
	suggestion := lintData + "LIKE_WITHOUT_WILDCARD/bad.json"
	warning := lintData + "IP_ANY/bad.json"
	errorFile := lintData + "PARSE_SYNTAX/bad.json"
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"clean file", []string{clean}, exitOK},
		{"suggestion only", []string{suggestion}, exitOK},
		{"warning below the default threshold", []string{warning}, exitOK},
		{"warning with --fail-on warning", []string{"--fail-on", "warning", warning}, exitFail},
		{"suggestion with --fail-on suggestion", []string{"--fail-on", "suggestion", suggestion}, exitFail},
		{"error", []string{errorFile}, exitFail},
		{"error with --fail-on none", []string{"--fail-on", "none", errorFile}, exitOK},
		{"disabled code", []string{"--disable", "PARSE_SYNTAX", errorFile}, exitOK},
		{"missing file", []string{lintData + "no-such-file.json"}, exitFail},
		{"no file", nil, exitUsage},
		{"bad kind", []string{"--kind", "bucket", clean}, exitUsage},
		{"bad fail-on", []string{"--fail-on", "fatal", clean}, exitUsage},
		{"bad code", []string{"--disable", "NO_SUCH_CODE", clean}, exitUsage},
		{"bad now", []string{"--now", "yesterday", clean}, exitUsage},
		{"json and sarif", []string{"--json", "--sarif", clean}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, _ := ramauthz(append([]string{"lint"}, tc.args...)...)
			assert.Equal(t, tc.want, code)
		})
	}
}

func TestLintOptionsReachTheChecks(t *testing.T) {
	catalogue := writeFile(t, "actions.txt", "# ARMS\narms:GetTrace\narms:ListDashboards\n")
	code, out, _ := ramauthz("lint", "--catalogue", catalogue, lintData+"UNKNOWN_ACTION/bad.json")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, `ERROR UNKNOWN_ACTION: Statement[0].Action: "arms:GetTrac" is not an action of the catalogue; did you mean "arms:GetTrace"?`)

	code, out, _ = ramauthz("lint", "--now", "2026-11-30T00:00:00Z", lintData+"DATE_CONDITION_EXPIRED/bad.json")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "WARNING DATE_CONDITION_EXPIRED")
	_, out, _ = ramauthz("lint", lintData+"DATE_CONDITION_EXPIRED/bad.json")
	assert.NotContains(t, out, "DATE_CONDITION_EXPIRED", "without --now the check is off")

	_, out, _ = ramauthz("lint", "--kind", "trust", "--account", "2222222222222222", lintData+"TRUST_EXTERNAL_ACCOUNT_WITHOUT_EXTERNAL_ID/bad.json")
	assert.NotContains(t, out, "TRUST_EXTERNAL_ACCOUNT", "the account's own root is not external")
	_, out, _ = ramauthz("lint", "--kind", "trust", "--account", "1111111111111111", lintData+"TRUST_EXTERNAL_ACCOUNT_WITHOUT_EXTERNAL_ID/bad.json")
	assert.Contains(t, out, "SECURITY_WARNING TRUST_EXTERNAL_ACCOUNT_WITHOUT_EXTERNAL_ID")
}

func TestLintJSON(t *testing.T) {
	code, out, _ := ramauthz("lint", "--json", lintData+"ALLOW_WITH_NOT_ACTION/bad.json", lintData+"no-such-file.json")
	assert.Equal(t, exitFail, code)
	var v lintOutput
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.True(t, v.Failed)
	require.Len(t, v.Files, 2)
	require.Len(t, v.Files[0].Findings, 1)
	f := v.Files[0].Findings[0]
	assert.Equal(t, "ALLOW_WITH_NOT_ACTION", f.Code)
	assert.Equal(t, "SECURITY_WARNING", f.Severity)
	assert.Equal(t, "Statement[0].NotAction", f.Path)
	assert.Equal(t, lintPos{Line: 6, Column: 20, Offset: 87}, f.Start)
	assert.Equal(t, 94, f.End.Offset, `the span covers "ram:*" with its quotes`)
	require.NotNil(t, f.Witness, "the NotAction grant comes with a request it allows")
	assert.Equal(t, "ecs:DeleteInstance", f.Witness.Action)
	assert.NotEmpty(t, v.Files[1].Error)
	assert.Empty(t, v.Files[1].Findings)
}

func TestLintSARIF(t *testing.T) {
	code, out, _ := ramauthz("lint", "--sarif", lintData+"WILDCARD_IN_SERVICE_NAME/bad.json")
	assert.Equal(t, exitFail, code)
	var v struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "2.1.0", v.Version)
	require.Len(t, v.Runs, 1)
	r := v.Runs[0]
	assert.Equal(t, "ramauthz", r.Tool.Driver.Name)
	require.Len(t, r.Results, 1)
	res := r.Results[0]
	assert.Equal(t, "WILDCARD_IN_SERVICE_NAME", res.RuleID)
	assert.Equal(t, "WILDCARD_IN_SERVICE_NAME", r.Tool.Driver.Rules[res.RuleIndex].ID)
	assert.Equal(t, "error", res.Level, "security warnings are SARIF errors")
	loc := res.Locations[0].PhysicalLocation
	assert.Equal(t, lintData+"WILDCARD_IN_SERVICE_NAME/bad.json", loc.ArtifactLocation.URI)
	assert.Equal(t, 6, loc.Region.StartLine)
	assert.Equal(t, 17, loc.Region.StartColumn)
	assert.Equal(t, 31, loc.Region.EndColumn, `"e*:Describe*" is 14 characters`)
}

// TestLintAndAnalysisInputsBounded: lint and the analysis commands refuse
// what is not a regular file (a FIFO nobody writes to, /dev/zero) for the
// documents and the catalogue, without hanging or reading without bound.
func TestLintAndAnalysisInputsBounded(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	good := lintData + "LIKE_WITHOUT_WILDCARD/good.json"
	for _, args := range [][]string{
		{"lint", fifo},
		{"lint", "/dev/zero"},
		{"lint", "--catalogue", "/dev/zero", good},
		{"lint", "--catalogue", fifo, good},
		{"check-not-granted", fifo, "--action", "ecs:*"},
		{"check-not-granted", "--catalogue", "/dev/zero", good, "--action", "ecs:*"},
	} {
		done := make(chan int, 1)
		go func() { code, _, _ := ramauthz(args...); done <- code }()
		select {
		case code := <-done:
			assert.NotEqual(t, exitOK, code, "%v", args)
		case <-time.After(20 * time.Second):
			t.Fatalf("%v did not return: it blocks on a non-regular file", args)
		}
	}
}
