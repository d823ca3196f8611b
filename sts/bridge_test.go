package sts

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/signature"
)

// TestBridgeForgetsEndedSessions: Bridge remembered the secret and token of
// every session it ever issued, so any caller allowed to assume a role grew
// its memory without bound (5,000 sessions of 15 minutes over 8 hours were
// all still held). It now holds about the live sessions only, and a session
// it forgot still gets InvalidSecurityToken.Expired, the code credential
// providers refresh on.
func TestBridgeForgetsEndedSessions(t *testing.T) {
	f := newFixture(t)
	caller := &signature.Identity{AccessKeyID: f.dave.ID}
	var first AssumeRoleOutput
	for i := range 5000 {
		if i%10 == 0 {
			*f.now = f.now.Add(time.Minute)
		}
		out, err := f.bridge.AssumeRole(AssumeRoleInput{Caller: caller, RoleArn: f.roleARN,
			RoleSessionName: "s" + strconv.Itoa(i), DurationSeconds: 900, Context: new(evaluator.Context)})
		require.NoError(t, err, i)
		if i == 0 {
			first = out
		}
		require.LessOrEqual(t, f.bridge.sessions(), minSweep, i)
	}
	// The first session is long over and forgotten: still "expired".
	_, _, err := f.bridge.SessionCredential(first.AccessKeyID, first.SecurityToken)
	assert.ErrorIs(t, err, signature.ErrTokenExpired)
	// A live one works.
	out, err := f.bridge.AssumeRole(AssumeRoleInput{Caller: caller, RoleArn: f.roleARN,
		RoleSessionName: "live", DurationSeconds: 900, Context: new(evaluator.Context)})
	require.NoError(t, err)
	_, secret, err := f.bridge.SessionCredential(out.AccessKeyID, out.SecurityToken)
	require.NoError(t, err)
	assert.Equal(t, out.AccessKeySecret, secret)
}
