package match

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An Arena compiles every pattern to what Compile builds, and the result
// shares no memory with the string it was given.
func TestArenaCompileAgrees(t *testing.T) {
	patterns := []string{
		"", "*", "?", "ecs:Describe*", "ECS:*Instance*Attr?", "acs:oss:*:*:bucket/*/obj-??-*",
		"a*b*c*d", "*?*", "x**y", "Ab" + strings.Repeat("?", 20) + "*C*" + strings.Repeat("Z", 300),
		"\xff", "é*ß?*Ω", strings.Repeat("Q", 20000) + "*q*",
	}
	var a Arena
	inputs := []string{"", "a", "ecs:DescribeInstances", "acs:oss:r:1:bucket/x/obj-12-z", "abcd", "xy", "é-ß-Ω"}
	for _, fold := range []bool{false, true} {
		for _, s := range patterns {
			want, werr := Compile(s, fold)
			got, gerr := a.Compile(s, fold)
			require.Equal(t, werr, gerr, s)
			if werr != nil {
				continue
			}
			assert.True(t, reflect.DeepEqual(want, got), "%q fold=%v", s, fold)
			for _, in := range inputs {
				assert.Equal(t, want.Match(in), got.Match(in), "%q ~ %q", s, in)
			}
			if s != "" {
				start := uintptr(unsafe.Pointer(unsafe.StringData(s)))
				p := uintptr(unsafe.Pointer(unsafe.StringData(got.src)))
				assert.False(t, p >= start && p < start+uintptr(len(s)), "%q: the pattern keeps the caller's string", s)
			}
		}
	}
}

// Compiling through an Arena allocates a block now and then, not per
// pattern (a folded chunk between stars still gets its own KMP table).
func TestArenaAllocations(t *testing.T) {
	var a Arena
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := a.Compile("acs:Svc:*:1234567890123456:Res/7/*", false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Compile("Svc7:Verb7*", true); err != nil {
			t.Fatal(err)
		}
	})
	assert.Less(t, allocs, 0.1)
}
