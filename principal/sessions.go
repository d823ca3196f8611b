package principal

import (
	"crypto/rand"
	"errors"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// session is a role session created by AssumeRole.
type session struct {
	id         ID
	arn        string
	role       *role
	assumedID  string // <roleId>:<session name>
	caller     ID
	keyID      string   // STS.…
	secretHash [32]byte // SHA-256 of the AccessKeySecret
	tokenHash  [32]byte // SHA-256 of the SecurityToken
	policyText string
	policyDoc  *policy.Document // nil without a session policy
	sess       sessionEval
	issued     time.Time
	expires    time.Time
}

// randomDigits returns n decimal digits from crypto/rand, the first not 0.
func randomDigits(n int) (string, error) {
	b := make([]byte, 0, n)
	var buf [32]byte
	for len(b) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c >= 250 || len(b) == n || (len(b) == 0 && c%10 == 0) {
				continue
			}
			b = append(b, '0'+c%10)
		}
	}
	return string(b), nil
}

// loadSession validates an exported session of role r.
func loadSession(op string, r *role, es *exportSession) (*session, error) {
	bad := func(subj, msg string, cause error) error {
		return &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: msg, Cause: cause}
	}
	id, err := SessionID(r.id.account, r.id.name, es.Name)
	if err != nil {
		return nil, bad(r.arn, "", err)
	}
	subj := id.String()
	if es.AssumedRoleID != r.roleID+":"+es.Name {
		return nil, bad(subj, "assumedRoleId must be <roleId>:<session name>", nil)
	}
	caller, err := Parse(es.Caller)
	if err != nil {
		return nil, bad(subj, "bad caller", err)
	}
	if !validKeyID(es.AccessKeyID, "STS.") {
		return nil, bad(es.AccessKeyID, "malformed STS access key ID", nil)
	}
	sh, ok1 := parseHash(es.SecretSHA256)
	th, ok2 := parseHash(es.TokenSHA256)
	if !ok1 || !ok2 {
		return nil, bad(subj, "secretSha256 and tokenSha256 must be 64 lower-case hex digits", nil)
	}
	if !es.Expires.After(es.Issued) {
		return nil, bad(subj, "a session must expire after it is issued", nil)
	}
	s := &session{id: id, arn: subj, role: r, assumedID: es.AssumedRoleID, caller: caller,
		keyID: es.AccessKeyID, secretHash: sh, tokenHash: th, policyText: es.Policy,
		issued: es.Issued, expires: es.Expires}
	if es.Policy != "" {
		doc, err := parseSessionPolicy(op, subj, es.Policy)
		if err != nil {
			return nil, err
		}
		s.policyDoc = doc
	}
	return s, nil
}

// parseSessionPolicy validates a session policy document (at most 2,048
// characters).
func parseSessionPolicy(op, subject, text string) (*policy.Document, error) {
	doc, err := policy.Parse([]byte(text), policy.WithKind(policy.Session))
	if err != nil {
		e := &Error{Op: op, Subject: subject, Err: ErrInvalid, Msg: "invalid session policy", Cause: err}
		if errors.Is(err, policy.ErrLimit) {
			e.Err, e.Limit = ErrLimit, LimitPolicyDocument
		}
		return nil, e
	}
	return doc, nil
}
