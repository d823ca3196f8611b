package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDocumentClone(t *testing.T) {
	assert.Nil(t, (*Document)(nil).Clone())
	for _, tc := range []struct {
		kind Kind
		js   string
	}{
		{Identity, `{"Version":"1","Statement":[
			{"Sid":"a","Effect":"Allow","Action":["ecs:Describe*","oss:Get*"],"Resource":"acs:oss:*:*:b/*",
			 "Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"NumericLessThan":{"n":"5"},
			              "DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},"Bool":{"acs:SecureTransport":"true"}}},
			{"Effect":"Deny","NotAction":"ram:*","NotResource":["acs:ram:*:*:*"],"Condition":{}}]}`},
		{Trust, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
			"Principal":{"RAM":["acs:ram::1234567890123456:root"],"Service":"ecs.aliyuncs.com","Federated":"acs:ram::1234567890123456:saml-provider/x"}}]}`},
	} {
		d, err := Parse([]byte(tc.js), WithKind(tc.kind))
		require.NoError(t, err)
		c := d.Clone()
		require.Equal(t, d, c)
		want := d.String()

		// Write into every slice and pointer of the copy: the original
		// must not move.
		c.Version = "2"
		for i := range c.Statements {
			s := &c.Statements[i]
			for _, l := range [][]string{s.Action, s.NotAction, s.Resource, s.NotResource} {
				for j := range l {
					l[j] = "changed"
				}
			}
			if s.Principal != nil {
				s.Principal.RAM[0], s.Principal.Service[0], s.Principal.Federated[0] = "x", "y", "z"
			}
			for j := range s.Condition {
				s.Condition[j].Key = "k"
				for k := range s.Condition[j].Values {
					s.Condition[j].Values[k].Raw = "changed"
				}
			}
			s.Condition = append(s.Condition, Condition{})
		}
		c.Statements = append(c.Statements, Statement{})
		assert.Equal(t, want, d.String())
		// nil and empty stay apart: "Condition": {} is not an absent Condition.
		assert.Equal(t, d.Statements[0].Condition == nil, d.Clone().Statements[0].Condition == nil)
	}
}
