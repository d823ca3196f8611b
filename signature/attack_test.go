package signature

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIdentityStringsSurviveOverwrite: the strings Verify hands out and
// keeps (the AccessKeyId the nonce cache is keyed by) must not change when
// the caller overwrites the *Identity it was given, which it owns (here:
// zeroes it to reuse it). A V1 request small enough for the Identity's
// inline text buffer, with its AccessKeyId percent-escaped so that it is
// decoded into that buffer: after the caller clears the Identity, the
// same request replayed must still be refused.
func TestIdentityStringsSurviveOverwrite(t *testing.T) {
	v, creds, _ := newTestVerifier(t, Config{})
	k := Key{AccessKeyID: "k1", AccessKeySecret: "s1"}
	creds.AddAccessKey(k.AccessKeyID, k.AccessKeySecret, alice)
	signed, err := SignV1("GET", url.Values{}, k, t0, "n1")
	require.NoError(t, err)
	q := strings.Replace(signed.Encode(), "AccessKeyId=k1", "AccessKeyId=%6B1", 1)
	req := func() *http.Request { return httptest.NewRequest("GET", "http://x.example.com/?"+q, nil) }
	id, err := v.Verify(req())
	require.NoError(t, err)
	keyID, nonce := id.AccessKeyID, id.Nonce
	require.Equal(t, "k1", keyID)
	*id = Identity{} // the caller's to reuse
	assert.Equal(t, "k1", keyID, "a string Verify returned changed when the caller cleared its Identity")
	assert.Equal(t, "n1", nonce)
	_, err = v.Verify(req())
	assert.ErrorIs(t, err, ErrNonceUsed, "the replay must be refused")
}
