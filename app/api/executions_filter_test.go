package api

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExecutionFilters(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	path := "/v2/Flows/" + flowSID + "/Executions"
	sids := map[string]string{}
	for _, to := range []string{"+15550000001", "+15550000002", "+15550000003"} {
		code, out := f.do("POST", path, url.Values{"To": {to}, "From": {"+15559990000"}})
		require.Equal(t, http.StatusCreated, code, "%v", out)
		sids[to] = out["sid"].(string)
	}
	code, out := f.do("POST", path+"/"+sids["+15550000002"], url.Values{"Status": {"ended"}})
	require.Equal(t, http.StatusOK, code, "%v", out)

	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{"+15550000003", "+15550000002", "+15550000001"}},
		{"Status active", "Status=active", []string{"+15550000003", "+15550000001"}},
		{"Status ended", "Status=ended", []string{"+15550000002"}},
		{"status (lower case) ended", "status=ended", []string{"+15550000002"}},
		{"contact", "ContactChannelAddress=" + url.QueryEscape("+15550000001"), []string{"+15550000001"}},
		{"contact and status", "ContactChannelAddress=" + url.QueryEscape("+15550000001") + "&Status=ended", nil},
		{"unknown contact", "ContactChannelAddress=" + url.QueryEscape("<script>"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := f.do("GET", path+"?"+c.query, nil)
			require.Equal(t, http.StatusOK, code, "%v", out)
			var got []string
			for _, e := range out["executions"].([]any) {
				got = append(got, e.(map[string]any)["contact_channel_address"].(string))
			}
			require.Equal(t, c.want, got)
		})
	}
	t.Run("bad Status", func(t *testing.T) {
		code, out := f.do("GET", path+"?Status=running", nil)
		require.Equal(t, http.StatusBadRequest, code)
		require.Contains(t, out["message"], "Status")
	})
}
