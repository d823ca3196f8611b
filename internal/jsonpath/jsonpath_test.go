package jsonpath

import "testing"

func TestIsIdent(t *testing.T) {
	for name, want := range map[string]bool{
		"Statement": true, "_x9": true, "a1": true,
		"": false, "9a": false, "acs:SourceIp": false, "a b": false, "ſ": false, "a-b": false,
	} {
		if got := IsIdent(name); got != want {
			t.Errorf("IsIdent(%q) = %v, want %v", name, got, want)
		}
	}
}
