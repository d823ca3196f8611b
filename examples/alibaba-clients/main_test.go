package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun checks each call's outcome against what RAM decides for it: the
// read-only engineer is implicitly denied a delete, the operator's
// production delete is explicitly denied by ProtectProduction, the session
// of B's employee acts as A's role until revoked, and every authentication
// failure carries the code an SDK raises.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	want := []struct{ call, outcome string }{
		{"ListTraceApps", "200 [checkout prod-shop staging-shop]"},
		{"DeleteTraceApp staging-shop", "403 Forbidden.RAM arms:DeleteTraceApp SubUser:oncall ImplicitDeny"},
		{"DeleteTraceApp staging-shop", "200 map[Deleted:staging-shop]"},
		{"DeleteTraceApp prod-shop", "403 Forbidden.RAM arms:DeleteTraceApp SubUser:operator ExplicitDeny"},
		{"decodes the diagnostic", "ExplicitDeny by Deny policy ProtectProduction Statement[0]; Allow policy AliyunARMSFullAccess Statement[0]"},
		{"ListTraceApps, guessed secret", "400 SignatureDoesNotMatch"},
		{"AssumeRole arms-operator", "200 acs:ram::1234567890123456:role/arms-operator/dave until 2026-03-02T10:15:00Z"},
		{"DeleteTraceApp staging-shop", "200 map[Deleted:staging-shop]"},
		{"ListTraceApps after revocation", "400 InvalidSecurityToken.Expired"},
		{"ListTraceApps, key deactivated", "400 InvalidAccessKeyId.Inactive"},
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(l, "#") {
			got = append(got, l)
		}
	}
	require.Len(t, got, len(want), out.String())
	for i, w := range want {
		assert.Contains(t, got[i], w.call+" ", "row %d", i)
		assert.True(t, strings.HasSuffix(got[i], w.outcome), "row %d: %q, want outcome %q", i, got[i], w.outcome)
	}
}
