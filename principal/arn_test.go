package principal

import "testing"

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
