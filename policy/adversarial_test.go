package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Documents built to hurt the parser. Each is either parsed or rejected with
// a typed error; none may panic, and the size of what Parse builds is
// bounded by the limits.

func TestAdversarialCorpus(t *testing.T) {
	rejected := map[string]error{
		"identity-too-many-wildcards.reject.json":  ErrLimit,
		"identity-nul-in-resource.reject.json":     ErrInvalid,
		"identity-nul-in-condition.reject.json":    ErrInvalid,
		"identity-huge-condition-list.reject.json": ErrLimit,
		"identity-invalid-utf8.reject.json":        ErrSyntax,
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "adversarial", "policies", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := 0
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := Parse(data)
			if want, ok := rejected[name]; ok {
				seen++
				assert.Nil(t, d)
				assert.ErrorIs(t, err, want)
				return
			}
			require.True(t, !strings.Contains(name, ".reject."), "a .reject. file needs an expected error")
			require.NoError(t, err)
			out := d.AppendJSON(nil)
			assert.LessOrEqual(t, len([]rune(string(out))), DefaultLimits(Identity).MaxSize)
		})
	}
	assert.Equal(t, len(rejected), seen, "every expected rejection has its file")
}

func TestAdversarialGenerated(t *testing.T) {
	mib := strings.Repeat("a", 1<<20)
	cases := []struct {
		name     string
		in       []byte
		sentinel error
		offset   int // expected offset, or -2 to skip the check
	}{
		{"1 MiB action", []byte(doc(`{"Effect":"Allow","Action":"ecs:` + mib + `","Resource":"*"}`)), ErrLimit, -1},
		{"1 MiB resource", []byte(doc(`{"Effect":"Allow","Action":"*","Resource":"acs:` + mib + `"}`)), ErrLimit, -1},
		{"2 MiB of whitespace", []byte(strings.Repeat(" ", 2<<20) + doc(allowAll)), ErrLimit, -1},
		{"a million open brackets", bytes.Repeat([]byte("["), 1_000_000), ErrLimit, 16},
		{"deep objects", []byte(strings.Repeat(`{"a":`, 100_000)), ErrLimit, 16 * 5},
		{"deep condition", []byte(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}}}`)), ErrLimit, -2},
		{"NUL byte raw", []byte("{\"Version\":\"1\x00\"}"), ErrSyntax, -2},
		{"lone surrogate escape in action", []byte(doc(`{"Effect":"Allow","Action":"ecs:\ud800","Resource":"*"}`)), ErrInvalid, -2},
		{"BOM", append([]byte("\xef\xbb\xbf"), doc(allowAll)...), ErrSyntax, -2},
		{"empty input", nil, ErrSyntax, -2},
		{"many duplicate keys", []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"` + strings.Repeat(`,"Sid":"x"`, 500) + `}]}`), ErrDuplicateKey, -2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse(c.in)
			assert.Nil(t, d)
			pe := requireParseErrorKind(t, err, c.sentinel)
			if c.offset != -2 {
				assert.Equal(t, c.offset, pe.Offset)
			}
		})
	}
}

func requireParseErrorKind(t *testing.T, err error, sentinel error) *ParseError {
	t.Helper()
	require.Error(t, err)
	pe, ok := err.(*ParseError)
	require.True(t, ok, "%T", err)
	require.ErrorIs(t, err, sentinel, "%v", err)
	return pe
}

func TestAdversarialLimitsRaised(t *testing.T) {
	// Raising the limits is allowed; the parser still builds only what the
	// input describes.
	var stmts []string
	for i := 0; i < 3000; i++ {
		stmts = append(stmts, `{"Effect":"Allow","Action":"s`+itoa(i)+`:*","Resource":"*"}`)
	}
	in := []byte(doc(stmts...))
	_, err := Parse(in)
	requireParseErrorKind(t, err, ErrLimit)
	d, err := Parse(in, WithLimits(Limits{MaxSize: len(in), MaxStatements: 3000}))
	require.NoError(t, err)
	assert.Len(t, d.Statements, 3000)
}
