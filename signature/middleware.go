package signature

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/ramauthz/ramauthz/apierror"
	"github.com/ramauthz/ramauthz/evaluator"
)

type identityKey struct{}

// FromContext returns the identity Middleware verified for the request
// whose context this is.
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok
}

// WithIdentity returns a copy of ctx carrying id (what Middleware does).
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// Middleware verifies every request before next sees it. A refused request
// gets Alibaba Cloud's error response (package apierror: the code and HTTP
// status of the *Error, a fresh RequestId, hostID as HostId) and never
// reaches next. A verified one reaches next as a copy of the request whose
// context carries the Identity (FromContext), whose body is the verified
// bytes, and which has none of the x-acs-* headers a V1 signature does not
// cover, nor a Host header (HTTP/2 can send one that differs from
// Request.Host, the host V3 signs). The caller's request is not modified
// (its body is consumed).
func (v *Verifier) Middleware(hostID string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := v.Verify(r)
		if err != nil {
			apierror.WriteError(w, r, err, apierror.NewRequestID(), hostID)
			return
		}
		r2 := r.Clone(WithIdentity(r.Context(), id))
		r2.Body = io.NopCloser(bytes.NewReader(id.Body))
		r2.ContentLength = int64(len(id.Body))
		// HTTP/2 keeps a "host" header beside :authority (Request.Host,
		// the one V3 signs); it may say anything.
		delete(r2.Header, "Host")
		if id.Version == V1 {
			for name := range r2.Header {
				if strings.HasPrefix(strings.ToLower(name), "x-acs-") {
					delete(r2.Header, name)
				}
			}
		}
		next.ServeHTTP(w, r2)
	})
}

// Context returns a new evaluator.Context with the request's keys
// (FillContext).
func (id *Identity) Context() *evaluator.Context {
	c := new(evaluator.Context)
	id.FillContext(c)
	return c
}

// FillContext sets the condition keys the request itself determines:
// acs:SourceIp (when known), acs:SecureTransport and acs:CurrentTime (the
// verifier's clock), the keys of spec §4 a request carries by itself.
func (id *Identity) FillContext(c *evaluator.Context) {
	if id.SourceIP.IsValid() {
		c.SetSourceIP(id.SourceIP)
	}
	c.SetSecureTransport(id.SecureTransport)
	c.SetCurrentTime(id.Now)
}
