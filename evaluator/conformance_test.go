package evaluator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// conformanceCase is one decision case of ../testdata/conformance/*.json.
type conformanceCase struct {
	Name     string            `json:"name"`
	Policies []json.RawMessage `json:"policies"`
	Request  struct {
		Action    string                     `json:"action"`
		Resource  string                     `json:"resource"`
		Context   map[string]json.RawMessage `json:"context"`
		Principal *struct {
			Type      string `json:"type"`
			AccountID string `json:"account_id"`
			ARN       string `json:"arn"`
		} `json:"principal"`
	} `json:"request"`
	Expect      string `json:"expect"`
	Note        string `json:"note"`
	Comment     string `json:"comment"`
	Description string `json:"description"` // why the expected value follows from the spec
}

func parsePrincipalType(s string) (PrincipalType, bool) {
	for t := PrincipalNone; t <= PrincipalFederated; t++ {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}

// TestConformance runs every case of ../testdata/conformance/*.json: each
// policy is parsed with policy.Parse (as a trust policy when its statements
// have a Principal), compiled, and Decide, Explain and the reference
// evaluator must all return the expected decision.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "conformance", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no conformance case files in ../testdata/conformance")
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var cases []conformanceCase
		require.NoError(t, dec.Decode(&cases), "decoding %s", file)
		require.NotEmpty(t, cases, "%s has no cases", file)
		seen := map[string]bool{}
		for i, tc := range cases {
			total++
			name := tc.Name
			if name == "" {
				name = "case-" + strconv.Itoa(i)
			}
			assert.False(t, seen[name], "%s: duplicate case name %q", file, name)
			seen[name] = true
			t.Run(filepath.Base(file)+"/"+name, func(t *testing.T) {
				runConformanceCase(t, tc)
			})
		}
	}
	t.Logf("%d conformance cases in %d files", total, len(files))
}

func runConformanceCase(t *testing.T, tc conformanceCase) {
	want, err := ParseDecision(tc.Expect)
	require.NoError(t, err, "expect")
	ps := make([]Policy, len(tc.Policies))
	for i, raw := range tc.Policies {
		kind := policy.Identity
		if gjson.GetBytes(raw, "Statement.#.Principal|#").Int() > 0 {
			kind = policy.Trust
		}
		d, err := policy.Parse(raw, policy.WithKind(kind))
		require.NoError(t, err, "policies[%d]", i)
		ps[i] = Policy{ID: "policies[" + strconv.Itoa(i) + "]", Document: d}
	}
	e, err := Compile(ps...)
	require.NoError(t, err)

	r := Request{Action: tc.Request.Action, Resource: tc.Request.Resource}
	if p := tc.Request.Principal; p != nil {
		typ, ok := parsePrincipalType(p.Type)
		require.True(t, ok, "unknown principal type %q", p.Type)
		r.Principal = Principal{Type: typ, AccountID: p.AccountID, ARN: p.ARN}
	}
	if len(tc.Request.Context) > 0 {
		r.Context = &Context{}
		for k, raw := range tc.Request.Context {
			var one string
			if json.Unmarshal(raw, &one) == nil {
				r.Context.Set(k, one)
				continue
			}
			var many []string
			require.NoError(t, json.Unmarshal(raw, &many), "context %q must be a string or a list of strings", k)
			r.Context.Set(k, many...)
		}
	}

	got := e.Decide(r)
	x := e.Explain(r)
	assert.Equal(t, want, got, "Decide\n%s", x)
	assert.Equal(t, got, x.Decision, "Explain must agree with Decide")
	assert.Equal(t, want, referenceDecide(ps, r), "reference evaluator")
}
