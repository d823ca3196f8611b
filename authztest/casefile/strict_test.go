package casefile

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

func TestParseRejectsAmbiguousCases(t *testing.T) {
	const pol = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	const req = `"request":{"action":"a:b","resource":"*"}`
	bad := map[string]string{
		"duplicate expect":         `[{"name":"x","policies":[` + pol + `],` + req + `,"expect":"Allow","expect":"ImplicitDeny"}]`,
		"duplicate request field":  `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","action":"c:d","resource":"*"},"expect":"Allow"}]`,
		"duplicate context key":    `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"k":"1","k":"2"}},"expect":"Allow"}]`,
		"upper-case field":         `[{"name":"x","policies":[` + pol + `],` + req + `,"Expect":"Allow"}]`,
		"upper-case request field": `[{"name":"x","policies":[` + pol + `],"request":{"Action":"a:b","resource":"*"},"expect":"Allow"}]`,
		// Issue 11 item 8: encoding/json folds "ſ" (U+017F) to "s", so the
		// hidden second member used to win.
		"long s twin of request":  `[{"name":"x","policies":[` + pol + `],` + req + `,"requeſt":{"action":"a:b","resource":"x"},"expect":"Allow"}]`,
		"long s twin of policies": `[{"name":"x","policies":[` + pol + `],"policieſ":[],` + req + `,"expect":"Allow"}]`,
		"kelvin twin of kind":     `[{"kind":"decide","\u212aind":"invalid","name":"x","policies":[` + pol + `],` + req + `,"expect":"Allow"}]`,
		"case twin of expect":     `[{"name":"x","policies":[` + pol + `],` + req + `,"expect":"Allow","EXPECT":"ImplicitDeny"}]`,
		"context oss twins (D23)": `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"oss:prefix":"public/","oss:Prefix":"secret/"}},"expect":"Allow"}]`,
		"context acs twins":       `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"acs:SourceIp":"10.0.0.1","acs:sourceip":"192.0.2.1"}},"expect":"Allow"}]`,
		"assume_role context twins": `[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","trust_policy":{},"expect":"Allow",` +
			`"caller":{"type":"RamUser","arn":"acs:ram::1234567890123456:user/u"},"context":{"acs:MFAPresent":"true","ACS:MFAPRESENT":"false"}}]`,
		"lone surrogate":  `[{"name":"x\ud800","policies":[` + pol + `],` + req + `,"expect":"Allow"}]`,
		"trailing data":   `[{"name":"x","policies":[` + pol + `],` + req + `,"expect":"Allow"}] []`,
		"two top objects": `[] {}`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(in), "f.json")
			require.Error(t, err)
			var fe *FormatError
			assert.True(t, errors.As(err, &fe))
			assert.ErrorIs(t, err, ErrFormat)
		})
	}
	good := `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"acs:SourceIp":"10.0.0.1","acs:ResourceTag/env":"a","acs:ResourceTag/Env":"b"}},"expect":"Allow"},
	  {"kind":"invalid","name":"dup-in-policy","policy_type":"identity","policy":{"Version":"1","Version":"1","Statement":[]}}]`
	cases, err := Parse([]byte(good), "f.json")
	require.NoError(t, err, "condition keys keep their case, tag keys after '/' are exact; invalid policies may hold duplicates")
	require.Len(t, cases, 2)
	assert.Equal(t, []string{"b"}, cases[0].Request.Context["acs:ResourceTag/Env"])
}

// TestParseContextTwinPosition checks that a context twin is reported at
// the second key's value, with both spellings named.
func TestParseContextTwinPosition(t *testing.T) {
	in := "[\n {\"name\": \"x\", \"policies\": [],\n  \"request\": {\"action\": \"a:b\", \"resource\": \"*\",\n   \"context\": {\"acs:SourceIp\": \"10.0.0.1\",\n               \"acs:sourceIP\": \"192.0.2.1\"}},\n  \"expect\": \"Allow\"}\n]"
	_, err := Parse([]byte(in), "f.json")
	var fe *FormatError
	require.True(t, errors.As(err, &fe), "error: %v", err)
	assert.Equal(t, 5, fe.Line)
	assert.Equal(t, 16, fe.Column, "the second spelling of the key")
	assert.Equal(t, `request.context["acs:sourceIP"]`, fe.Path)
	assert.Equal(t, `f.json:5:16: case 0 ("x"): request.context["acs:sourceIP"]: duplicate member name: context key "acs:sourceIP" is the same key as "acs:SourceIp" (key names ignore case before the first '/')`, err.Error())
}

// TestParseKeepsGoodCases checks issue 11 item 15: a bad case fails on its
// own, and the cases around it are still returned and run.
func TestParseKeepsGoodCases(t *testing.T) {
	const pol = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	in := `[
 {"name":"first","policies":[` + pol + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow"},
 {"name":"bad","policies":[` + pol + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow","expect":"ImplicitDeny"},
 {"name":"bad-kind","kind":"nope"},
 7,
 {"name":"first","policies":[` + pol + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow"},
 {"name":"last","policies":[` + pol + `],"request":{"action":"a:b","resource":"*"},"expect":"ImplicitDeny"}
]`
	cases, err := Parse([]byte(in), "f.json")
	require.Error(t, err)
	require.Len(t, cases, 6)
	lineOf := strings.Split(in, "\n")
	col := func(line int, text string) string { // column of text's first occurrence in a line
		return strconv.Itoa(line) + ":" + strconv.Itoa(strings.Index(lineOf[line-1], text)+1)
	}
	var lines []string
	for _, c := range cases {
		lines = append(lines, c.Run().Line())
	}
	assert.Equal(t, []string{
		`PASS f.json: first`,
		`FAIL f.json:` + col(3, `"expect":"ImplicitDeny"`) + `: case 1 ("bad"): expect: duplicate member name: member "expect" appears more than once`,
		`FAIL f.json:` + col(4, `"nope"`) + `: case 2 ("bad-kind"): unknown kind "nope" (want decide, assume_role, session or invalid)`,
		`FAIL f.json:5:2: case 3: a case must be a JSON object; got a number`,
		`FAIL f.json:6:2: case 4 ("first"): the name is already used by case 0`,
		`FAIL f.json: last: expected ImplicitDeny, got Allow: Allow; applied: Allow policy "policies[0]" Statement[0]`,
	}, lines)
	// The error lists the four bad cases, one per line.
	assert.Equal(t, 4, strings.Count(err.Error(), "\n")+1)
	assert.ErrorIs(t, err, ErrFormat)
}

// TestRunPlacesPolicyErrors checks that a policy that does not parse, found
// when a case runs, is reported at its place in the case file
// (FILE:LINE:COL: FIELD.PATH), for every kind of embedded document.
func TestRunPlacesPolicyErrors(t *testing.T) {
	const good = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	const bad = `{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`
	in := `[
{"name":"d","policies":[` + good + `,
   ` + bad + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow"},
{"kind":"session","name":"s","role_policies":[` + good + `],
   "session_policy":` + bad + `,"request":{"action":"a:b","resource":"*"},"expect":"Allow"},
{"kind":"session","name":"r","role_policies":[` + good + `,
   ` + bad + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow"}
]`
	cases, err := Parse([]byte(in), "f.json")
	require.NoError(t, err)
	col := strconv.Itoa(len(`   `+bad[:strings.Index(bad, `"allow"`)]) + 1)
	want := map[string]string{
		"d": "f.json:3:" + col + ": policies[1].Statement[0].Effect: invalid value",
		"s": "f.json:5:" + strconv.Itoa(len(`   "session_policy":`+bad[:strings.Index(bad, `"allow"`)])+1) + ": session_policy.Statement[0].Effect: invalid value",
		"r": "f.json:7:" + col + ": role_policies[1].Statement[0].Effect: invalid value",
	}
	for i := range cases {
		r := cases[i].Run()
		assert.False(t, r.Pass)
		assert.Equal(t, "error", r.Got)
		var pe *policy.ParseError
		require.True(t, errors.As(r.Err, &pe), "%s: %v", cases[i].Name, r.Err)
		assert.ErrorIs(t, r.Err, policy.ErrInvalid)
		assert.True(t, strings.HasPrefix(r.Err.Error(), want[cases[i].Name]), "%s: got %v, want %s", cases[i].Name, r.Err, want[cases[i].Name])
	}
}

// TestContextFillDeterministic checks that a Context built in code with two
// spellings of one key fills an evaluator context the same way every time
// (the case-file reader refuses such contexts; see Twin).
func TestContextFillDeterministic(t *testing.T) {
	c := Context{"acs:SourceIp": {"10.0.0.1"}, "acs:sourceip": {"203.0.113.7"}}
	assert.Equal(t, "acs:sourceip", c.Twin("acs:SourceIp"))
	assert.Equal(t, "", Context{"acs:ResourceTag/Env": {"a"}}.Twin("acs:ResourceTag/env"), "tag keys after '/' are exact")
	for range 50 {
		var ctx evaluator.Context
		c.Fill(&ctx)
		v, ok := ctx.Get("acs:SourceIp")
		require.True(t, ok)
		assert.Equal(t, []string{"203.0.113.7"}, v, "the key that sorts last wins")
	}
}

// TestAssumeRoleExternalIdSpelling checks that a case's context key for the
// ExternalId is recognised in any spelling that is the same key (spec §13
// D23), so "sts:externalid" reaches AssumeRole as its ExternalId instead of
// being a caller-supplied key the directory discards (D26).
func TestAssumeRoleExternalIdSpelling(t *testing.T) {
	const trust = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}`
	const caller = `"caller":{"type":"RamUser","arn":"acs:ram::1234567890123456:user/u"},"caller_policies":[{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}]`
	for _, key := range []string{"sts:ExternalId", "sts:externalid", "STS:EXTERNALID"} {
		in := `[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","trust_policy":` + trust + `,` + caller + `,"context":{"` + key + `":"abc"},"expect":"Allow"}]`
		cases, err := Parse([]byte(in), "f.json")
		require.NoError(t, err)
		r := cases[0].Run()
		assert.True(t, r.Pass, "%s: %s %s %v", key, r.Got, r.Detail, r.Err)
	}
}
