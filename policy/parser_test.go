package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doc wraps statement bodies into a version-1 document.
func doc(statements ...string) string {
	return `{"Version":"1","Statement":[` + strings.Join(statements, ",") + `]}`
}

const allowAll = `{"Effect":"Allow","Action":"*","Resource":"*"}`

var sentinels = []error{ErrSyntax, ErrDuplicateKey, ErrUnknownElement, ErrMissing, ErrInvalid, ErrConflict, ErrLimit}

func requireParseError(t *testing.T, err error, sentinel error, path string) *ParseError {
	t.Helper()
	require.Error(t, err)
	var pe *ParseError
	require.True(t, errors.As(err, &pe), "error %T is not a *ParseError", err)
	assert.ErrorIs(t, err, sentinel, "error: %v", err)
	for _, s := range sentinels {
		if s != sentinel {
			assert.NotErrorIs(t, err, s)
		}
	}
	assert.Equal(t, path, pe.Path, "error: %v", err)
	return pe
}

func TestParseRejects(t *testing.T) {
	wild := strings.Repeat("*a", 65)
	cases := []struct {
		name     string
		kind     Kind
		in       string
		sentinel error
		path     string
	}{
		{"not json", Identity, `{"Version":"1",`, ErrSyntax, ""},
		{"trailing garbage", Identity, doc(allowAll) + ` x`, ErrSyntax, ""},
		{"invalid utf8", Identity, "{\"Version\":\"1\xff\"}", ErrSyntax, ""},
		{"lone high surrogate", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:a\ud800"}`), ErrInvalid, "Statement[0].Resource"},
		{"lone low surrogate", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":["*","acs:oss:*:*:\uDC00b"]}`), ErrInvalid, "Statement[0].Resource[1]"},
		{"high surrogate then letter", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:\ud83dx"}`), ErrInvalid, "Statement[0].Resource"},
		{"two high surrogates", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:\ud83d\ud83d"}`), ErrInvalid, "Statement[0].Resource"},
		{"lone surrogate in sid", Identity, doc(`{"Sid":"\udfff","Effect":"Allow","Action":"*","Resource":"*"}`), ErrInvalid, "Statement[0].Sid"},
		{"lone surrogate in version", Identity, `{"Version":"1\ud800","Statement":[` + allowAll + `]}`, ErrInvalid, "Version"},
		{"lone surrogate in condition value", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["v","\ud800"]}}}`), ErrInvalid, `Statement[0].Condition.StringEquals.k[1]`},
		{"lone surrogate in member name", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k\ud800":"v"}}}`), ErrInvalid, "Statement[0].Condition.StringEquals.\"k\uFFFD\""},
		{"lone surrogate in principal", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com\udbff"]}}`), ErrInvalid, "Statement[0].Principal.Service[0]"},
		{"top-level array", Identity, `[]`, ErrInvalid, ""},
		{"top-level string", Identity, `"x"`, ErrInvalid, ""},
		{"version number", Identity, `{"Version":1,"Statement":[` + allowAll + `]}`, ErrInvalid, "Version"},
		{"version 2", Identity, `{"Version":"2","Statement":[` + allowAll + `]}`, ErrInvalid, "Version"},
		{"version missing", Identity, `{"Statement":[` + allowAll + `]}`, ErrMissing, "Version"},
		{"statement missing", Identity, `{"Version":"1"}`, ErrMissing, "Statement"},
		{"statement empty", Identity, `{"Version":"1","Statement":[]}`, ErrMissing, "Statement"},
		{"statement object strict", Identity, `{"Version":"1","Statement":` + allowAll + `}`, ErrInvalid, "Statement"},
		{"statement string", Identity, `{"Version":"1","Statement":"x"}`, ErrInvalid, "Statement"},
		{"statement element not object", Identity, doc(allowAll, `"x"`), ErrInvalid, "Statement[1]"},
		{"unknown top-level", Identity, `{"Version":"1","Id":"x","Statement":[` + allowAll + `]}`, ErrUnknownElement, "Id"},
		{"mis-cased version", Identity, `{"version":"1","Statement":[` + allowAll + `]}`, ErrUnknownElement, "version"},
		{"duplicate version", Identity, `{"Version":"1","Version":"1","Statement":[` + allowAll + `]}`, ErrDuplicateKey, "Version"},
		{"duplicate effect", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Effect":"Allow"}`), ErrDuplicateKey, "Statement[0].Effect"},
		{"duplicate via escape", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Eff\u0065ct":"Allow"}`), ErrDuplicateKey, "Statement[0].Effect"},
		{"mis-cased effect", Identity, doc(`{"effect":"Allow","Action":"*","Resource":"*"}`), ErrUnknownElement, "Statement[0].effect"},
		{"effect lower", Identity, doc(`{"Effect":"allow","Action":"*","Resource":"*"}`), ErrInvalid, "Statement[0].Effect"},
		{"effect bool", Identity, doc(`{"Effect":true,"Action":"*","Resource":"*"}`), ErrInvalid, "Statement[0].Effect"},
		{"effect missing", Identity, doc(`{"Action":"*","Resource":"*"}`), ErrMissing, "Statement[0].Effect"},
		{"action missing", Identity, doc(`{"Effect":"Allow","Resource":"*"}`), ErrMissing, "Statement[0].Action"},
		{"action and notaction", Identity, doc(`{"Effect":"Allow","Action":"*","NotAction":"ram:*","Resource":"*"}`), ErrConflict, "Statement[0].NotAction"},
		{"action empty list", Identity, doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), ErrMissing, "Statement[0].Action"},
		{"action number", Identity, doc(`{"Effect":"Allow","Action":5,"Resource":"*"}`), ErrInvalid, "Statement[0].Action"},
		{"action item null", Identity, doc(`{"Effect":"Allow","Action":["ecs:*",null],"Resource":"*"}`), ErrInvalid, "Statement[0].Action[1]"},
		{"action no colon", Identity, doc(`{"Effect":"Allow","Action":"ecs","Resource":"*"}`), ErrInvalid, "Statement[0].Action"},
		{"action two colons", Identity, doc(`{"Effect":"Allow","Action":["ecs:a:b"],"Resource":"*"}`), ErrInvalid, "Statement[0].Action[0]"},
		{"action space", Identity, doc(`{"Effect":"Allow","Action":"ecs:Describe Instances","Resource":"*"}`), ErrInvalid, "Statement[0].Action"},
		{"action empty string", Identity, doc(`{"Effect":"Allow","Action":"","Resource":"*"}`), ErrInvalid, "Statement[0].Action"},
		{"action too many wildcards", Identity, doc(`{"Effect":"Allow","Action":"ecs:` + wild + `","Resource":"*"}`), ErrLimit, "Statement[0].Action"},
		{"resource missing", Identity, doc(`{"Effect":"Allow","Action":"*"}`), ErrMissing, "Statement[0].Resource"},
		{"resource missing session", Session, doc(`{"Effect":"Allow","Action":"*"}`), ErrMissing, "Statement[0].Resource"},
		{"resource and notresource", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"acs:ram:*"}`), ErrConflict, "Statement[0].NotResource"},
		{"resource not acs", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::x"]}`), ErrInvalid, "Statement[0].Resource[0]"},
		{"resource nul", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:a\u0000b"}`), ErrInvalid, "Statement[0].Resource"},
		{"sid number", Identity, doc(`{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}`), ErrInvalid, "Statement[0].Sid"},
		{"principal in identity", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"RAM":"acs:ram::1234567890123456:root"}}`), ErrInvalid, "Statement[0].Principal"},
		{"principal missing in trust", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), ErrMissing, "Statement[0].Principal"},
		{"principal empty", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{}}`), ErrMissing, "Statement[0].Principal"},
		{"principal unknown type", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"x"}}`), ErrUnknownElement, "Statement[0].Principal.AWS"},
		{"principal ram bad", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::123:root"]}}`), ErrInvalid, "Statement[0].Principal.RAM[0]"},
		{"principal ram wildcard", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::*:root"}}`), ErrInvalid, "Statement[0].Principal.RAM"},
		{"principal service upper", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ECS.aliyuncs.com"}}`), ErrInvalid, "Statement[0].Principal.Service"},
		{"principal federated bad", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Federated":"acs:ram::1234567890123456:user/x"}}`), ErrInvalid, "Statement[0].Principal.Federated"},
		{"principal ram empty list", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":[]}}`), ErrMissing, "Statement[0].Principal.RAM"},
		{"condition not object", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), ErrInvalid, "Statement[0].Condition"},
		{"unknown operator", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":"true"}}}`), ErrUnknownElement, "Statement[0].Condition.Null"},
		{"ifexists twice", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExistsIfExists":{"k":"v"}}}`), ErrUnknownElement, "Statement[0].Condition.StringEqualsIfExistsIfExists"},
		{"ifexists alone", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IfExists":{"k":"v"}}}`), ErrUnknownElement, "Statement[0].Condition.IfExists"},
		{"ifexists case", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfexists":{"k":"v"}}}`), ErrUnknownElement, "Statement[0].Condition.StringEqualsIfexists"},
		{"ifexists bad value", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThanIfExists":{"acs:CurrentTime":"2019-08-12"}}}`), ErrInvalid, `Statement[0].Condition.DateLessThanIfExists."acs:CurrentTime"`},
		{"condition key case twins", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"oss:Prefix":"a/*","oss:prefix":"secret/*"}}}`), ErrDuplicateKey, `Statement[0].Condition.StringLike."oss:prefix"`},
		{"condition key case twins acs", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8","ACS:SOURCEIP":"11.0.0.0/8"}}}`), ErrDuplicateKey, `Statement[0].Condition.IpAddress."ACS:SOURCEIP"`},
		{"condition key case twins before slash", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"acs:ResourceTag/Env":"a","ACS:resourcetag/Env":"b"}}}`), ErrDuplicateKey, `Statement[0].Condition.StringEquals."ACS:resourcetag/Env"`},
		{"condition key case twins ifexists", Identity, doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"ecs:Tag":"a","ECS:tag":"b"}}}`), ErrDuplicateKey, `Statement[0].Condition.StringEqualsIfExists."ECS:tag"`},
		{"operator case", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringEquals":{"k":"v"}}}`), ErrUnknownElement, "Statement[0].Condition.stringEquals"},
		{"operator not object", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"v"}}`), ErrInvalid, "Statement[0].Condition.StringEquals"},
		{"operator empty", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}`), ErrMissing, "Statement[0].Condition.StringEquals"},
		{"duplicate operator", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"a":"true"},"Bool":{"b":"true"}}}`), ErrDuplicateKey, "Statement[0].Condition.Bool"},
		{"duplicate condition key", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"acs:SourceVpc":"a","acs:SourceVpc":"b"}}}`), ErrDuplicateKey, `Statement[0].Condition.StringEquals."acs:SourceVpc"`},
		{"empty values", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":[]}}}`), ErrMissing, `Statement[0].Condition.Bool."acs:MFAPresent"`},
		{"value number", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"n":5}}}`), ErrInvalid, `Statement[0].Condition.NumericEquals.n`},
		{"value bool", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":[true]}}}`), ErrInvalid, `Statement[0].Condition.Bool."acs:MFAPresent"[0]`},
		{"bad cidr", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}`), ErrInvalid, `Statement[0].Condition.IpAddress."acs:SourceIp"[1]`},
		{"bad date", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2019-08-12"}}}`), ErrInvalid, `Statement[0].Condition.DateLessThan."acs:CurrentTime"`},
		{"bad number", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"n":"1e3"}}}`), ErrInvalid, `Statement[0].Condition.NumericLessThan.n`},
		{"bad bool", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"yes"}}}`), ErrInvalid, `Statement[0].Condition.Bool."acs:SecureTransport"`},
		{"empty condition key", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"":"v"}}}`), ErrInvalid, `Statement[0].Condition.StringEquals.""`},
		{"too deep", Identity, strings.Repeat("[", 17) + strings.Repeat("]", 17), ErrLimit, ""},
		{"too large", Identity, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:` + strings.Repeat("a", 6100) + `"}`), ErrLimit, ""},
		{"session too large", Session, doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:` + strings.Repeat("a", 2000) + `"}`), ErrLimit, ""},
	}
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.name], "duplicate case name %s", c.name)
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse([]byte(c.in), WithKind(c.kind))
			assert.Nil(t, d, "no half-built document on error")
			requireParseError(t, err, c.sentinel, c.path)
		})
	}
}

func TestParseErrorPosition(t *testing.T) {
	in := "{\n  \"Version\": \"1\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\",\n     \"Condition\": {\"IpAddress\": {\"acs:SourceIp\": \"300.0.0.1\"}}}\n  ]\n}"
	_, err := Parse([]byte(in), WithFile("p.json"))
	pe := requireParseError(t, err, ErrInvalid, `Statement[0].Condition.IpAddress."acs:SourceIp"`)
	assert.Equal(t, "p.json", pe.File)
	assert.Equal(t, 5, pe.Line)
	assert.Equal(t, strings.Index(in, `"300.0.0.1"`), pe.Offset)
	lineStart := strings.LastIndex(in[:pe.Offset], "\n") + 1
	assert.Equal(t, pe.Offset-lineStart+1, pe.Column)
	assert.Equal(t, 50, pe.Column)
	assert.True(t, strings.HasPrefix(err.Error(), `p.json:5:50: Statement[0].Condition.IpAddress."acs:SourceIp": invalid value:`), err.Error())

	_, err = Parse([]byte("{\"Version\":\"1\",\n\"Statement\": [,]}"))
	pe = requireParseError(t, err, ErrSyntax, "")
	assert.Equal(t, 2, pe.Line)
	assert.Equal(t, 15, pe.Column)
}

func TestParseErrorMessagesHelp(t *testing.T) {
	_, err := Parse([]byte(doc(`{"effect":"Allow","Action":"*","Resource":"*"}`)))
	assert.Contains(t, err.Error(), `did you mean "Effect"`)
	// Spec §13 D22: the constructs that stay rejected say "not supported by
	// this library" (not "by RAM") and name what Alibaba documents.
	for _, op := range []string{"Null", "ForAnyValue:StringEquals", "ForAllValues:StringLike", "ArnLike", "BinaryEquals"} {
		_, err = Parse([]byte(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"` + op + `":{"k":"v"}}}`)))
		require.Error(t, err, op)
		assert.Contains(t, err.Error(), "AWS operator that this library does not support", op)
		assert.Contains(t, err.Error(), "Alibaba documents the String, Numeric, Date, Bool and IpAddress operators", op)
		assert.NotContains(t, err.Error(), "RAM does not support", op)
	}
	_, err = Parse([]byte(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequalsifexists":{"k":"v"}}}`)))
	assert.Contains(t, err.Error(), `did you mean "StringEqualsIfExists"`)
	_, err = Parse([]byte(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"numericequals":{"k":"1"}}}`)))
	assert.Contains(t, err.Error(), `did you mean "NumericEquals"`)
}

func TestParseAccepts(t *testing.T) {
	in := `{"Version":"1","Statement":[
	  {"Sid":"s1","Effect":"Deny","NotAction":["ram:*","sts:*"],"NotResource":"acs:ram:*:*:role/x",
	   "Condition":{"NotIpAddress":{"acs:SourceIp":["10.0.0.1/24","2001:db8::/32","172.16.215.218"]},
	                "Bool":{"acs:SecureTransport":"TRUE"},
	                "DateLessThan":{"acs:CurrentTime":"2019-08-12T17:00:00+08:00"},
	                "NumericGreaterThan":{"n":["-1.50","+20"]},
	                "StringLike":{"oss:Prefix":"a*?", "acs:ResourceTag/env":["prod","é"]}}},
	  {"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}`
	d, err := Parse([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, Identity, d.Kind)
	require.Len(t, d.Statements, 2)
	s := d.Statements[0]
	assert.Equal(t, "s1", s.Sid)
	assert.Equal(t, Deny, s.Effect)
	assert.Nil(t, s.Action)
	assert.Equal(t, []string{"ram:*", "sts:*"}, s.NotAction)
	assert.Equal(t, []string{"acs:ram:*:*:role/x"}, s.NotResource)
	// Conditions are sorted by operator, then by key.
	var got []string
	for _, c := range s.Condition {
		got = append(got, c.Operator.String()+" "+c.Key)
	}
	assert.Equal(t, []string{
		"StringLike acs:ResourceTag/env", "StringLike oss:Prefix", "NumericGreaterThan n",
		"DateLessThan acs:CurrentTime", "Bool acs:SecureTransport", "NotIpAddress acs:SourceIp",
	}, got)
	ip := s.Condition[5]
	assert.Equal(t, "10.0.0.0/24", ip.Values[0].Prefix.String())
	assert.Equal(t, "10.0.0.1/24", ip.Values[0].Raw)
	assert.Equal(t, "172.16.215.218/32", ip.Values[2].Prefix.String())
	assert.True(t, s.Condition[4].Values[0].Bool)
	assert.Equal(t, "2019-08-12T09:00:00Z", s.Condition[3].Values[0].Time.Format("2006-01-02T15:04:05Z07:00"))
	assert.Equal(t, "-1.5", s.Condition[2].Values[0].Number.String())
	assert.Equal(t, "20", s.Condition[2].Values[1].Number.String())
	assert.NotNil(t, d.Statements[1].Condition, `"Condition": {} is kept as an empty, non-nil list`)
	assert.Empty(t, d.Statements[1].Condition)
}

func TestLenientSingleStatement(t *testing.T) {
	in := []byte(`{"Version":"1","Statement":` + allowAll + `}`)
	_, err := Parse(in)
	requireParseError(t, err, ErrInvalid, "Statement")
	d, err := Parse(in, Lenient())
	require.NoError(t, err)
	require.Len(t, d.Statements, 1)
	assert.Equal(t, Allow, d.Statements[0].Effect)
}

func TestTrustDocument(t *testing.T) {
	in := []byte(doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root","acs:ram::1234567890123456:user/dave.b-1_x"],"Service":"ecs.aliyuncs.com","Federated":"acs:ram::1234567890123456:saml-provider/idp"},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}`))
	d, err := Parse(in, WithKind(Trust))
	require.NoError(t, err)
	assert.Equal(t, Trust, d.Kind)
	p := d.Statements[0].Principal
	require.NotNil(t, p)
	assert.Len(t, p.RAM, 2)
	assert.Equal(t, []string{"ecs.aliyuncs.com"}, p.Service)
	assert.Nil(t, d.Statements[0].Resource)
	// The same document is not an identity policy: it lacks a Resource,
	// and with one it still may not name a Principal.
	_, err = Parse(in)
	requireParseError(t, err, ErrMissing, "Statement[0].Resource")
	withResource := strings.Replace(string(in), `"Action":"sts:AssumeRole",`, `"Action":"sts:AssumeRole","Resource":"*",`, 1)
	_, err = Parse([]byte(withResource))
	requireParseError(t, err, ErrInvalid, "Statement[0].Principal")
	d, err = Parse([]byte(withResource), WithKind(Trust))
	require.NoError(t, err, "a trust statement may name a Resource")
	assert.Equal(t, []string{"*"}, d.Statements[0].Resource)
}

func TestLimitsOverride(t *testing.T) {
	big := []byte(doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:` + strings.Repeat("a", 7000) + `"}`))
	_, err := Parse(big)
	requireParseError(t, err, ErrLimit, "")
	_, err = Parse(big, WithLimits(Limits{MaxSize: 10000}))
	require.NoError(t, err)
	_, err = Parse([]byte(doc(allowAll, allowAll, allowAll)), WithLimits(Limits{MaxStatements: 2}))
	requireParseError(t, err, ErrLimit, "Statement")
	_, err = Parse([]byte(doc(`{"Effect":"Allow","Action":["a:b","a:c","a:d"],"Resource":"*"}`)), WithLimits(Limits{MaxValues: 2}))
	requireParseError(t, err, ErrLimit, "Statement[0].Action")
	_, err = Parse(big, WithLimits(Limits{MaxInputBytes: 100}))
	requireParseError(t, err, ErrLimit, "")
	// Whitespace does not count towards MaxSize.
	padded := []byte(strings.Replace(doc(allowAll), ",", ","+strings.Repeat(" ", 10000), 1))
	_, err = Parse(padded)
	require.NoError(t, err)
	assert.Equal(t, 2048, DefaultLimits(Session).MaxSize)
	assert.Equal(t, 6144, DefaultLimits(Trust).MaxSize)
}

func TestMinifiedSizeCountsCharacters(t *testing.T) {
	// 6,144 characters exactly is allowed; multi-byte characters count once.
	base := doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:"}`)
	fill := 6144 - len(base)
	in := strings.Replace(base, `*:*:"`, `*:*:`+strings.Repeat("é", fill)+`"`, 1)
	_, err := Parse([]byte(in))
	require.NoError(t, err, "%d bytes", len(in))
	in = strings.Replace(base, `*:*:"`, `*:*:`+strings.Repeat("é", fill+1)+`"`, 1)
	_, err = Parse([]byte(in))
	requireParseError(t, err, ErrLimit, "")
}

func TestRoundTrip(t *testing.T) {
	in := `{"Version":"1","Statement":[{"Sid":"q\"\\\u0001x","Effect":"Allow","Action":"a:b","Resource":["acs:oss:*:*:é/*"],
	  "Condition":{"StringEquals":{"z":"1","a":["x","y"]},"Bool":{"k":"True"}}}]}`
	_, err := Parse([]byte(in))
	requireParseError(t, err, ErrInvalid, "Statement[0].Sid")
	in = strings.Replace(in, `\u0001`, `\u00e9\t`, 1)
	_, err = Parse([]byte(in))
	requireParseError(t, err, ErrInvalid, "Statement[0].Sid")
	in = strings.Replace(in, `\t`, `<>&`, 1)
	d, err := Parse([]byte(in))
	require.NoError(t, err)
	out, err := d.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"1","Statement":[{"Sid":"q\"\\é<>&x","Effect":"Allow","Action":"a:b","Resource":"acs:oss:*:*:é/*","Condition":{"StringEquals":{"a":["x","y"],"z":"1"},"Bool":{"k":"True"}}}]}`, string(out))
	d2, err := Parse(out)
	require.NoError(t, err)
	assert.Equal(t, d, d2)
	assert.Equal(t, string(out), d.String())
	// encoding/json re-escapes HTML characters in what MarshalJSON returns;
	// the result still parses to the same document.
	viaStd, err := json.Marshal(d)
	require.NoError(t, err)
	d3, err := Parse(viaStd)
	require.NoError(t, err)
	assert.Equal(t, d, d3)
}

func TestUnmarshalJSON(t *testing.T) {
	var wrapper struct {
		Policy Document `json:"policy"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"policy":`+doc(allowAll)+`}`), &wrapper))
	assert.Equal(t, Allow, wrapper.Policy.Statements[0].Effect)

	trust := Document{Kind: Trust}
	require.NoError(t, json.Unmarshal([]byte(doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs.aliyuncs.com"}}`)), &trust))
	assert.Equal(t, Trust, trust.Kind)

	prev := wrapper.Policy.String()
	err := json.Unmarshal([]byte(`{"policy":`+doc(`{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}`)+`}`), &wrapper)
	requireParseError(t, err, ErrDuplicateKey, "Statement[0].Effect")
	assert.Equal(t, prev, wrapper.Policy.String(), "a failed Unmarshal leaves the document as it was")
}

func TestValidate(t *testing.T) {
	d := &Document{Version: "1", Statements: []Statement{{Effect: Allow, Action: []string{"ecs:*"}, Resource: []string{"*"}}}}
	require.NoError(t, d.Validate())
	d.Statements[0].Effect = 0
	err := d.Validate()
	pe := requireParseError(t, err, ErrInvalid, "Statement[0].Effect")
	assert.Equal(t, -1, pe.Offset)
	assert.Zero(t, pe.Line)
	d.Statements[0].Effect = Deny
	d.Statements[0].NotAction = []string{"ram:*"}
	requireParseError(t, d.Validate(), ErrConflict, "Statement[0].NotAction")
	d.Statements[0].NotAction = nil
	d.Statements[0].Condition = []Condition{{Operator: IpAddress, Key: "acs:SourceIp", Values: []Value{{Raw: "nope"}}}}
	// Validate checks the canonical form, which writes a single value as a
	// string, so the path ends at the key.
	requireParseError(t, d.Validate(), ErrInvalid, `Statement[0].Condition.IpAddress."acs:SourceIp"`)
	d.Statements[0].Condition[0].Values = append(d.Statements[0].Condition[0].Values, Value{Raw: "10.0.0.0/8"})
	requireParseError(t, d.Validate(), ErrInvalid, `Statement[0].Condition.IpAddress."acs:SourceIp"[0]`)
	var nilDoc *Document
	assert.ErrorIs(t, nilDoc.Validate(), ErrMissing)
}

func TestParseFile(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.json":  {Data: []byte(doc(allowAll))},
		"bad.json": {Data: []byte(doc(`{"Effect":"Allow","Action":"*"}`))},
	}
	d, err := ParseFile(fsys, "ok.json")
	require.NoError(t, err)
	assert.Len(t, d.Statements, 1)
	_, err = ParseFile(fsys, "bad.json")
	pe := requireParseError(t, err, ErrMissing, "Statement[0].Resource")
	assert.Equal(t, "bad.json", pe.File)
	assert.True(t, strings.HasPrefix(err.Error(), "bad.json:1:"), err.Error())
	_, err = ParseFile(fsys, "missing.json")
	require.Error(t, err)
	var target *ParseError
	assert.False(t, errors.As(err, &target), "read errors are passed through")
}

// TestParseFileBounded checks issue 11 item 9 for the library: a file over
// the input limit is ErrLimit without being read whole, and a name that is
// not a regular file is refused.
func TestParseFileBounded(t *testing.T) {
	fsys := fstest.MapFS{
		"big.json": {Data: []byte(doc(allowAll) + strings.Repeat(" ", 1<<20))},
		"dir/a":    {Data: []byte("x")},
	}
	_, err := ParseFile(fsys, "big.json")
	pe := requireParseError(t, err, ErrLimit, "")
	assert.Equal(t, "big.json", pe.File)
	_, err = ParseFile(fsys, "big.json", WithLimits(Limits{MaxInputBytes: 2 << 20}))
	require.NoError(t, err, "a raised limit is honoured")
	_, err = ParseFile(fsys, "dir")
	require.Error(t, err)
	var target *ParseError
	assert.False(t, errors.As(err, &target), "read errors are passed through: %v", err)
	assert.Contains(t, err.Error(), "not a regular file")
}

func TestParseValueAndKinds(t *testing.T) {
	v, err := ParseValue(NumericLessThan, "10")
	require.NoError(t, err)
	assert.Equal(t, "10", v.Number.String())
	_, err = ParseValue(NumericLessThan, "x")
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = ParseValue(0, "x")
	assert.ErrorIs(t, err, ErrUnknownElement)
	for _, k := range []Kind{Identity, Trust, Session} {
		got, err := ParseKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	_, err = ParseKind("Identity")
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, "Effect(0)", Effect(0).String())
	assert.False(t, Effect(0).Valid())
}

// TestParseRejectsLoneSurrogatePosition checks the position and message of
// a lone surrogate escape (issue 11 item 8), and that a proper pair and an
// escaped backslash before "u" are still accepted.
func TestParseRejectsLoneSurrogatePosition(t *testing.T) {
	in := doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:a\ud800"}`)
	_, err := Parse([]byte(in))
	pe := requireParseError(t, err, ErrInvalid, "Statement[0].Resource")
	assert.Equal(t, strings.Index(in, `\ud800`), pe.Offset, "the error points at the escape")
	assert.Contains(t, err.Error(), `escaped lone UTF-16 surrogate`)

	d, err := Parse([]byte(doc(`{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:\ud83d\ude00\\ud800"}`)))
	require.NoError(t, err)
	assert.Equal(t, []string{`acs:oss:*:*:😀\ud800`}, d.Statements[0].Resource)
}
