package lint_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/lint"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

func Example() {
	doc := []byte(`{
  "Version": "1",
  "Statement": [{
    "Effect": "Allow",
    "Action": "ecs:DescribeInstances",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"acs:SourceVpc": "vpc-*"}}
  }]
}`)
	for _, f := range lint.Check(doc, lint.Options{}) {
		s := f.Location.Span.Start
		fmt.Printf("%d:%d %s %s\n", s.Line, s.Column, f.Severity, f.Code)
	}
	// Output:
	// 7:39 SECURITY_WARNING NEGATED_CONDITION_ALLOWS_ABSENT_KEY
	// 7:56 WARNING WILDCARD_WITHOUT_LIKE_OPERATOR
}

// TestSystemPolicies lints the shipped system policies. Their findings are
// the justified ones listed here: the ARMS policies grant wildcards of their
// own services and RAM's service-linked-role action, which the MFA
// suggestion flags, and nothing worse.
func TestSystemPolicies(t *testing.T) {
	want := map[string][]string{
		"AliyunARMSReadOnlyAccess":  {},
		"AliyunARMSFullAccess":      {"MISSING_MFA_FOR_SENSITIVE_ACTION Statement[0].Action", "MISSING_MFA_FOR_SENSITIVE_ACTION Statement[1].Action", "MISSING_MFA_FOR_SENSITIVE_ACTION Statement[3].Action"},
		"AliyunSTSAssumeRoleAccess": {},
	}
	for _, p := range system.All() {
		t.Run(p.Name, func(t *testing.T) {
			exp, ok := want[p.Name]
			if !ok {
				t.Fatalf("no expectation for system policy %s", p.Name)
			}
			var got []string
			for _, f := range lint.Check(p.JSON, lint.Options{}) {
				got = append(got, string(f.Code)+" "+f.Location.Path)
			}
			if !slices.Equal(got, exp) && !(len(got) == 0 && len(exp) == 0) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
			}
		})
	}
}

// TestWitnessesAreConfirmed checks that every witness a finding carries is
// a request the linted document allows.
func TestWitnessesAreConfirmed(t *testing.T) {
	docs := []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","NotAction":["ecs:*","ram:*"],"Resource":"*"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","NotResource":"acs:ecs:*:*:instance/i-zzz"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*"},{"Effect":"Deny","Action":"ram:AttachPolicyToUser","Resource":"*"}]}`,
	}
	n := 0
	for _, d := range docs {
		doc, err := policy.Parse([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := evaluator.Compile(evaluator.Policy{ID: "p", Document: doc})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range lint.Check([]byte(d), lint.Options{}) {
			if f.Witness == nil {
				continue
			}
			n++
			if got := ev.Decide(*f.Witness); got != evaluator.Allow {
				t.Errorf("%s: witness %+v is decided %v", f.Code, *f.Witness, got)
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d witnesses; every document above has a grant with one", n)
	}
}

// TestDeterministic lints the same inputs twice and with the statements
// given in another order: the findings are identical and sorted.
func TestDeterministic(t *testing.T) {
	data := []byte(`{"Version":"1","Statement":[
{"Effect":"Allow","Action":["arms:GetTrace","arms:Get*","e*:Describe*"],"Resource":"*","Condition":{"StringEquals":{"acs:sourcevpc":"vpc-*"},"IpAddress":{"acs:SourceIp":["10.0.0.1/24","0.0.0.0/0"]}}},
{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"false"}}},
{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	opts := lint.Options{Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Actions: []string{"arms:GetTrace"}}
	a := lint.Check(data, opts)
	b := lint.Check(data, opts)
	if len(a) < 8 || !slices.EqualFunc(a, b, func(x, y lint.Finding) bool {
		return x.Code == y.Code && x.Location == y.Location && x.Message == y.Message
	}) {
		t.Fatalf("two runs differ or found too little:\n%v\n%v", a, b)
	}
	if !slices.IsSortedFunc(a, func(x, y lint.Finding) int { return x.Location.Span.Start.Offset - y.Location.Span.Start.Offset }) {
		t.Error("findings are not sorted by position")
	}
}

func TestDisable(t *testing.T) {
	data := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	for _, f := range lint.Check(data, lint.Options{Disable: []lint.Code{lint.FullAdmin}}) {
		if f.Code == lint.FullAdmin {
			t.Error("FULL_ADMIN reported although disabled")
		}
	}
}

func TestCodesDocumented(t *testing.T) {
	seen := map[lint.Code]bool{}
	for _, ci := range lint.Codes() {
		if seen[ci.Code] {
			t.Errorf("%s listed twice", ci.Code)
		}
		seen[ci.Code] = true
		if ci.Severity < lint.Error || ci.Severity > lint.Suggestion || ci.Title == "" {
			t.Errorf("%s: incomplete entry %+v", ci.Code, ci)
		}
		if strings.ToUpper(string(ci.Code)) != string(ci.Code) || strings.ContainsAny(string(ci.Code), " -") {
			t.Errorf("%s is not UPPER_SNAKE", ci.Code)
		}
		if got, ok := lint.ParseSeverity(ci.Severity.String()); !ok || got != ci.Severity {
			t.Errorf("ParseSeverity(%q) = %v, %v", ci.Severity, got, ok)
		}
	}
}

// BenchmarkCheckMaxSize lints a 6,144-character identity policy with every
// check on (target: ≤ 10 ms).
func BenchmarkCheckMaxSize(b *testing.B) {
	data := maxSizePolicy()
	if _, err := policy.Parse(data); err != nil {
		b.Fatal(err)
	}
	opts := lint.Options{Now: time.Now(), Actions: []string{"arms:GetTrace", "ecs:DescribeInstances"}}
	b.ReportAllocs()
	for b.Loop() {
		lint.Check(data, opts)
	}
}

// maxSizePolicy builds a policy just under 6,144 characters (minified) of
// statements that exercise every check: action lists, resources with
// wildcards, and conditions of every family.
func maxSizePolicy() []byte {
	var sts []string
	for i := 0; ; i++ {
		st := fmt.Sprintf(`{"Sid":"s%d","Effect":"%s","Action":["ecs:Describe%d*","arms:Get*","ecs:Start%d"],"Resource":["acs:ecs:*:*:instance/i-%d*","acs:ecs:*:*:instance/*"],"Condition":{"StringLike":{"acs:SourceVpc":"vpc-%d*"},"IpAddress":{"acs:SourceIp":"10.%d.0.0/16"},"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"}}}`,
			i, [2]string{"Allow", "Deny"}[i%2], i, i, i, i, i%256)
		doc := `{"Version":"1","Statement":[` + strings.Join(append(sts, st), ",") + `]}`
		if len(doc) > 6144 {
			return []byte(`{"Version":"1","Statement":[` + strings.Join(sts, ",") + `]}`)
		}
		sts = append(sts, st)
	}
}

func TestMaxSizePolicyIsValid(t *testing.T) {
	data := maxSizePolicy()
	if _, err := policy.Parse(data); err != nil {
		t.Fatal(err)
	}
	if len(data) < 5500 {
		t.Fatalf("the benchmark's policy is only %d characters", len(data))
	}
}

// TestSemanticChecks covers what only the analysis engine can see: a
// contradiction between a positive and a negated operator on one
// single-valued key, and a Deny written with NotAction that covers an
// Allow.
func TestSemanticChecks(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		code      lint.Code
		path      string
		sev       lint.Severity
	}{
		{"equal and not equal", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-1"},"StringNotEquals":{"acs:SourceVpc":"vpc-1"}}}]}`,
			lint.UnsatisfiableCondition, "Statement[0].Condition", lint.Error},
		{"touching date bounds", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"},"DateGreaterThanEquals":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`,
			lint.UnsatisfiableCondition, "Statement[0].Condition", lint.Error},
		{"Deny with NotAction", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"acs:ecs:*:*:instance/i-1"},{"Effect":"Deny","NotAction":"ram:*","Resource":"*"}]}`,
			lint.StatementShadowedByDeny, "Statement[0]", lint.Warning},
		{"Deny split over two statements", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"acs:ecs:*:*:instance/*"},{"Effect":"Deny","Action":"ecs:Describe*","Resource":"*"},{"Effect":"Deny","NotAction":"ecs:Describe*","Resource":"acs:ecs:*"}]}`,
			lint.StatementShadowedByDeny, "Statement[0]", lint.Warning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := lint.Check([]byte(tc.doc), lint.Options{})
			i := slices.IndexFunc(fs, func(f lint.Finding) bool { return f.Code == tc.code && f.Location.Path == tc.path })
			if i < 0 {
				t.Fatalf("no %s at %s: %v", tc.code, tc.path, fs)
			}
			if fs[i].Severity != tc.sev {
				t.Errorf("severity %v, want %v", fs[i].Severity, tc.sev)
			}
		})
	}
	// A statement whose conditions can hold is not reported, an Allow that a
	// Deny covers only in part is not shadowed, and a Deny with contradictory
	// date conditions still fires for a request whose date cannot be read
	// (spec §4.9: a Deny applies when its conditions are true or unknown).
	for _, doc := range []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"vpc-1"},"StringNotEquals":{"acs:SourceVpc":"vpc-2"}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"},{"Effect":"Deny","Action":"ecs:Describe*","Resource":"*"}]}`,
		`{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"},"DateGreaterThan":{"acs:CurrentTime":"2021-01-01T00:00:00Z"}}}]}`,
	} {
		for _, f := range lint.Check([]byte(doc), lint.Options{}) {
			if f.Code == lint.UnsatisfiableCondition || f.Code == lint.StatementShadowedByDeny {
				t.Errorf("%s: unexpected %s at %s", doc, f.Code, f.Location.Path)
			}
		}
	}
}

// BenchmarkCheckSemantic lints a small document on which both questions of
// the analysis engine run (a statement with two conditions on one key, and
// Allows that Deny statements meet).
func BenchmarkCheckSemantic(b *testing.B) {
	data := []byte(`{"Version":"1","Statement":[
{"Effect":"Allow","Action":["ecs:Describe*","ecs:Start*"],"Resource":"acs:ecs:*:*:instance/*","Condition":{"DateGreaterThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"acs:CurrentTime":"2027-01-01T00:00:00Z"}}},
{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"acs:ecs:*:*:instance/i-1"},
{"Effect":"Deny","Action":"ecs:Start*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"203.0.113.0/24"}}},
{"Effect":"Deny","NotAction":"ram:*","Resource":"acs:ecs:*:*:instance/i-1"}]}`)
	fs := lint.Check(data, lint.Options{})
	if !slices.ContainsFunc(fs, func(f lint.Finding) bool { return f.Code == lint.StatementShadowedByDeny }) {
		b.Fatalf("the engine did not find the shadowed Allow: %v", fs)
	}
	b.ReportAllocs()
	for b.Loop() {
		lint.Check(data, lint.Options{})
	}
}
