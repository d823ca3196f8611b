package signature

import (
	"net/http"
	"unsafe"
)

// arena is append-only storage for the text of decoded parameters: a byte,
// once written, is never written again, so the strings made over the
// written bytes (unsafe.String, no copy) stay immutable. Appending past
// the capacity moves on to a new buffer, as append does; the strings made
// earlier keep the old one alive and unchanged. Nothing else may hold a
// slice of the arena's bytes, and they must not lie in memory a caller
// owns (such as the Identity Verify returns, which the caller may
// overwrite: its strings, and the AccessKeyId the nonce cache is keyed
// by, would change; TestIdentityStringsSurviveOverwrite). The zero value
// is empty and ready to use.
type arena struct{ buf []byte }

// reserve makes room for n more bytes, taking at least want bytes when it
// has to allocate.
func (a *arena) reserve(n, want int) {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(n, want))
	}
}

// from returns the bytes written since the length start as a string.
func (a *arena) from(start int) string {
	if start == len(a.buf) {
		return ""
	}
	return unsafe.String(&a.buf[start], len(a.buf)-start)
}

// maxEarlyReserve bounds what requestBuffers reserves beyond the query for
// the body and the form's text before the signature is checked (bytes): a
// caller without a key can make the verifier allocate no more than that
// beyond its own query. A larger body is read, into its own allocation,
// once the signature has been checked.
const maxEarlyReserve = 1024

// requestBuffers returns, from one allocation, room for r's body (its
// declared length plus the byte of room of readBody's final read) and an
// arena with room for the decoded query and, for a form, the form's copy
// and its decoded escapes (twice its length): the buffers of a typical
// request, so that verifying it allocates only these bytes and the
// Identity. The body's room is capped (a full slice expression), so that
// neither the caller, who gets the body, nor readBody can reach the
// arena's bytes.
func requestBuffers(r *http.Request, form bool) (body []byte, text arena) {
	bodyCap, textCap := 0, len(r.URL.RawQuery)
	if cl := r.ContentLength; cl > 0 {
		extra := cl + 1
		if form {
			extra += 2 * cl
		}
		if extra <= maxEarlyReserve {
			bodyCap = int(cl) + 1
			if form {
				textCap += 2 * int(cl)
			}
		}
	}
	if bodyCap+textCap == 0 {
		return nil, arena{}
	}
	buf := make([]byte, bodyCap+textCap)
	return buf[:bodyCap:bodyCap], arena{buf: buf[bodyCap:bodyCap]}
}
