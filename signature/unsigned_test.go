package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnsignedHeaderAccounting checks verifyV3's shortcuts for finding
// unsigned x-acs-* headers (counting keys, looking up commonHeaders)
// against the rule itself: over random requests carrying some of
// commonHeaders, signed or not, under net/http's spelling or in lower
// case, and sometimes an unsigned x-acs-* header or a second spelling of
// a signed one, a request is refused with ErrUnsignedHeader exactly when
// it has a key that must be signed and is not, and accepted otherwise.
func TestUnsignedHeaderAccounting(t *testing.T) {
	v, _, _ := newTestVerifier(t, Config{})
	rng := rand.New(rand.NewPCG(15, 4))
	body := []byte("AppName=checkout")
	sum := sha256.Sum256(body)
	var accepted, refused int
	for i := range 3000 {
		r := httptest.NewRequest("POST", "http://arms.example.com/?RegionId=cn-hangzhou", nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(HeaderAction, "ListTraceApps")
		r.Header.Set(HeaderVersion, "2019-08-08")
		r.Header.Set(HeaderDate, t0.Format(TimeFormat))
		r.Header.Set(HeaderNonce, "n-"+strconv.Itoa(i))
		r.Header.Set(HeaderContentSHA256, hex.EncodeToString(sum[:]))
		names := []string{"host", "content-type", HeaderAction, HeaderVersion, HeaderDate, HeaderNonce, HeaderContentSHA256}
		for _, key := range commonHeaders {
			if rng.IntN(2) == 0 {
				continue
			}
			r.Header.Set(key, "v")
			if rng.IntN(4) == 0 {
				names = append(names, strings.ToLower(key)) // signed
			}
		}
		if rng.IntN(4) == 0 { // an unsigned key under a spelling the lookups miss
			r.Header["user-agent"] = []string{"raw"}
		}
		slices.Sort(names)
		want := true
		switch rng.IntN(6) {
		case 0:
			r.Header.Set("X-Acs-Extra", "1")
			want = false
		case 1:
			r.Header["x-acs-extra"] = []string{"1"}
			want = false
		case 2:
			r.Header["x-acs-action"] = []string{"ListTraceApps"} // a second spelling
			want = false
		}
		vals := make([]string, len(names))
		for j, name := range names {
			if name == "host" {
				vals[j] = r.Host
			} else {
				vals[j] = r.Header.Get(name)
			}
		}
		query, ok := parseParams(r.URL.RawQuery, nil)
		require.True(t, ok)
		cr := canonicalRequestV3(nil, r.Method, "/", query, names, vals, hex.EncodeToString(sum[:]))
		mac := signV3(aliceKey.AccessKeySecret, cr)
		r.Header.Set("Authorization", AlgorithmV3+" Credential="+aliceKey.AccessKeyID+",SignedHeaders="+
			strings.Join(names, ";")+",Signature="+hex.EncodeToString(mac[:]))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))

		_, err := v.Verify(r)
		if want {
			require.NoError(t, err, "case %d: %v signed, header %v", i, names, r.Header)
			accepted++
		} else {
			require.ErrorIs(t, err, ErrUnsignedHeader, "case %d: %v signed, header %v", i, names, r.Header)
			refused++
		}
	}
	assert.Greater(t, accepted, 1000)
	assert.Greater(t, refused, 1000)
}

// TestIdentitySmallObject keeps an Identity within 512 bytes, the largest
// object with pointers that the runtime allocates without a type header
// (BenchmarkVerifyV3Cached measured the difference): a new field must come
// out of paramBuf's room or be judged against that benchmark.
func TestIdentitySmallObject(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Identity{}), uintptr(512))
}
