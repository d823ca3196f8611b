package policy

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The corpus under ../testdata/policies holds hand-written documents: valid/
// must parse (and round-trip), invalid/ must fail with the sentinel and path
// written in each NAME.golden. File names start with the document kind.

var sentinelNames = map[string]error{
	"ErrSyntax": ErrSyntax, "ErrDuplicateKey": ErrDuplicateKey, "ErrUnknownElement": ErrUnknownElement,
	"ErrMissing": ErrMissing, "ErrInvalid": ErrInvalid, "ErrConflict": ErrConflict, "ErrLimit": ErrLimit,
}

func kindFromName(t *testing.T, name string) Kind {
	prefix, _, _ := strings.Cut(name, "-")
	k, err := ParseKind(prefix)
	require.NoError(t, err, "corpus file %s must start with identity-, trust- or session-", name)
	return k
}

func corpusFiles(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "policies", dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "the %s corpus is empty", dir)
	return files
}

func TestCorpusValid(t *testing.T) {
	files := corpusFiles(t, "valid")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			kind := kindFromName(t, name)
			d, err := Parse(data, WithKind(kind), WithFile(name))
			require.NoError(t, err)
			assert.Equal(t, kind, d.Kind)
			out, err := d.MarshalJSON()
			require.NoError(t, err)
			d2, err := Parse(out, WithKind(kind))
			require.NoError(t, err, "canonical form must parse: %s", out)
			assert.Equal(t, d, d2, "Parse(Marshal(d)) == d")
		})
	}
	t.Logf("%d valid documents", len(files))
}

func readGolden(t *testing.T, path string) (sentinel error, sentinelName, jsonPath string) {
	data, err := os.ReadFile(path)
	require.NoError(t, err, "every invalid document needs a .golden file")
	sc := bufio.NewScanner(bytes.NewReader(data))
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "error:"):
			sentinelName = strings.TrimSpace(strings.TrimPrefix(line, "error:"))
			sentinel = sentinelNames[sentinelName]
			require.NotNil(t, sentinel, "%s: unknown sentinel %q", path, sentinelName)
			seen++
		case strings.HasPrefix(line, "path:"):
			jsonPath = strings.TrimSpace(strings.TrimPrefix(line, "path:"))
			seen++
		case strings.TrimSpace(line) == "":
		default:
			t.Fatalf("%s: unexpected line %q", path, line)
		}
	}
	require.Equal(t, 2, seen, "%s needs an error: and a path: line", path)
	return sentinel, sentinelName, jsonPath
}

func TestCorpusInvalid(t *testing.T) {
	files := corpusFiles(t, "invalid")
	counts := map[string]int{}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			sentinel, sname, path := readGolden(t, strings.TrimSuffix(f, ".json")+".golden")
			counts[sname]++
			d, err := Parse(data, WithKind(kindFromName(t, name)), WithFile(name))
			assert.Nil(t, d)
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.ErrorIs(t, err, sentinel, "%v", err)
			assert.Equal(t, path, pe.Path, "%v", err)
			assert.Equal(t, name, pe.File)
		})
	}
	t.Logf("%d invalid documents: %v", len(files), counts)
	assert.GreaterOrEqual(t, len(files), 40)
	for sname := range sentinelNames {
		assert.NotZero(t, counts[sname], "no invalid document exercises %s", sname)
	}
}
