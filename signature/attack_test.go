package signature

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unsafe"

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

// TestKeyStatesDoNotPinTheHeader: the key states are stored (before the
// signature is checked) under the AccessKeyId read from the Authorization
// header; the stored key must be a copy, not a slice of the header, or a
// caller who knows an AccessKeyId but not its secret pins a header of up
// to http.Server's MaxHeaderBytes (1 MiB by default) per known key and
// lifetime, by padding the Authorization header.
func TestKeyStatesDoNotPinTheHeader(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	r := v3Request(t, aliceKey, t0, "")
	h := r.Header.Get("Authorization")
	pad := strings.Repeat(" ", 1<<16)
	// White space around a part is allowed; the signature is wrong on
	// purpose: the states are stored before it is checked.
	h = strings.Replace(h, ",", ","+pad, 1)
	h = h[:len(h)-1] + "0"
	if h == r.Header.Get("Authorization") {
		h = h[:len(h)-1] + "1"
	}
	r.Header.Set("Authorization", h)
	_, err := v.Verify(r)
	require.Error(t, err)
	require.NotNil(t, v.keys.get(aliceKey.AccessKeyID), "the states are stored before the signature is checked")
	start := uintptr(unsafe.Pointer(unsafe.StringData(h)))
	v.keys.m.Range(func(k, _ any) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(k.(string))))
		assert.False(t, p >= start && p < start+uintptr(len(h)), "the cached key %q is a slice of the %d-byte Authorization header", k, len(h))
		return true
	})
}
