package signature

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The fuzzers start from a request signed with the key and replace parts of
// it with fuzzed bytes. The verifier must never panic, and whenever it
// accepts, what it hands to the service (the parameters, the body, the
// action, the signed headers) must be exactly what was signed: a change
// that alters any of them is a request the key never signed.

const fuzzV3Query = "RegionId=cn-hangzhou&Name=a+b&Tag=x%2By"

func FuzzVerifyV3(f *testing.F) {
	f.Add("", []byte(nil), "", "", "", "")
	f.Add("RegionId=cn-hangzhou&Name=a%20b&Tag=x%2By", []byte("Page=1"), "", "", "", "")
	f.Add("Tag=x%2By&Name=a+b&RegionId=cn-hangzhou", []byte("Page=1"), "x-acs-action", "DeleteTraceApp", "", "/")
	f.Add("RegionId=cn-hangzhou&Name=a+b&Tag=x+y", []byte("Page=2"), "X-Acs-Extra", "1", "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00", "/a%2Fb")
	f.Add(fuzzV3Query+";x=1", []byte("Page=1"), "content-type", "text/plain", "ACS3-HMAC-SHA256 ", "//")
	// Attacks tried by hand (issue 15's review): upper-case hex, repeated
	// and empty Authorization fields, dot segments, a chunked-looking body,
	// x-acs-content-sha256 UNSIGNED-PAYLOAD.
	f.Add("", []byte("3\r\nZ=1\r\n0\r\n\r\n"), "x-acs-content-sha256", "UNSIGNED-PAYLOAD",
		"ACS3-HMAC-SHA256 Credential=LTAI5tAliceKey000000000,SignedHeaders=host,Signature="+strings.Repeat("AB", 32), "/%2e%2e/")
	f.Add("", []byte(nil), "", "", "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=,Signature=", "/a/../")
	f.Add("", []byte(nil), "Host", "other", "ACS3-HMAC-SHA256 ,,,=,Credential", "/;x")
	f.Fuzz(func(t *testing.T, query string, body []byte, hname, hval, auth, path string) {
		v, _, _ := newTestVerifier(t, Config{})
		r := v3Request(t, aliceKey, t0, "Page=1")
		signed := r.Header.Clone()
		if !tamper(r, query, body, hname, hval, auth, path) {
			return
		}
		id, err := v.Verify(r)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			return
		}
		want, _ := url.ParseQuery(fuzzV3Query + "&Page=1") // the query and the signed form body
		if !reflect.DeepEqual(id.Params(), want) {
			t.Fatalf("accepted other parameters: %v, signed %v", id.Params(), want)
		}
		if string(id.Body) != "Page=1" {
			t.Fatalf("accepted another body: %q", id.Body)
		}
		if id.Action != "ListTraceApps" || id.Principal != alice {
			t.Fatalf("accepted another action or identity: %q %v", id.Action, id.Principal)
		}
		if esc, _ := canonicalURI(r.URL.EscapedPath()); esc != "/" {
			t.Fatalf("accepted another path: %q", r.URL.EscapedPath())
		}
		for name, vs := range r.Header {
			l := strings.ToLower(name)
			if (strings.HasPrefix(l, "x-acs-") || l == "content-type") && !reflect.DeepEqual(vs, signed.Values(name)) {
				t.Fatalf("accepted a changed header %s: %q, signed %q", name, vs, signed.Values(name))
			}
		}
	})
}

func FuzzVerifyV1(f *testing.F) {
	f.Add("", "", "", "")
	f.Add("Action=DeleteTraceApp", "AppName=prod-shop", "application/x-www-form-urlencoded", "DeleteTraceApp")
	f.Add("", "AppName=checkout&AppName=x", "application/json", "")
	f.Add("Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AppName=check%20out", "application/x-www-form-urlencoded; charset=utf-8", "ListTraceApps")
	f.Fuzz(func(t *testing.T, extraQuery, body, contentType, actionHeader string) {
		v, _, _ := newTestVerifier(t, Config{})
		r := v1Request(t, aliceKey, t0, url.Values{"AppName": {"check out"}})
		if extraQuery != "" {
			r.URL.RawQuery += "&" + extraQuery
		}
		if body != "" {
			r.Body = io.NopCloser(strings.NewReader(body))
		}
		if contentType != "" && validValue(contentType) {
			r.Header.Set("Content-Type", contentType)
		}
		if actionHeader != "" && validValue(actionHeader) {
			r.Header.Set("x-acs-action", actionHeader)
		}
		id, err := v.Verify(r)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			return
		}
		if id.Param("AppName") != "check out" || id.Action != "ListTraceApps" || id.Param("RegionId") != "cn-hangzhou" {
			t.Fatalf("accepted other values: %v", id.Params())
		}
		if a := r.Header.Get("x-acs-action"); a != "" && a != "ListTraceApps" {
			t.Fatalf("accepted a disagreeing x-acs-action %q", a)
		}
		// Every parameter a handler could read from the query or the form
		// is a signed one with its signed value.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		form, _ := url.ParseQuery(string(id.Body))
		for _, vals := range []url.Values{q, form} {
			for k, vs := range vals {
				if k == "Signature" {
					continue
				}
				if len(vs) != 1 || id.Param(k) != vs[0] {
					t.Fatalf("parameter %s=%q reaches the handler but %q was signed", k, vs, id.Param(k))
				}
			}
		}
	})
}

// validName and validValue keep fuzzed headers to what net/http would
// deliver to a handler.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}

func validValue(s string) bool {
	return !strings.ContainsAny(s, "\r\n\x00") && strings.TrimSpace(s) == s
}

// FuzzParseTime checks the hand-written timestamp reader against
// time.Parse with TimeFormat (restricted to exactly 20 bytes: time.Parse
// also takes fractional seconds the format does not name).
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-02T10:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2026-03-02T10:00:0aZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		want, werr := time.Parse(TimeFormat, s)
		ok := werr == nil && len(s) == len(TimeFormat)
		if (err == nil) != ok {
			t.Fatalf("%q: parseTime error %v, time.Parse error %v", s, err, werr)
		}
		if ok && !got.Equal(want) {
			t.Fatalf("%q: %v, time.Parse %v", s, got, want)
		}
	})
}

// tamper changes a signed request as a fuzz input says: another raw query,
// another body, one header set (when its name and value are valid), another
// Authorization header, another path. Empty inputs change nothing. It
// reports false for a path that does not parse as one.
func tamper(r *http.Request, query string, body []byte, hname, hval, auth, path string) bool {
	if query != "" {
		r.URL.RawQuery = query
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if hname != "" && validName(hname) && validValue(hval) {
		r.Header.Set(hname, hval)
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if path != "" {
		u, err := url.Parse("http://h" + path)
		if err != nil || u.Host != "h" {
			return false
		}
		r.URL.Path, r.URL.RawPath = u.Path, u.RawPath
	}
	return true
}
