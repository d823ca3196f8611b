package signature

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// The client address (acs:SourceIp) of every form of Request.RemoteAddr:
// the usual a.b.c.d:port, IPv6 in brackets with and without a zone,
// IPv4-mapped IPv6 (compared as the IPv4 address it maps, spec §13 D25),
// no port, and malformed forms, which give no address. Pinned as the
// netip-based reading gives them, so that a faster reader of the common
// form cannot change any of them.
func TestSourceIPRemoteAddrForms(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	for _, tc := range []struct{ remote, want string }{
		{"1.2.3.4:80", "1.2.3.4"},
		{"1.2.3.4", "1.2.3.4"},
		{"[::1]:80", "::1"},
		{"::1", "::1"},
		{"[fe80::1%eth0]:80", "fe80::1%eth0"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"[::ffff:1.2.3.4]:80", "1.2.3.4"},
		{"::ffff:1.2.3.4", "1.2.3.4"},
		{"[::ffff:a01:203]:443", "10.1.2.3"},
		{"01.2.3.4:80", ""},
		{"1.2.3.4:065", "1.2.3.4"},
		{"1.2.3.4:0", "1.2.3.4"},
		{"1.2.3.4:65535", "1.2.3.4"},
		{"1.2.3.4:65536", ""},
		{"1.2.3.4:99999", ""},
		{"1.2.3.4:", ""},
		{":80", ""},
		{"[1.2.3.4]:80", ""},
		{"1.2.3.4:80:90", ""},
		{"@", ""},
		{"/run/x.sock", ""},
		{" 1.2.3.4:80", ""},
		{"1.2.3.4:80 ", ""},
		{"1.2.3.4 :80", ""},
		{"1.2.3.4:+80", ""},
		{"1.2.3.4:-1", ""},
		{"1.2.3.4:8_0", ""},
		{"[::1]", ""},
		{"1.2.3.4%eth0:80", ""},
		{"256.1.1.1:80", ""},
		{"1.2.3:80", ""},
		{"1.2.3.4.5:80", ""},
		{"255.255.255.255:1", "255.255.255.255"},
		{"0.0.0.0:0", "0.0.0.0"},
		{"1.2.3.4:000080", "1.2.3.4"},
		{"1.2.3.4:0x50", ""},
		{"１.2.3.4:80", ""},
		{"1.2.3.4:٨٠", ""},
		{"1.2.3.04:80", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		got := v.sourceIP(r)
		if tc.want == "" {
			assert.False(t, got.IsValid(), "%q gave %v", tc.remote, got)
			continue
		}
		assert.Equal(t, netip.MustParseAddr(tc.want), got, "%q", tc.remote)
	}
}
