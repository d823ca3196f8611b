package directory

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDiagnosticMessages: a message sealed for an account decodes for that
// account, in any directory with the same key-encryption key, and nowhere
// else: not for another account, not under another key, not altered, not
// in another base64 spelling.
func TestDiagnosticMessages(t *testing.T) {
	kek := []byte(strings.Repeat("k", 32))
	const a, b = "1111111111111111", "2222222222222222"
	newDir := func(key []byte) *Directory {
		d := MustNew(Options{KeyEncryptionKey: key})
		for _, uid := range []string{a, b} {
			_, err := d.CreateAccount(uid)
			require.NoError(t, err)
		}
		return d
	}
	d := newDir(kek)
	msg := `{"principal":"acs:ram::1111111111111111:user/alice","decision":"ExplicitDeny"}`
	enc, err := d.EncodeDiagnosticMessage(a, []byte(msg))
	require.NoError(t, err)
	assert.NotContains(t, enc, "alice")

	got, err := d.DecodeDiagnosticMessage(a, enc)
	require.NoError(t, err)
	assert.Equal(t, msg, got)
	got, err = newDir(kek).DecodeDiagnosticMessage(a, enc)
	require.NoError(t, err, "the same key-encryption key decodes after a restart")
	assert.Equal(t, msg, got)

	_, err = d.DecodeDiagnosticMessage(b, enc)
	assert.ErrorIs(t, err, ErrInvalid, "another account")
	_, err = newDir(nil).DecodeDiagnosticMessage(a, enc)
	assert.ErrorIs(t, err, ErrInvalid, "another key-encryption key")
	flipped := []byte(enc)
	flipped[len(flipped)/2] ^= 1
	_, err = d.DecodeDiagnosticMessage(a, string(flipped))
	assert.ErrorIs(t, err, ErrInvalid, "altered")
	require.True(t, strings.HasSuffix(enc, "="), "1+12+%d+16 bytes are padded", len(msg))
	_, err = d.DecodeDiagnosticMessage(a, strings.TrimRight(enc, "="))
	assert.ErrorIs(t, err, ErrInvalid, "unpadded spelling")
	_, err = d.DecodeDiagnosticMessage(a, "")
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = d.DecodeDiagnosticMessage("3333333333333333", enc)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = d.EncodeDiagnosticMessage("3333333333333333", []byte(msg))
	assert.ErrorIs(t, err, ErrNotFound)
}
