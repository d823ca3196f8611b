package signature

import (
	"encoding/base64"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/principal"
)

// Vectors from Alibaba Cloud's documentation. The V3 one is the request of
// "Request syntax and signature method V3" (ECS RunInstances in cn-shanghai,
// AccessKeyId YourAccessKeyId, secret YourAccessKeySecret); its signature
// e521358f... is the one the ROA-style signing page shows for the same
// headers. The V1 one is the DescribeRegions example of the RPC "signature
// method" pages (testid / testsecret), whose published signature is
// OLeaidS1JvxuMvnyHOwuJ+uX5qY=.

const docV3Canonical = "POST\n" +
	"/\n" +
	"ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n" +
	"host:ecs.cn-shanghai.aliyuncs.com\n" +
	"x-acs-action:RunInstances\n" +
	"x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
	"x-acs-date:2023-10-26T09:01:01Z\n" +
	"x-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0\n" +
	"x-acs-version:2014-05-26\n" +
	"\n" +
	"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const docV3Signature = "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"

const docV1StringToSign = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML" +
	"%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" +
	"%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"

const docV1Signature = "OLeaidS1JvxuMvnyHOwuJ+uX5qY="

func TestDocumentVectorV3(t *testing.T) {
	q, ok := parseParams("ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai", nil)
	require.True(t, ok)
	h := map[string]string{"host": "ecs.cn-shanghai.aliyuncs.com", "x-acs-action": "RunInstances",
		"x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"x-acs-date":           "2023-10-26T09:01:01Z", "x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
		"x-acs-version": "2014-05-26"}
	names := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
	vals := make([]string, len(names))
	for i, n := range names {
		vals[i] = h[n]
	}
	cr := canonicalRequestV3(nil, "POST", "/", q, names, vals, h["x-acs-content-sha256"])
	assert.Equal(t, docV3Canonical, string(cr))
	mac := signV3("YourAccessKeySecret", cr)
	assert.Equal(t, docV3Signature, hex.EncodeToString(mac[:]))

	// The same request, as it arrives at a server, verifies.
	r := httptest.NewRequest("POST", "https://ecs.cn-shanghai.aliyuncs.com/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai", nil)
	for k, v := range h {
		if k != "host" {
			r.Header.Set(k, v)
		}
	}
	r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders="+
		"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="+docV3Signature)
	creds := &MemoryCredentials{}
	owner := principal.MustParse("acs:ram::1234567890123456:user/doc")
	creds.AddAccessKey("YourAccessKeyId", "YourAccessKeySecret", owner)
	v, err := New(Config{Credentials: creds, Clock: fixed(time.Date(2023, 10, 26, 9, 5, 0, 0, time.UTC))})
	require.NoError(t, err)
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, owner, id.Principal)
	assert.Equal(t, "RunInstances", id.Action)
	assert.Equal(t, "2014-05-26", id.APIVersion)
	assert.Equal(t, "cn-shanghai", id.Param("RegionId"))
}

func TestDocumentVectorV1(t *testing.T) {
	raw := "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1" +
		"&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0" +
		"&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26"
	ps, ok := parseParams(raw, nil)
	require.True(t, ok)
	sts := stringToSignV1(nil, "GET", ps)
	assert.Equal(t, docV1StringToSign, string(sts))
	mac := signV1("testsecret", sts)
	assert.Equal(t, docV1Signature, base64.StdEncoding.EncodeToString(mac[:]))

	r := httptest.NewRequest("GET", "http://ecs.aliyuncs.com/?"+raw+"&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D", nil)
	creds := &MemoryCredentials{}
	owner := principal.MustParse("acs:ram::1234567890123456:user/doc")
	creds.AddAccessKey("testid", "testsecret", owner)
	v, err := New(Config{Credentials: creds, Clock: fixed(time.Date(2016, 2, 23, 12, 50, 0, 0, time.UTC))})
	require.NoError(t, err)
	id, err := v.Verify(r)
	require.NoError(t, err)
	assert.Equal(t, owner, id.Principal)
	assert.Equal(t, V1, id.Version)
	assert.Equal(t, "DescribeRegions", id.Action)
	assert.Empty(t, id.Param("Signature"), "Signature is not a signed parameter")

	// SignV1 produces the same signature from the same inputs.
	vals := ps.values()
	for _, k := range []string{"AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		vals.Del(k)
	}
	signed, err := SignV1("GET", vals, Key{AccessKeyID: "testid", AccessKeySecret: "testsecret"},
		time.Date(2016, 2, 23, 12, 46, 24, 0, time.UTC), "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf")
	require.NoError(t, err)
	assert.Equal(t, docV1Signature, signed.Get("Signature"))
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b": "a%20b", "a+b": "a%2Bb", "a*b": "a%2Ab", "a~b": "a~b", "-_.": "-_.",
		"2016-02-23T12:46:24Z": "2016-02-23T12%3A46%3A24Z", "中": "%E4%B8%AD", "/": "%2F", "%": "%25",
	} {
		assert.Equal(t, want, percentEncode(in), in)
	}
}

func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/a/b": "/a/b", "/a%2Fb": "/a%2Fb", "/%7E": "/~", "/%41": "/A", "/a b": "/a%20b",
		"/a*b": "/a%2Ab",
	} {
		got, ok := canonicalURI(in)
		require.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	_, ok := canonicalURI("/%zz")
	assert.False(t, ok)
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }
