package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseAuthorizationSlow is the obviously correct reading of a V3
// Authorization header that parseAuthorization must agree with: the parts
// cut at ',' and trimmed, each cut at its first '=', the signed names cut
// at ';' one by one.
func parseAuthorizationSlow(h string, a *slowAuthorization) (int, *Error) {
	rest, ok := strings.CutPrefix(h, AlgorithmV3+" ")
	if !ok {
		return 0, unsupportedAlgorithm(h)
	}
	var haveCred, haveSigned, haveSig, lower bool
	count := 0
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return 0, refuse(ErrIncomplete, "Authorization: expected key=value")
		case k == "Credential" && !haveCred:
			a.keyID, haveCred = val, true
		case k == "SignedHeaders" && !haveSigned:
			lower = strings.ToLower(val) == val && !strings.ContainsFunc(val, func(r rune) bool { return r >= 0x80 })
			n := 0
			for val != "" {
				if n == MaxSignedHeaders {
					return 0, refuse(ErrIncomplete, "more than 32 SignedHeaders")
				}
				a.signed[n], val, _ = strings.Cut(val, ";")
				n++
			}
			count, haveSigned = n, true
		case k == "Signature" && !haveSig:
			if len(val) != 2*len(a.signature) {
				return 0, refuse(ErrSignatureMismatch, "the signature must be 64 hex digits")
			}
			for i := range a.signature {
				hi := strings.IndexByte("0123456789abcdef", val[2*i])
				lo := strings.IndexByte("0123456789abcdef", val[2*i+1])
				if hi < 0 || lo < 0 {
					return 0, refuse(ErrSignatureMismatch, "the signature must be 64 lower-case hex digits")
				}
				a.signature[i] = byte(hi<<4 | lo)
			}
			haveSig = true
		default:
			return 0, refuse(ErrIncomplete, "Authorization: unexpected or repeated "+k)
		}
	}
	if !haveCred || !haveSigned || !haveSig || a.keyID == "" || len(a.keyID) > MaxKeyIDLength {
		return 0, refuse(ErrIncomplete, "Authorization needs Credential, SignedHeaders and Signature")
	}
	for i, name := range a.signed[:count] {
		if name == "" || !lower || (i > 0 && a.signed[i-1] >= name) {
			return 0, refuse(ErrIncomplete, "SignedHeaders must be lower-case ASCII, sorted and without repeats")
		}
	}
	return count, nil
}

// slowAuthorization is parseAuthorizationSlow's result.
type slowAuthorization struct {
	keyID     string
	signature [sha256.Size]byte
	signed    [MaxSignedHeaders]string
}

// checkAuthorization: parseAuthorization and parseAuthorizationSlow agree
// on h: the same refusal (sentinel and message), or the same AccessKeyId,
// signature and signed names.
func checkAuthorization(t *testing.T, h string) {
	t.Helper()
	var want slowAuthorization
	got, n, err := parseAuthorization(h)
	wantN, wantErr := parseAuthorizationSlow(h, &want)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("parseAuthorization(%q): error %v, reference %v", h, err, wantErr)
	}
	if err != nil {
		if err.Err != wantErr.Err || err.Msg != wantErr.Msg {
			t.Fatalf("parseAuthorization(%q) = %v, reference %v", h, err, wantErr)
		}
		return
	}
	names := make([]string, n)
	for i := range names {
		names[i] = got.name(i)
	}
	if n != wantN || got.keyID != want.keyID || got.signature != want.signature || !slices.Equal(names, want.signed[:wantN]) {
		t.Fatalf("parseAuthorization(%q) = %d %q %x %q, reference %d %q %x %q", h,
			n, got.keyID, got.signature, names, wantN, want.keyID, want.signature, want.signed[:wantN])
	}
}

var authorizationSeeds = []string{
	"ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host;x-acs-date,Signature=" + strings.Repeat("0f", 32),
	"ACS3-HMAC-SHA256  Credential=LTAI , SignedHeaders=host;x-acs-date;, Signature=" + strings.Repeat("a9", 32) + " ",
	"ACS3-HMAC-SHA256 SignedHeaders=b;a,Credential=k,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=Host,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=a;;b,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=a;\u00e9,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=" + strings.Repeat("a;", 32) + ",Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=" + strings.Repeat("AB", 32),
	"ACS3-HMAC-SHA256 Credential=k,Credential=j,SignedHeaders=host,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential=k=j,SignedHeaders=host,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 \u00a0Credential=k,SignedHeaders=host\u2003,Signature=" + strings.Repeat("00", 32),
	"ACS3-HMAC-SHA256 Credential,SignedHeaders=host",
	"ACS3-HMAC-SHA256 ,,,",
	"ACS3-HMAC-SHA256 ",
	"ACS3-HMAC-SM3 Credential=k",
	"ACS4-HMAC-SHA256 Credential=k",
}

// TestParseAuthorizationMatchesReference: the seeds, among them every
// refusal, read the same by both parsers, and a typical header reads as
// expected.
func TestParseAuthorizationMatchesReference(t *testing.T) {
	for _, h := range authorizationSeeds {
		checkAuthorization(t, h)
	}
	a, n, err := parseAuthorization(authorizationSeeds[1])
	require.Nil(t, err)
	assert.Equal(t, "LTAI", a.keyID)
	assert.Equal(t, 2, n)
	assert.Equal(t, "host", a.name(0))
	assert.Equal(t, "x-acs-date", a.name(1))
	assert.Equal(t, byte(0xa9), a.signature[31])
}

// FuzzParseAuthorization: parseAuthorization agrees with
// parseAuthorizationSlow on any header.
func FuzzParseAuthorization(f *testing.F) {
	for _, h := range authorizationSeeds {
		f.Add(h)
	}
	f.Fuzz(checkAuthorization)
}

// TestCanonicalParamsMatchReference: appendCanonicalParams (positions
// sorted on the stack up to 16 parameters, a sorted copy beyond) equals
// sorting with sort.Slice and joining, with and without a skipped key, for
// 0 to 40 parameters.
func TestCanonicalParamsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 41 {
		for range 20 {
			var ps params
			seen := map[string]bool{}
			for len(ps) < n {
				k := string(rune('A'+rng.IntN(58))) + strconv.Itoa(rng.IntN(50))
				if !seen[k] {
					seen[k] = true
					ps = append(ps, param{k, "v " + k + "*"})
				}
			}
			skip := ""
			if n > 0 && rng.IntN(2) == 0 {
				skip = ps[rng.IntN(n)].key
			}
			sorted := slices.Clone(ps)
			sort.Slice(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
			var pairs []string
			for _, p := range sorted {
				if p.key != skip {
					pairs = append(pairs, percentEncode(p.key)+"="+percentEncode(p.value))
				}
			}
			want := "x" + strings.Join(pairs, "&")
			orig := slices.Clone(ps)
			require.Equal(t, want, string(appendCanonicalParams([]byte("x"), ps, skip)), "%d parameters, skip %q", n, skip)
			require.Equal(t, orig, ps, "the parameters are left as they were")
		}
	}
}

// TestBodyAndParamsShareNoBytes: the body Verify returns and the decoded
// parameters share one allocation (requestBuffers), so the caller writing
// over the whole body, or appending to it, must leave every parameter as
// it was signed; and so must a body longer than its declared length (read
// past the room reserved for it), an unknown length (-1) and one too long
// to be reserved before the signature is checked. Checked for V3 and ROA.
func TestBodyAndParamsShareNoBytes(t *testing.T) {
	const query = "RegionId=cn-hangzhou&Name=a+b&Tag=x%2By"
	for _, size := range []int{1, 31, 200, 340, 341, 1022, 1023, 1024, 3000} {
		var form strings.Builder
		for i := 0; form.Len() < size; i++ {
			fmt.Fprintf(&form, "k%d=v+%%41%d&", i, i)
		}
		body := strings.TrimSuffix(form.String(), "&")
		want, err := url.ParseQuery(query + "&" + body)
		require.NoError(t, err)
		for _, declared := range []int64{int64(len(body)), int64(len(body)) / 2, -1} {
			name := fmt.Sprintf("body of %d bytes declared %d", len(body), declared)
			for _, sign := range []func(*http.Request, []byte, Key, time.Time, string) error{SignV3, SignROA} {
				v, _, _ := newTestVerifier(t, Config{})
				r := httptest.NewRequest("POST", "http://arms.cn-hangzhou.example.com/?"+query, nil)
				r.Header.Set("content-type", formType)
				require.NoError(t, sign(r, []byte(body), aliceKey, t0, "share-"+name))
				r.ContentLength = declared
				id, err := v.Verify(r)
				require.NoError(t, err, name)
				require.Equal(t, body, string(id.Body), name)
				for i := range id.Body {
					id.Body[i] = '%'
				}
				grown := append(id.Body, strings.Repeat("&x=%", 64)...)
				require.Len(t, grown, len(body)+256)
				assert.Equal(t, want, id.Params(), "%s, %v", name, id.Version)
			}
		}
	}
}

// TestBodyHashHasOneSpelling: x-acs-content-sha256 is the body's SHA-256 in
// lower-case hex, as the signers write it; the same hash in upper case,
// even signed, is refused (ErrBodyHash), as is a hash of other bytes.
func TestBodyHashHasOneSpelling(t *testing.T) {
	body := []byte("Page=1")
	sum := sha256.Sum256(body)
	for _, tc := range []struct {
		declared string
		want     error
	}{
		{hex.EncodeToString(sum[:]), nil},
		{strings.ToUpper(hex.EncodeToString(sum[:])), ErrBodyHash},
		{hex.EncodeToString(sum[:31]) + "00", ErrBodyHash},
		{hex.EncodeToString(sum[:]) + "00", ErrBodyHash},
	} {
		v, _, _ := newTestVerifier(t, Config{})
		r := v3Request(t, aliceKey, t0, string(body))
		// Sign again over the declared hash, as a client would.
		r.Header.Set(HeaderContentSHA256, tc.declared)
		resignV3(t, r, aliceKey, "")
		_, err := v.Verify(r)
		if tc.want == nil {
			require.NoError(t, err, tc.declared)
		} else {
			require.ErrorIs(t, err, tc.want, tc.declared)
		}
	}
}

// FuzzParseIPv4Port: whatever parseIPv4Port accepts, netip.ParseAddrPort
// accepts as the same address; and it accepts the common forms.
func FuzzParseIPv4Port(f *testing.F) {
	for _, s := range []string{"192.0.2.1:1234", "0.0.0.0:0", "255.255.255.255:65535", "256.1.1.1:1", "01.2.3.4:5",
		"1.2.3.4:065", "1.2.3.4:65536", "1.2.3.4", "1.2.3:4", "1.2.3.4.5:6", "[::1]:80", "[::ffff:1.2.3.4]:80", "1.2.3.4:", ":80"} {
		f.Add(s)
	}
	for _, s := range []string{"192.0.2.1:1234", "0.0.0.0:0", "255.255.255.255:65535", "10.1.20.255:8"} {
		_, ok := parseIPv4Port(s)
		assert.True(f, ok, s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4Port(s)
		if !ok {
			return
		}
		ap, err := netip.ParseAddrPort(s)
		if err != nil || ap.Addr() != got {
			t.Fatalf("parseIPv4Port(%q) = %v; netip: %v, %v", s, got, ap, err)
		}
	})
}

// resignV3 signs r again with k over its current headers: host, every
// x-acs-* header, content-type and, when extra is not "", the header extra
// (lower case).
func resignV3(t *testing.T, r *http.Request, k Key, extra string) {
	t.Helper()
	var names, vals []string
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") || l == "content-type" || l == extra {
			names = append(names, l)
		}
	}
	names = append(names, "host")
	slices.Sort(names)
	for _, name := range names {
		if name == "host" {
			vals = append(vals, r.Host)
		} else {
			vals = append(vals, r.Header.Get(name))
		}
	}
	query, ok := parseParams(r.URL.RawQuery, nil)
	require.True(t, ok)
	mac := signV3(k.AccessKeySecret, canonicalRequestV3(nil, r.Method, "/", query, names, vals, r.Header.Get(HeaderContentSHA256)))
	r.Header.Set("Authorization", AlgorithmV3+" Credential="+k.AccessKeyID+",SignedHeaders="+
		strings.Join(names, ";")+",Signature="+hex.EncodeToString(mac[:]))
}

// TestV3HeaderVerdicts: the verdicts on the signed headers, in their order
// of precedence: each signed header once under net/http's spelling (the
// first failing name in SignedHeaders order, host included), the required
// ones signed, then no unsigned x-acs-* or content-type header, and no
// second spelling of a signed one. A signed header outside the fields
// (accept) is read like the others.
func TestV3HeaderVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *http.Request)
		want   error
		msg    string
	}{
		{"as signed", func(*http.Request) {}, nil, ""},
		{"missing", func(r *http.Request) { r.Header.Del("X-Acs-Action") }, ErrIncomplete,
			"the signed header x-acs-action must appear exactly once"},
		{"twice", func(r *http.Request) { r.Header.Add("X-Acs-Version", "2019-08-08") }, ErrIncomplete,
			"the signed header x-acs-version must appear exactly once"},
		{"only under another spelling", func(r *http.Request) {
			r.Header["x-acs-action"] = r.Header["X-Acs-Action"]
			r.Header.Del("X-Acs-Action")
		}, ErrIncomplete, "the signed header x-acs-action must appear exactly once"},
		{"first failing name first", func(r *http.Request) {
			r.Header.Del("X-Acs-Version")
			r.Header.Del("Content-Type")
			r.Host = ""
		}, ErrIncomplete, "the signed header content-type must appear exactly once"},
		{"host before later names", func(r *http.Request) {
			r.Header.Del("X-Acs-Version")
			r.Host = ""
		}, ErrIncomplete, "the signed header host is missing"},
		{"missing before unsigned", func(r *http.Request) {
			r.Header.Del("X-Acs-Version")
			r.Header.Set("X-Acs-Extra", "1")
		}, ErrIncomplete, "the signed header x-acs-version must appear exactly once"},
		{"unsigned", func(r *http.Request) { r.Header.Set("X-Acs-Extra", "1") }, ErrUnsignedHeader,
			"x-acs-extra is not in SignedHeaders"},
		{"unsigned, lower case", func(r *http.Request) { r.Header["x-acs-extra"] = []string{"1"} }, ErrUnsignedHeader,
			"x-acs-extra is not in SignedHeaders"},
		{"second spelling", func(r *http.Request) { r.Header["x-acs-date"] = r.Header["X-Acs-Date"] }, ErrUnsignedHeader,
			"a header is present under two spellings"},
		{"unsigned before second spelling", func(r *http.Request) {
			r.Header["x-acs-date"] = r.Header["X-Acs-Date"]
			r.Header.Set("X-Acs-Extra", "1")
		}, ErrUnsignedHeader, "x-acs-extra is not in SignedHeaders"},
		{"unsigned headers that need no signature", func(r *http.Request) {
			r.Header.Set("User-Agent", "sdk")
			r.Header["accept-encoding"] = []string{"gzip"}
		}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _, _ := newTestVerifier(t, Config{})
			r := v3Request(t, aliceKey, t0, "Page=1")
			r.Header.Set("Accept", "application/json")
			resignV3(t, r, aliceKey, "accept")
			require.Contains(t, r.Header.Get("Authorization"), "SignedHeaders=accept;content-type;host;")
			tc.change(r)
			id, err := v.Verify(r)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, "ListTraceApps", id.Action)
				return
			}
			require.ErrorIs(t, err, tc.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.msg, e.Msg)
		})
	}
}

// TestDecodeLowerHexEveryByte: every byte value at every position of
// strings of 0 to 20 digits (so both the eight-at-a-time loop and the
// byte loop), against encoding/hex and a lower-case check.
func TestDecodeLowerHexEveryByte(t *testing.T) {
	const digits = "0123456789abcdef0123456789abcdef01234567"
	for n := 0; n <= 10; n++ {
		for pos := range 2 * n {
			for c := range 256 {
				b := []byte(digits[:2*n])
				b[pos] = byte(c)
				s := string(b)
				got := make([]byte, n)
				ok := decodeLowerHex(got, s)
				want, err := hex.DecodeString(s)
				wantOK := err == nil && strings.ToLower(s) == s
				require.Equal(t, wantOK, ok, "%q", s)
				if ok {
					require.Equal(t, want, got, "%q", s)
				}
			}
		}
	}
}
