package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueFor returns a valid policy value for an operator's family.
func valueFor(f Family) string {
	switch f {
	case FamilyNumeric:
		return "10"
	case FamilyDate:
		return "2019-08-12T17:00:00+08:00"
	case FamilyBool:
		return "true"
	case FamilyIP:
		return "10.0.0.0/8"
	}
	return "v"
}

// TestParseIfExistsAllOperators: spec §13 D22 accepts the IfExists form of
// all 21 operators; the typed AST records it in Condition.IfExists with the
// base operator in Condition.Operator, and the canonical printer writes the
// name back as it was written.
func TestParseIfExistsAllOperators(t *testing.T) {
	for _, op := range Operators() {
		name := op.String() + "IfExists"
		t.Run(name, func(t *testing.T) {
			in := doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"` + name + `":{"k":"` + valueFor(op.Family()) + `"},"` +
				op.String() + `":{"k":"` + valueFor(op.Family()) + `"}}}`)
			d, err := Parse([]byte(in))
			require.NoError(t, err)
			conds := d.Statements[0].Condition
			require.Len(t, conds, 2)
			// Sorted: the plain form first, then the IfExists form.
			assert.Equal(t, Condition{Operator: op, Key: "k", Values: conds[0].Values}, conds[0])
			assert.Equal(t, Condition{Operator: op, IfExists: true, Key: "k", Values: conds[1].Values}, conds[1])
			assert.Equal(t, name, conds[1].OperatorName())
			out, err := d.MarshalJSON()
			require.NoError(t, err)
			assert.Contains(t, string(out), `"`+name+`":{"k":`)
			back, err := Parse(out)
			require.NoError(t, err)
			assert.Equal(t, d, back)
		})
	}
}

// TestParseKeyCaseTwinsAcrossBlocks: the D23 duplicate rule is per operator
// block; the same key under two operators (or an operator and its IfExists
// form) is two conditions, as before.
func TestParseKeyCaseTwinsAcrossBlocks(t *testing.T) {
	d, err := Parse([]byte(doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{` +
		`"StringLike":{"oss:Prefix":"a/*"},"StringLikeIfExists":{"oss:prefix":"b/*"},"StringNotLike":{"OSS:PREFIX":"c/*"},` +
		`"StringEquals":{"acs:ResourceTag/Env":"x","acs:ResourceTag/env":"y"}}}`)))
	require.NoError(t, err, "tag names after '/' keep their case, so Env and env are two keys")
	assert.Len(t, d.Statements[0].Condition, 5)
}

func TestCanonicalKey(t *testing.T) {
	for in, want := range map[string]string{
		"oss:Prefix":                "oss:prefix",
		"oss:prefix":                "oss:prefix",
		"ACS:SourceIp":              "acs:sourceip",
		"acs:ResourceTag/Env":       "acs:resourcetag/Env",
		"ECS:Tag/Team/Sub":          "ecs:tag/Team/Sub",
		"k":                         "k",
		"K":                         "k",
		"/Env":                      "/Env",
		"Ärger:X":                   "Ärger:x", // only ASCII folds
		"ſts:ExternalId":            "ſts:externalid",
		"sts:ExternalId":            "sts:externalid",
		"saml:Recipient/ABC":        "saml:recipient/ABC",
		"":                          "",
		"Weird \"Key\" é/Tail É":    "weird \"key\" é/Tail É",
		"acs:RequestTag/CostCenter": "acs:requesttag/CostCenter",
	} {
		assert.Equal(t, want, CanonicalKey(in), in)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = CanonicalKey("acs:resourcetag/Env") }), "canonical keys are returned as they are")
}
