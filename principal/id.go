package principal

import (
	"strings"
)

// Kind is the kind of identity an ID names.
//
// The zero value is KindInvalid, the kind of the zero ID.
type Kind uint8

// The identity kinds of spec §3.2.
const (
	// KindInvalid is the kind of the zero ID.
	KindInvalid Kind = iota
	// KindAccount is an Alibaba Cloud account as a principal: acs:ram::<uid>:root.
	KindAccount
	// KindUser is a RAM user: acs:ram::<uid>:user/<name>.
	KindUser
	// KindGroup is a RAM user group: acs:ram::<uid>:group/<name>.
	KindGroup
	// KindRole is a RAM role: acs:ram::<uid>:role/<name>.
	KindRole
	// KindSession is a role session returned by AssumeRole:
	// acs:ram::<uid>:role/<role>/<session>.
	KindSession
	// KindSAMLProvider is a SAML identity provider:
	// acs:ram::<uid>:saml-provider/<name>.
	KindSAMLProvider
	// KindOIDCProvider is an OIDC identity provider:
	// acs:ram::<uid>:oidc-provider/<name>.
	KindOIDCProvider
	// KindService is a cloud service principal such as ecs.aliyuncs.com.
	KindService
)

var kindNames = [...]string{
	KindInvalid:      "invalid",
	KindAccount:      "account",
	KindUser:         "user",
	KindGroup:        "group",
	KindRole:         "role",
	KindSession:      "session",
	KindSAMLProvider: "saml-provider",
	KindOIDCProvider: "oidc-provider",
	KindService:      "service",
}

// String returns a lower-case name for the kind, such as "user" or
// "saml-provider".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + itoa(int(k)) + ")"
}

// ID identifies an account, RAM user, group, role, role session, identity
// provider or service principal. IDs are small comparable values: two IDs are
// equal exactly when they name the same identity, so they work as map keys.
//
// The zero ID is not valid (its Kind is KindInvalid). Use Parse or one of the
// constructors (AccountRootID, UserID, GroupID, RoleID, SessionID,
// SAMLProviderID, OIDCProviderID, ServiceID) to obtain a valid one; they check every field.
type ID struct {
	kind    Kind
	account string // 16-digit account ID; empty for services
	name    string // user, group, role or provider name, or the service domain
	session string // role session name (KindSession only)
}

// Kind returns the kind of identity id names.
func (id ID) Kind() Kind { return id.kind }

// IsValid reports whether id is a valid identifier (not the zero ID).
func (id ID) IsValid() bool { return id.kind != KindInvalid }

// Account returns the 16-digit account ID of id ("" for a service principal
// and for the zero ID).
func (id ID) Account() string { return id.account }

// Name returns the user, group, role or provider name, or the domain of a
// service principal. For a session it returns the role name; for an account
// it returns "".
func (id ID) Name() string { return id.name }

// SessionName returns the role session name of a session ID ("" otherwise).
func (id ID) SessionName() string { return id.session }

// Role returns the role a session belongs to. For any other kind it returns
// the zero ID.
func (id ID) Role() ID {
	if id.kind != KindSession {
		return ID{}
	}
	return ID{kind: KindRole, account: id.account, name: id.name}
}

// Root returns the root identity of id's account (the zero ID for a
// service principal or the zero ID).
func (id ID) Root() ID {
	if id.account == "" {
		return ID{}
	}
	return ID{kind: KindAccount, account: id.account}
}

// String returns the canonical form of id: an ARN such as
// acs:ram::1234567890123456:user/alice, the session form
// acs:ram::<uid>:role/<role>/<session>, or the domain of a service. The zero
// ID formats as "".
func (id ID) String() string {
	switch id.kind {
	case KindAccount:
		return "acs:ram::" + id.account + ":root"
	case KindUser:
		return "acs:ram::" + id.account + ":user/" + id.name
	case KindGroup:
		return "acs:ram::" + id.account + ":group/" + id.name
	case KindRole:
		return "acs:ram::" + id.account + ":role/" + id.name
	case KindSession:
		return "acs:ram::" + id.account + ":role/" + id.name + "/" + id.session
	case KindSAMLProvider:
		return "acs:ram::" + id.account + ":saml-provider/" + id.name
	case KindOIDCProvider:
		return "acs:ram::" + id.account + ":oidc-provider/" + id.name
	case KindService:
		return id.name
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler. It returns the canonical
// form; the zero ID marshals as empty text.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text gives the
// zero ID; anything else must be accepted by Parse.
func (id *ID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ID{}
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Parse parses an identifier in any form of spec §3.2:
//
//	acs:ram::<uid>:root
//	acs:ram::<uid>:user/<name>          (also acs:ram:*:<uid>:user/<name>)
//	acs:ram::<uid>:group/<name>
//	acs:ram::<uid>:role/<name>
//	acs:ram::<uid>:role/<role>/<session>
//	acs:sts::<uid>:assumed-role/<role>/<session>   (alias of the line above)
//	arn:sts::<uid>:assumed-role/<role>/<session>   (alias of the line above)
//	acs:ram::<uid>:saml-provider/<name>
//	acs:ram::<uid>:oidc-provider/<name>
//	ecs.aliyuncs.com                              (a service principal)
//
// The region field of acs:ram ARNs may be empty or "*"; the canonical form
// (ID.String) always writes it empty. Account IDs are exactly 16 digits.
// Names are checked against the rules of CheckUserName, CheckGroupName,
// CheckRoleName, CheckSessionName and CheckProviderName. Wildcards are not
// identifiers and are rejected.
//
// On failure Parse returns the zero ID and an *IDError that unwraps to
// ErrInvalid.
func Parse(s string) (ID, error) {
	if !strings.Contains(s, ":") {
		if err := checkService(s); err != nil {
			return ID{}, idError(s, err.Error())
		}
		return ID{kind: KindService, name: s}, nil
	}
	parts := strings.SplitN(s, ":", 5)
	if len(parts) != 5 {
		return ID{}, idError(s, "an ARN has five colon-separated fields")
	}
	prefix, svc, region, acct, rel := parts[0], parts[1], parts[2], parts[3], parts[4]
	if !isAccountID(acct) {
		return ID{}, idError(s, "the account ID must be 16 digits")
	}
	if svc == "sts" && (prefix == "acs" || prefix == "arn") {
		if region != "" {
			return ID{}, idError(s, "the region field of an sts ARN must be empty")
		}
		rest, ok := strings.CutPrefix(rel, "assumed-role/")
		if !ok {
			return ID{}, idError(s, "an sts ARN must name an assumed-role session")
		}
		return parseSession(s, acct, rest)
	}
	if prefix != "acs" || svc != "ram" {
		return ID{}, idError(s, `an identity ARN starts with "acs:ram:"`)
	}
	if region != "" && region != "*" {
		return ID{}, idError(s, `the region field of a RAM ARN must be empty or "*"`)
	}
	if rel == "root" {
		return ID{kind: KindAccount, account: acct}, nil
	}
	typ, name, ok := strings.Cut(rel, "/")
	if !ok {
		return ID{}, idError(s, "the resource part must be root or <type>/<name>")
	}
	var k Kind
	var check func(string) error
	switch typ {
	case "user":
		k, check = KindUser, CheckUserName
	case "group":
		k, check = KindGroup, CheckGroupName
	case "role":
		if strings.Contains(name, "/") {
			return parseSession(s, acct, name)
		}
		k, check = KindRole, CheckRoleName
	case "saml-provider":
		k, check = KindSAMLProvider, CheckProviderName
	case "oidc-provider":
		k, check = KindOIDCProvider, CheckProviderName
	default:
		return ID{}, idError(s, "unknown identity type "+quote(typ))
	}
	if err := check(name); err != nil {
		return ID{}, idError(s, err.Error())
	}
	return ID{kind: k, account: acct, name: name}, nil
}

func parseSession(s, acct, rest string) (ID, error) {
	role, sess, ok := strings.Cut(rest, "/")
	if !ok {
		return ID{}, idError(s, "a session ARN ends with <role>/<session>")
	}
	if err := CheckRoleName(role); err != nil {
		return ID{}, idError(s, err.Error())
	}
	if err := CheckSessionName(sess); err != nil {
		return ID{}, idError(s, err.Error())
	}
	return ID{kind: KindSession, account: acct, name: role, session: sess}, nil
}

// MustParse is like Parse but panics on error. It is meant for tests and
// examples with constant input.
func MustParse(s string) ID {
	id, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return id
}

// AccountRootID returns the root identity of account uid (acs:ram::<uid>:root).
func AccountRootID(uid string) (ID, error) {
	if !isAccountID(uid) {
		return ID{}, idError(uid, "the account ID must be 16 digits")
	}
	return ID{kind: KindAccount, account: uid}, nil
}

// UserID returns the ID of RAM user name in account uid.
func UserID(uid, name string) (ID, error) { return named(KindUser, uid, name, CheckUserName) }

// GroupID returns the ID of group name in account uid.
func GroupID(uid, name string) (ID, error) { return named(KindGroup, uid, name, CheckGroupName) }

// RoleID returns the ID of RAM role name in account uid.
func RoleID(uid, name string) (ID, error) { return named(KindRole, uid, name, CheckRoleName) }

// SAMLProviderID returns the ID of SAML identity provider name in account uid.
func SAMLProviderID(uid, name string) (ID, error) {
	return named(KindSAMLProvider, uid, name, CheckProviderName)
}

// OIDCProviderID returns the ID of OIDC identity provider name in account uid.
func OIDCProviderID(uid, name string) (ID, error) {
	return named(KindOIDCProvider, uid, name, CheckProviderName)
}

// SessionID returns the ID of session sessionName of role roleName in account
// uid.
func SessionID(uid, roleName, sessionName string) (ID, error) {
	id, err := named(KindSession, uid, roleName, CheckRoleName)
	if err != nil {
		return ID{}, err
	}
	if err := CheckSessionName(sessionName); err != nil {
		return ID{}, idError(sessionName, err.Error())
	}
	id.session = sessionName
	return id, nil
}

// ServiceID returns the ID of a service principal such as "ecs.aliyuncs.com".
func ServiceID(domain string) (ID, error) {
	if err := checkService(domain); err != nil {
		return ID{}, idError(domain, err.Error())
	}
	return ID{kind: KindService, name: domain}, nil
}

func named(k Kind, uid, name string, check func(string) error) (ID, error) {
	if !isAccountID(uid) {
		return ID{}, idError(uid, "the account ID must be 16 digits")
	}
	if err := check(name); err != nil {
		return ID{}, idError(name, err.Error())
	}
	return ID{kind: k, account: uid, name: name}, nil
}

// IsAccountID reports whether s is a valid account ID: exactly 16 ASCII
// digits.
func IsAccountID(s string) bool { return isAccountID(s) }

func isAccountID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckUserName checks a RAM user name: 1 to 64 characters from letters,
// digits, '.', '-' and '_' (spec §3.2). The error unwraps to ErrInvalid.
func CheckUserName(s string) error { return checkName("user name", s, 1, 64, "._-") }

// CheckGroupName checks a group name. The spec gives no rule of its own for
// groups; the library uses the user-name rule (1 to 64 characters from
// letters, digits, '.', '-' and '_'), which is what the RAM CreateGroup API
// documents.
func CheckGroupName(s string) error { return checkName("group name", s, 1, 64, "._-") }

// CheckRoleName checks a RAM role name: 1 to 64 characters from letters,
// digits, '.' and '-' (spec §3.2).
func CheckRoleName(s string) error { return checkName("role name", s, 1, 64, ".-") }

// CheckSessionName checks a role session name: 2 to 64 characters from
// letters, digits, '.', '@', '-' and '_' (spec §7.2).
func CheckSessionName(s string) error { return checkName("role session name", s, 2, 64, ".@-_") }

// CheckProviderName checks a SAML or OIDC provider name. The spec states no
// rule; the library accepts 1 to 128 characters from letters, digits, '.',
// '-' and '_'.
func CheckProviderName(s string) error { return checkName("provider name", s, 1, 128, "._-") }

// CheckPolicyName checks a custom policy name: 1 to 128 characters from
// letters, digits and '-' (spec §5).
func CheckPolicyName(s string) error { return checkName("policy name", s, 1, 128, "-") }

func checkName(what, s string, minLen, maxLen int, extra string) error {
	if len(s) < minLen || len(s) > maxLen {
		return &nameError{what + " must be " + itoa(minLen) + " to " + itoa(maxLen) + " characters long"}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return &nameError{what + " contains the character " + quote(s[i:i+1]) + "; allowed are letters, digits and " + quoteChars(extra)}
	}
	return nil
}

// checkService accepts a lower-case domain name of two or more labels of
// letters, digits and '-', such as "ecs.aliyuncs.com", at most 253
// characters: the rule policy.Parse applies to a trust policy's Service
// principals (spec §3.3).
func checkService(s string) error {
	if s == "" || len(s) > 253 {
		return &nameError{"a service principal must be a domain name of 1 to 253 characters"}
	}
	labels := 0
	for label := range strings.SplitSeq(s, ".") {
		labels++
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return &nameError{"a service principal must be a domain name such as ecs.aliyuncs.com"}
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c >= 'A' && c <= 'Z' {
				// Trust policies compare principals exactly, and the policy
				// parser accepts only lower-case service domains: one
				// spelling per service.
				return &nameError{"a service principal must be a lower-case domain name such as ecs.aliyuncs.com"}
			}
			if !isAlnum(c) && c != '-' {
				return &nameError{"a service principal must be a domain name such as ecs.aliyuncs.com"}
			}
		}
	}
	if labels < 2 {
		return &nameError{"a service principal must be a domain name such as ecs.aliyuncs.com"}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func quoteChars(extra string) string {
	var b strings.Builder
	for i := 0; i < len(extra); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + extra[i:i+1] + "'")
	}
	return b.String()
}

// SessionPolicyID is the policy ID under which explanations cite a role
// session's session policy (spec §6.2), so that a reader of an explanation
// (such as package apierror, for AccessDeniedDetail's PolicyType) can tell
// it from the identity policies.
const SessionPolicyID = "session-policy"
