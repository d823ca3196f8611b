package diagseal

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSealOpen: a message opens with its key and account only, in Seal's
// spelling only, and not once altered or under another version byte.
func TestSealOpen(t *testing.T) {
	key, other := &[32]byte{1}, &[32]byte{2}
	enc, err := Seal(key, "1111111111111111", []byte("why"))
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(enc)
	require.NoError(t, err)
	assert.Len(t, raw, 1+12+3+16)
	assert.Equal(t, byte(Version), raw[0])

	got, err := Open(key, "1111111111111111", enc)
	require.NoError(t, err)
	assert.Equal(t, "why", string(got))
	for name, tc := range map[string]struct {
		key     *[32]byte
		account string
		enc     string
	}{
		"other key":     {other, "1111111111111111", enc},
		"other account": {key, "2222222222222222", enc},
		"unpadded":      {key, "1111111111111111", base64.RawStdEncoding.EncodeToString(raw)}, // 32 bytes: Seal pads
		"version 2":     {key, "1111111111111111", base64.StdEncoding.EncodeToString(append([]byte{2}, raw[1:]...))},
		"truncated":     {key, "1111111111111111", base64.StdEncoding.EncodeToString(raw[:20])},
		"altered":       {key, "1111111111111111", base64.StdEncoding.EncodeToString(append(append([]byte{}, raw[:len(raw)-1]...), raw[len(raw)-1]^1))},
		"empty":         {key, "1111111111111111", ""},
	} {
		_, err := Open(tc.key, tc.account, tc.enc)
		assert.ErrorIs(t, err, ErrInvalid, name)
	}
}
