package policy

import "strings"

// Operator is a condition operator. The list is closed: the 21 operators of
// the RAM policy language (spec §4.2). Each may also be written with the
// suffix "IfExists" (spec §13 D22); Parse records that form in
// Condition.IfExists, not in the Operator. Names are matched exactly;
// anything else (including the AWS-only forms Null, ForAnyValue:...,
// ForAllValues:..., Arn* and Binary*) is rejected by Parse.
//
// The zero value is not a valid operator.
type Operator uint8

// The condition operators, grouped by family.
const (
	StringEquals Operator = iota + 1
	StringNotEquals
	StringEqualsIgnoreCase
	StringNotEqualsIgnoreCase
	StringLike
	StringNotLike
	NumericEquals
	NumericNotEquals
	NumericLessThan
	NumericLessThanEquals
	NumericGreaterThan
	NumericGreaterThanEquals
	DateEquals
	DateNotEquals
	DateLessThan
	DateLessThanEquals
	DateGreaterThan
	DateGreaterThanEquals
	Bool
	IpAddress
	NotIpAddress

	numOperators = int(NotIpAddress)
)

// Family is the value type an operator compares.
type Family uint8

// The five operator families. The zero value is not a valid family.
const (
	FamilyString Family = iota + 1
	FamilyNumeric
	FamilyDate
	FamilyBool
	FamilyIP
)

// String returns "string", "numeric", "date", "bool" or "ip".
func (f Family) String() string {
	switch f {
	case FamilyString:
		return "string"
	case FamilyNumeric:
		return "numeric"
	case FamilyDate:
		return "date"
	case FamilyBool:
		return "bool"
	case FamilyIP:
		return "ip"
	}
	return "Family(" + itoa(int(f)) + ")"
}

var operatorNames = [...]string{
	StringEquals:              "StringEquals",
	StringNotEquals:           "StringNotEquals",
	StringEqualsIgnoreCase:    "StringEqualsIgnoreCase",
	StringNotEqualsIgnoreCase: "StringNotEqualsIgnoreCase",
	StringLike:                "StringLike",
	StringNotLike:             "StringNotLike",
	NumericEquals:             "NumericEquals",
	NumericNotEquals:          "NumericNotEquals",
	NumericLessThan:           "NumericLessThan",
	NumericLessThanEquals:     "NumericLessThanEquals",
	NumericGreaterThan:        "NumericGreaterThan",
	NumericGreaterThanEquals:  "NumericGreaterThanEquals",
	DateEquals:                "DateEquals",
	DateNotEquals:             "DateNotEquals",
	DateLessThan:              "DateLessThan",
	DateLessThanEquals:        "DateLessThanEquals",
	DateGreaterThan:           "DateGreaterThan",
	DateGreaterThanEquals:     "DateGreaterThanEquals",
	Bool:                      "Bool",
	IpAddress:                 "IpAddress",
	NotIpAddress:              "NotIpAddress",
}

// Operators returns the 21 operators in declaration order.
func Operators() []Operator {
	ops := make([]Operator, 0, numOperators)
	for op := StringEquals; op <= NotIpAddress; op++ {
		ops = append(ops, op)
	}
	return ops
}

// ParseOperator returns the operator with exactly the given name. It reports
// false for every other string, including names that differ only in case
// and IfExists forms (see ParseOperatorName).
func ParseOperator(name string) (Operator, bool) {
	for op := StringEquals; op <= NotIpAddress; op++ {
		if operatorNames[op] == name {
			return op, true
		}
	}
	return 0, false
}

// ifExistsSuffix turns an operator name into its IfExists form.
const ifExistsSuffix = "IfExists"

// ParseOperatorName reads an operator name as written in a Condition block:
// one of the 21 operator names, optionally followed by "IfExists"
// ("StringEqualsIfExists", "NotIpAddressIfExists"; spec §13 D22). It
// reports false for every other string, including names that differ only in
// case.
func ParseOperatorName(name string) (op Operator, ifExists bool, ok bool) {
	if op, ok = ParseOperator(name); ok {
		return op, false, true
	}
	if base, cut := strings.CutSuffix(name, ifExistsSuffix); cut {
		if op, ok = ParseOperator(base); ok {
			return op, true, true
		}
	}
	return 0, false, false
}

// Valid reports whether op is one of the 21 operators.
func (op Operator) Valid() bool { return op >= StringEquals && op <= NotIpAddress }

// String returns the operator's name as written in policies.
func (op Operator) String() string {
	if op.Valid() {
		return operatorNames[op]
	}
	return "Operator(" + itoa(int(op)) + ")"
}

// Family returns the operator's value family (0 for an invalid operator).
func (op Operator) Family() Family {
	switch {
	case op >= StringEquals && op <= StringNotLike:
		return FamilyString
	case op >= NumericEquals && op <= NumericGreaterThanEquals:
		return FamilyNumeric
	case op >= DateEquals && op <= DateGreaterThanEquals:
		return FamilyDate
	case op == Bool:
		return FamilyBool
	case op == IpAddress || op == NotIpAddress:
		return FamilyIP
	}
	return 0
}

// Negated reports whether op is one of the negated operators
// (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike,
// NumericNotEquals, DateNotEquals, NotIpAddress). A negated operator holds
// when the request value matches none of the policy values, and holds when
// the key is absent from the request.
func (op Operator) Negated() bool {
	switch op {
	case StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike,
		NumericNotEquals, DateNotEquals, NotIpAddress:
		return true
	}
	return false
}

// Positive returns the positive form of a negated operator (StringEquals for
// StringNotEquals, and so on) and op itself for a positive operator.
func (op Operator) Positive() Operator {
	switch op {
	case StringNotEquals:
		return StringEquals
	case StringNotEqualsIgnoreCase:
		return StringEqualsIgnoreCase
	case StringNotLike:
		return StringLike
	case NumericNotEquals:
		return NumericEquals
	case DateNotEquals:
		return DateEquals
	case NotIpAddress:
		return IpAddress
	}
	return op
}
