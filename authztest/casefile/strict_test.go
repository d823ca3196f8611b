package casefile

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRejectsAmbiguousCases(t *testing.T) {
	const pol = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	const req = `"request":{"action":"a:b","resource":"*"}`
	bad := map[string]string{
		"duplicate expect":         `[{"name":"x","policies":[` + pol + `],` + req + `,"expect":"Allow","expect":"ImplicitDeny"}]`,
		"duplicate request field":  `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","action":"c:d","resource":"*"},"expect":"Allow"}]`,
		"duplicate context key":    `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"k":"1","k":"2"}},"expect":"Allow"}]`,
		"upper-case field":         `[{"name":"x","policies":[` + pol + `],` + req + `,"Expect":"Allow"}]`,
		"upper-case request field": `[{"name":"x","policies":[` + pol + `],"request":{"Action":"a:b","resource":"*"},"expect":"Allow"}]`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(in), "f.json")
			require.Error(t, err)
			var fe *FormatError
			assert.True(t, errors.As(err, &fe))
			assert.ErrorIs(t, err, ErrFormat)
		})
	}
	good := `[{"name":"x","policies":[` + pol + `],"request":{"action":"a:b","resource":"*","context":{"acs:SourceIp":"10.0.0.1"}},"expect":"Allow"},
	  {"kind":"invalid","name":"dup-in-policy","policy_type":"identity","policy":{"Version":"1","Version":"1","Statement":[]}}]`
	cases, err := Parse([]byte(good), "f.json")
	require.NoError(t, err, "condition keys keep their case; invalid policies may hold duplicates")
	assert.Len(t, cases, 2)
}
