package interop

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	sdk "github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	v1sts "github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/examples/alibaba-clients/demo"
	"github.com/ramauthz/ramauthz/principal"
)

// TestRAMRoleARNProvider: B's employee configures credentials-go's
// RAM-role-ARN provider with his own key, A's role and the example STS
// endpoint; the SDK assumes the role over TLS and calls A's API with the
// session; after A revokes the role's sessions the next call fails with
// InvalidSecurityToken.Expired, and after the role is deleted a fresh
// provider cannot assume it.
func TestRAMRoleARNProvider(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		name := map[bool]string{false: "V3", true: "V1"}[v1]
		t.Run(name, func(t *testing.T) {
			e := start(t)
			newCred := func() credentials.Credential {
				cred, err := credentials.NewCredential(new(credentials.Config).
					SetType("ram_role_arn").
					SetAccessKeyId(e.world.Dave.ID).
					SetAccessKeySecret(e.world.Dave.Secret.Reveal()).
					SetRoleArn(e.world.RoleARN).
					SetRoleSessionName("dave").
					SetRoleSessionExpiration(900).
					SetSTSEndpoint(hostOf(e.sts)))
				require.NoError(t, err)
				return cred
			}
			cred := newCred()
			m, err := cred.GetCredential()
			require.NoError(t, err, "the provider assumes the role over TLS")
			assert.True(t, strings.HasPrefix(tea.StringValue(m.AccessKeyId), "STS."))
			assert.NotEmpty(t, tea.StringValue(m.SecurityToken))

			c := e.client(t, &openapi.Config{Credential: cred}, v1)
			res, err := call(c, "DeleteTraceApp", map[string]string{"AppName": "staging-shop"})
			require.NoError(t, err, "the role has AliyunARMSFullAccess")
			assert.Equal(t, map[string]any{"Deleted": "staging-shop"}, res["body"].(map[string]any)["Data"])

			// A revokes every session of the role.
			time.Sleep(1100 * time.Millisecond) // sessions are timed to the second
			_, err = e.world.Dir.RevokeSessions(principal.MustParse(e.world.RoleARN), time.Now())
			require.NoError(t, err)
			_, err = call(c, "ListTraceApps", nil)
			se := sdkError(t, err)
			assert.Equal(t, "InvalidSecurityToken.Expired", tea.StringValue(se.Code))

			// A new provider still may assume the role (revocation ends
			// sessions, not the trust); after the role is deleted it cannot.
			c2 := e.client(t, &openapi.Config{Credential: newCred()}, v1)
			_, err = call(c2, "ListTraceApps", nil)
			require.NoError(t, err)
			_, err = e.world.Dir.DeleteRole(principal.MustParse(e.world.RoleARN), directory.DeleteCascade)
			require.NoError(t, err)
			_, err = call(c2, "ListTraceApps", nil)
			assert.Equal(t, "InvalidSecurityToken.Expired", tea.StringValue(sdkError(t, err).Code),
				"the deleted role's session is expired for the provider")
			_, err = newCred().GetCredential()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "EntityNotExist.Role")
		})
	}
}

// TestV1SDK exercises alibaba-cloud-sdk-go: its sts client's AssumeRole over
// TLS, then CommonRequest RPC calls with the session and with a user key.
func TestV1SDK(t *testing.T) {
	e := start(t)
	client, err := v1sts.NewClientWithAccessKey(demo.Region, e.world.Dave.ID, e.world.Dave.Secret.Reveal())
	require.NoError(t, err)
	client.SetTransport(http.DefaultTransport)
	req := v1sts.CreateAssumeRoleRequest()
	req.Scheme = "https"
	req.Domain = hostOf(e.sts)
	req.RoleArn = e.world.RoleARN
	req.RoleSessionName = "dave-v1"
	resp, err := client.AssumeRole(req)
	require.NoError(t, err)
	assert.Equal(t, e.world.RoleARN+"/dave-v1", resp.AssumedRoleUser.Arn)
	exp, err := time.Parse("2006-01-02T15:04:05Z", resp.Credentials.Expiration)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(time.Hour), exp, time.Minute)

	common := func(c *sdk.Client, action string, params map[string]string) (*requestsResponse, error) {
		r := requests.NewCommonRequest()
		r.Method = "POST"
		r.Scheme = "http"
		r.Domain = hostOf(e.api)
		r.Version = demo.APIVersion
		r.ApiName = action
		r.QueryParams["RegionId"] = demo.Region
		for k, v := range params {
			r.FormParams[k] = v
		}
		out, err := c.ProcessCommonRequest(r)
		if err != nil {
			return nil, err
		}
		return &requestsResponse{status: out.GetHttpStatus(), body: out.GetHttpContentString()}, nil
	}
	sess, err := sdk.NewClientWithStsToken(demo.Region, resp.Credentials.AccessKeyId, resp.Credentials.AccessKeySecret, resp.Credentials.SecurityToken)
	require.NoError(t, err)
	out, err := common(sess, "GetTrace", map[string]string{"AppName": "checkout", "TraceId": "a b"})
	require.NoError(t, err)
	assert.Equal(t, 200, out.status)
	assert.Contains(t, out.body, `"TraceId":"a b"`)

	user, err := sdk.NewClientWithAccessKey(demo.Region, e.world.Oncall.ID, e.world.Oncall.Secret.Reveal())
	require.NoError(t, err)
	_, err = common(user, "DeleteTraceApp", map[string]string{"AppName": "checkout"})
	require.Error(t, err)
	se, ok := err.(*sdkerrors.ServerError)
	require.True(t, ok, "%T %v", err, err)
	assert.Equal(t, "Forbidden.RAM", se.ErrorCode())
	assert.Equal(t, 403, se.HttpStatus())
	assert.Len(t, se.RequestId(), 36)
	assert.Equal(t, demo.HostID, se.HostId())
}

type requestsResponse struct {
	status int
	body   string
}

func ioCopy(w io.Writer, r *http.Request) (int64, error) {
	if r.Body == nil {
		return 0, nil
	}
	return io.Copy(w, r.Body)
}

// send forwards a captured request, unchanged (host included), to base.
func send(t *testing.T, base string, r *http.Request, body []byte, w http.ResponseWriter) {
	out, err := http.NewRequest(r.Method, base+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
