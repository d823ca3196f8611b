package lint

import "strings"

// Code identifies a check. Codes are UPPER_SNAKE and stable: a code is never
// renamed or given another meaning. Each has a section in docs/lint.md whose
// anchor is the code in lower case (see Code.DocAnchor).
type Code string

// The parser's error classes, re-emitted as findings of severity Error.
const (
	ParseSyntax         Code = "PARSE_SYNTAX"          // not valid JSON or not valid UTF-8
	ParseDuplicateKey   Code = "PARSE_DUPLICATE_KEY"   // a member name appears twice in one object
	ParseUnknownElement Code = "PARSE_UNKNOWN_ELEMENT" // an element RAM does not define (includes unsupported operators)
	ParseMissingElement Code = "PARSE_MISSING_ELEMENT" // a required element is absent or empty
	ParseInvalidValue   Code = "PARSE_INVALID_VALUE"   // a value of the wrong type or form
	ParseConflict       Code = "PARSE_CONFLICT"        // elements that exclude each other, such as Action and NotAction
	ParseLimitExceeded  Code = "PARSE_LIMIT_EXCEEDED"  // the document exceeds a size or count limit
)

// The checks that run on documents the parser accepts.
const (
	InvalidConditionMultipleBoolean  Code = "INVALID_CONDITION_MULTIPLE_BOOLEAN"
	UnsatisfiableCondition           Code = "UNSATISFIABLE_CONDITION"
	PatternMatchesNothing            Code = "PATTERN_MATCHES_NOTHING"
	UnknownAction                    Code = "UNKNOWN_ACTION"
	FullAdmin                        Code = "FULL_ADMIN"
	AllowWithNotAction               Code = "ALLOW_WITH_NOT_ACTION"
	AllowWithNotResource             Code = "ALLOW_WITH_NOT_RESOURCE"
	WildcardInServiceName            Code = "WILDCARD_IN_SERVICE_NAME"
	PrivilegeEscalation              Code = "PRIVILEGE_ESCALATION"
	NegatedConditionAllowsAbsentKey  Code = "NEGATED_CONDITION_ALLOWS_ABSENT_KEY"
	IfExistsAllowsAbsentKey          Code = "IF_EXISTS_ALLOWS_ABSENT_KEY"
	DenyMissesAbsentKey              Code = "DENY_MISSES_ABSENT_KEY"
	TrustAnyPrincipal                Code = "TRUST_ANY_PRINCIPAL"
	TrustExternalAccountNoExternalID Code = "TRUST_EXTERNAL_ACCOUNT_WITHOUT_EXTERNAL_ID"
	TrustFederatedWithoutCondition   Code = "TRUST_FEDERATED_WITHOUT_CONDITION"
	StatementShadowedByDeny          Code = "STATEMENT_SHADOWED_BY_DENY"
	TypeMismatch                     Code = "TYPE_MISMATCH"
	WildcardWithoutLikeOperator      Code = "WILDCARD_WITHOUT_LIKE_OPERATOR"
	ConditionKeyCaseMismatch         Code = "CONDITION_KEY_CASE_MISMATCH"
	IPAny                            Code = "IP_ANY"
	IPEmbeddedIPv4                   Code = "IP_EMBEDDED_IPV4"
	DateConditionExpired             Code = "DATE_CONDITION_EXPIRED"
	ComplexPattern                   Code = "COMPLEX_PATTERN"
	UniqueSidsRecommended            Code = "UNIQUE_SIDS_RECOMMENDED"
	RedundantStatement               Code = "REDUNDANT_STATEMENT"
	RedundantAction                  Code = "REDUNDANT_ACTION"
	RedundantResource                Code = "REDUNDANT_RESOURCE"
	RedundantConditionValue          Code = "REDUNDANT_CONDITION_VALUE"
	ImproveIPRange                   Code = "IMPROVE_IP_RANGE"
	LikeWithoutWildcard              Code = "LIKE_WITHOUT_WILDCARD"
	MissingMFAForSensitiveAction     Code = "MISSING_MFA_FOR_SENSITIVE_ACTION"
	MissingSecureTransport           Code = "MISSING_SECURE_TRANSPORT"
)

// CodeInfo describes one code: its default severity and a one-line title.
type CodeInfo struct {
	Code     Code
	Severity Severity
	Title    string
}

// codes is the catalogue, in the order docs/lint.md lists it.
var codes = []CodeInfo{
	{ParseSyntax, Error, "The document is not valid JSON"},
	{ParseDuplicateKey, Error, "A member name appears more than once in one object"},
	{ParseUnknownElement, Error, "An element, operator or principal type RAM does not define"},
	{ParseMissingElement, Error, "A required element is missing or empty"},
	{ParseInvalidValue, Error, "A value of the wrong type or form"},
	{ParseConflict, Error, "Elements that exclude each other"},
	{ParseLimitExceeded, Error, "The document exceeds a size or count limit"},
	{InvalidConditionMultipleBoolean, Error, "Bool condition lists both true and false"},
	{UnsatisfiableCondition, Error, "The conditions of a statement can never all hold"},
	{PatternMatchesNothing, Error, "An action pattern matches no action of the catalogue"},
	{UnknownAction, Error, "An action is not in the catalogue"},
	{FullAdmin, SecurityWarning, "The statement grants every action on every resource"},
	{AllowWithNotAction, SecurityWarning, "Allow with NotAction grants every other action, including future ones"},
	{AllowWithNotResource, SecurityWarning, "Allow with NotResource grants every other resource, including future ones"},
	{WildcardInServiceName, SecurityWarning, "A wildcard in the service part of an action"},
	{PrivilegeEscalation, SecurityWarning, "Actions that let the holder give itself more permissions, on every resource, without conditions"},
	{NegatedConditionAllowsAbsentKey, SecurityWarning, "An Allow's negated condition also holds when the request lacks the key"},
	{IfExistsAllowsAbsentKey, SecurityWarning, "An Allow's IfExists condition holds when the request lacks the key"},
	{DenyMissesAbsentKey, SecurityWarning, "A Deny's condition does not hold when the request lacks the key"},
	{TrustAnyPrincipal, SecurityWarning, "The role can be assumed from any account"},
	{TrustExternalAccountNoExternalID, SecurityWarning, "Another account may assume the role without an ExternalId"},
	{TrustFederatedWithoutCondition, SecurityWarning, "A federated provider is trusted without a condition"},
	{StatementShadowedByDeny, Warning, "An Allow that a Deny of the same document always overrides"},
	{TypeMismatch, Warning, "A condition key compared with an operator of the wrong type"},
	{WildcardWithoutLikeOperator, Warning, "A wildcard in a value of an operator that compares literally"},
	{ConditionKeyCaseMismatch, Warning, "A condition key spelled like a well-known key in another case"},
	{IPAny, Warning, "An IP condition that covers every address"},
	{IPEmbeddedIPv4, Warning, "An IPv6 block that embeds IPv4 addresses"},
	{DateConditionExpired, Warning, "A date condition on acs:CurrentTime that can no longer hold"},
	{ComplexPattern, Warning, "A pattern with many wildcards, or '?' after '*'"},
	{UniqueSidsRecommended, Warning, "Two statements share a Sid"},
	{RedundantStatement, Suggestion, "A statement that another statement of the same effect already covers"},
	{RedundantAction, Suggestion, "An action that another entry of the same list already covers"},
	{RedundantResource, Suggestion, "A resource that another entry of the same list already covers"},
	{RedundantConditionValue, Suggestion, "A condition value that another value of the same list already covers"},
	{ImproveIPRange, Suggestion, "A CIDR block with host bits set"},
	{LikeWithoutWildcard, Suggestion, "StringLike or StringNotLike with a value without wildcards"},
	{MissingMFAForSensitiveAction, Suggestion, "A sensitive action granted without requiring MFA"},
	{MissingSecureTransport, Suggestion, "OSS data actions granted without requiring HTTPS"},
}

// Codes returns the catalogue of codes, in documentation order. The caller
// may modify the returned slice.
func Codes() []CodeInfo {
	return append([]CodeInfo(nil), codes...)
}

// Info returns the catalogue entry of c, and false for an unknown code.
func (c Code) Info() (CodeInfo, bool) {
	for _, ci := range codes {
		if ci.Code == c {
			return ci, true
		}
	}
	return CodeInfo{}, false
}

// DocAnchor returns the anchor of c's section in docs/lint.md: the code in
// lower case, such as "allow_with_not_action".
func (c Code) DocAnchor() string {
	return strings.ToLower(string(c))
}

// DocURL is the address of the lint documentation; a code's section is
// DocURL + "#" + Code.DocAnchor().
const DocURL = "https://github.com/ramauthz/ramauthz/blob/main/docs/lint.md"
