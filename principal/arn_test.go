package principal

import (
	"strings"
	"testing"
)

func TestARNAccount(t *testing.T) {
	for in, want := range map[string]string{
		"acs:ecs:cn-hangzhou:1234567890123456:instance/i-1": "1234567890123456",
		"acs:ram::1234567890123456:user/alice":              "1234567890123456",
		"acs:oss:*:*:bucket/key":                            "*",
		"acs:oss:*::bucket":                                 "",
		"acs:oss:*:1234567890123456":                        "",
		"acs:oss":                                           "",
		"arn:aws:s3:::bucket":                               "",
		"*":                                                 "",
		"":                                                  "",
		"acs:a:b:c:d:e":                                     "c",
	} {
		if got := ARNAccount(in); got != want {
			t.Errorf("ARNAccount(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = ARNAccount("acs:ecs:cn:1234567890123456:x") }); n != 0 {
		t.Errorf("ARNAccount allocates %v", n)
	}
}

// arnAccountRef is the slow, obviously correct ARNAccount: split on the
// first four colons and take the fourth field.
func arnAccountRef(arn string) string {
	f := strings.SplitN(arn, ":", 5)
	if len(f) < 5 || f[0] != "acs" {
		return ""
	}
	return f[3]
}

// FuzzARNAccount checks the word-at-a-time ARNAccount against the
// reference on arbitrary input.
func FuzzARNAccount(f *testing.F) {
	for _, s := range []string{"acs:ecs:cn-hangzhou:1234567890123456:instance/i-1", "acs:ram::1:user/a",
		"acs:::::", "acs::", "ACS:a:b:c:d", "acs:a:b:c", "acs:a:b:c:", ":acs:a:b:c:d", "acs:oss:*:*:b/k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		if got, want := ARNAccount(arn), arnAccountRef(arn); got != want {
			t.Fatalf("ARNAccount(%q) = %q, reference %q", arn, got, want)
		}
	})
}
