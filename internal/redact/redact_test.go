package redact

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

type secretish struct{ secret string }

func (s secretish) Format(f fmt.State, verb rune) {
	Format(f, verb, "secretish{"+Mark+"}", "redact.secretish{secret: \""+Mark+"\"}")
}

func TestFormatVerbs(t *testing.T) {
	v := secretish{secret: "hunter2"}
	for verb, want := range map[string]string{
		"%v":   "secretish{[REDACTED]}",
		"%+v":  "secretish{[REDACTED]}",
		"%s":   "secretish{[REDACTED]}",
		"%d":   "secretish{[REDACTED]}",
		"%x":   "secretish{[REDACTED]}",
		"%10v": "secretish{[REDACTED]}",
		"%q":   `"secretish{[REDACTED]}"`,
		"%#v":  `redact.secretish{secret: "[REDACTED]"}`,
	} {
		got := fmt.Sprintf(verb, v)
		assert.Equal(t, want, got, verb)
		assert.NotContains(t, got, v.secret)
	}
}
