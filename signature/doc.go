// Package signature verifies Alibaba Cloud signed requests, so a Go service
// can accept calls from the clients its users already run — the official
// SDKs and credential providers — without any secret crossing the wire.
//
// Three signatures are verified:
//
//   - V3, "ACS3-HMAC-SHA256" (Alibaba Cloud's "Request syntax and signature
//     method V3"): an Authorization header
//     "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>"
//     over the canonical request (method, canonical URI, sorted
//     percent-encoded query, the signed headers, the hex SHA-256 of the
//     body), with x-acs-date, x-acs-signature-nonce and x-acs-content-sha256;
//   - V1, the RPC "HMAC-SHA1" signature: Signature, SignatureMethod,
//     SignatureVersion, SignatureNonce, Timestamp and AccessKeyId
//     parameters, every query and form-body parameter signed, the HMAC
//     keyed with the secret followed by '&';
//   - ROA, the HMAC-SHA1 signature of ROA-style APIs (darabonba-openapi's
//     SignatureAlgorithm "v2"): "Authorization: acs <AccessKeyId>:<base64>"
//     over the method, Accept, Content-MD5, Content-Type, Date, every
//     x-acs-* header and the path with its sorted, unencoded query, the
//     HMAC keyed with the secret alone. It signs neither the host nor the
//     body: a ROA request with a body is accepted only with a Content-MD5
//     header (which the SDK does not send; sign such calls with V3), and one
//     whose unencoded query could be read two ways is refused.
//
// Not verified: ACS3-HMAC-SM3, V3 hashed with the SM3 algorithm the SDKs
// can be configured for, because the Go standard library has no SM3 and
// this module takes no dependency for it, and the ACS4 (V4) scheme. Both
// are refused with ErrIncomplete ("IncompleteSignature") and a message
// naming ACS3-HMAC-SHA256, the SDKs' default.
//
// STS credentials carry their security token in x-acs-security-token (V3,
// ROA) or SecurityToken (V1). Secrets come from a Credentials source: the
// in-memory MemoryCredentials, or DirectoryCredentials over a
// *directory.Directory, which keeps secrets sealed and maps its refusals to
// this package's sentinels.
//
// A Verifier compares signatures in constant time, accepts a request only
// within a time window of its clock (15 minutes by default, either way),
// remembers nonces in a bounded cache so that no signed request runs twice,
// and makes sure the request that runs is the one that was signed: every
// x-acs-* header and content-type must be signed (V3), the body must match
// its signed hash (V3) or be the signed form (V1), parameters are decoded
// strictly ('+' is a space as the SDKs send it, a bad escape, ';' or a
// repeated key is refused), and path segments are compared in a canonical
// form that keeps an encoded '/' apart from a separator. The Identity it
// returns names the RAM user or role session for Directory.Authorize and
// fills acs:SourceIp, acs:SecureTransport and acs:CurrentTime.
//
// To verify V3 quickly, a Verifier keeps for each AccessKeyId it has
// verified the HMAC-SHA256 states after the padded key blocks: derived key
// material, with which V3 signatures for that key could be computed (the
// secret itself is not kept, nor recoverable from them). The credential
// source is still asked on every request, first, so a deleted, deactivated
// or revoked key is refused on its very next request and that refusal
// drops its states; a state lives at most 5 minutes, at most 4,096 are
// kept, and a secret replaced under the same AccessKeyId gets new ones.
// The nonce cache remembers a keyed 64-bit hash of each nonce, not its
// text: a collision could only refuse a fresh request as a replay.
//
// V1 signs neither the host nor the path. A V1 request is therefore
// accepted only at the paths of Config.V1Paths ("/" unless configured, as
// RPC APIs are served), so it cannot pick a route it was not signed for;
// and it can be replayed, within the time window, to another service that
// shares the AccessKey and has its own nonce cache. ROA signs the path but
// not the host, so the same replay to another service applies to it. V3
// signs both, and Config.Hosts makes a service refuse V3 requests signed
// for another host. Prefer V3, the SDKs' default.
//
// Refusals are *Error values unwrapping to this package's sentinels and
// carrying Alibaba Cloud's error codes (SignatureDoesNotMatch,
// InvalidAccessKeyId.NotFound, InvalidTimeStamp.Expired, SignatureNonceUsed,
// InvalidSecurityToken.Expired, ...), which package apierror writes in the
// shape the SDKs parse. Middleware does both for a net/http service.
//
// SignV3, SignV1 and SignROA sign requests the way the SDKs do, for Go
// clients and tests.
package signature
