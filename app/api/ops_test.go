package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHealthzBusyAndFull(t *testing.T) {
	st := newFixture(t)
	srv := st.srv
	health := func() (int, string) {
		resp, err := http.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := health()
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"status":"ok"`)

	s := st.server
	s.load.inFlight.Add(s.busyAt())
	code, body = health()
	require.Equal(t, http.StatusTooManyRequests, code, body)
	require.Contains(t, body, `"status":"busy"`)
	s.load.inFlight.Add(s.fullAt() - s.busyAt())
	code, body = health()
	require.Equal(t, http.StatusServiceUnavailable, code, body)
	require.Contains(t, body, `"status":"full"`)
	s.load.inFlight.Add(-s.fullAt())
	code, _ = health()
	require.Equal(t, http.StatusOK, code)
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	code, out := f.do("POST", "/v2/Flows/"+flowSID+"/Executions", url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}})
	require.Equal(t, http.StatusCreated, code)
	f.waitSteps("/v2/Flows/"+flowSID+"/Executions/"+out["sid"].(string)+"/Steps", 1)
	code, _ = f.do("GET", "/v2/Flows/FW00000000000000000000000000000000", nil)
	require.Equal(t, http.StatusNotFound, code)

	req, _ := http.NewRequest("GET", f.srv.URL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "metrics need credentials")
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		"switchboard_executions_started_total 1",
		"switchboard_steps_total 1",
		"switchboard_executions_active 1",
		`switchboard_http_requests_total{code="201",method="POST",route="POST /v2/Flows/{FlowSid}/Executions"} 1`,
		`switchboard_http_requests_total{code="404",method="GET",route="GET /v2/Flows/{Sid}"} 1`,
		`switchboard_http_request_duration_seconds_count{route="POST /v2/Flows"} 1`,
	} {
		require.True(t, strings.Contains(text, want), "missing %q in\n%s", want, text)
	}
}

func TestHostileInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	var logs strings.Builder
	f.server.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	flowSID := f.createFlow(waiter, "published")
	evil := "x'); DROP TABLE flows;--"
	for _, path := range []string{
		"/v2/Flows/" + url.PathEscape(evil),
		"/v2/Flows/" + flowSID + "/Executions/" + url.PathEscape(evil),
		"/v2/Flows/" + flowSID + "/Revisions/" + url.PathEscape("1 OR 1=1"),
		"/v2/Flows/" + flowSID + "/Executions?status=" + url.QueryEscape(evil),
		"/v2/Nope",
	} {
		code, out := f.do("GET", path, nil)
		require.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, code, "%s: %v", path, out)
		require.NotZero(t, out["code"], path)
	}
	code, out := f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {evil}, "Status": {"draft"}, "Definition": {waiter}})
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, evil, out["friendly_name"], "stored verbatim")

	// Wrong content type, a body that is not a form, a wrong password.
	for _, c := range []struct {
		ctype, body string
		code        int
	}{
		{"application/json", `{"FriendlyName": "x"}`, http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", "%zz=%", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/v2/Flows", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, c.code, resp.StatusCode, c.ctype)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/v2/Flows", nil)
	req.SetBasicAuth(testCreds.AccountSID, "guess-"+testCreds.AuthToken[:8])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	n, err := f.st.CountFlows(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.NotContains(t, logs.String(), testCreds.AuthToken[:8], "no secret in the request log")
	require.Contains(t, logs.String(), "status=401")
}
