package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
)

// A REST-started flow whose first widget fails to render (84003, an error event).
const failing = `{"description": "fails", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "bad"}]},
  {"name": "bad", "type": "send-message", "properties": {"body": "{{ 1 | divided_by: 0 }}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`

func TestDashboard(t *testing.T) {
	e := newWebhookEnv(t)
	ctx := context.Background()
	const failFlow = "FW00000000000000000000000000000009"
	_, err := e.st.CreateFlow(ctx, store.NewFlow{SID: failFlow, FriendlyName: "fails", Status: store.StatusPublished,
		Definition: json.RawMessage(failing), Valid: true})
	require.NoError(t, err)

	get := func() dashboardJSON {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/v2/Dashboard", nil)
		require.NoError(t, err)
		req.SetBasicAuth(testAccount, testToken)
		resp, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		var d dashboardJSON
		require.NoError(t, json.Unmarshal(b, &d))
		return d
	}

	empty := get()
	require.Len(t, empty.Minutes, 60, "the last hour, minute by minute")
	require.Zero(t, empty.ExecutionsActive)
	require.Empty(t, empty.RecentEvents)
	first, err := time.Parse(time.RFC3339, empty.Minutes[0].Start)
	require.NoError(t, err)
	last, err := time.Parse(time.RFC3339, empty.Minutes[59].Start)
	require.NoError(t, err)
	require.Equal(t, 59*time.Minute, last.Sub(first))

	// An SMS starts a conversation (one in, one out), its reply ends it (in, out).
	status, _ := e.post(t, e.url(testAccount, smsFlow, ""), smsForm("SM00000000000000000000000000000001", "hi"), bySignature)
	require.Equal(t, http.StatusOK, status)
	d := get()
	require.Equal(t, 1, d.ExecutionsActive)
	require.Equal(t, 1, d.Messages.InLastHour)
	require.Equal(t, 1, d.Messages.OutLastHour)
	status, _ = e.post(t, e.url(testAccount, smsFlow, ""), smsForm("SM00000000000000000000000000000002", "Ann"), bySignature)
	require.Equal(t, http.StatusOK, status)
	// A call.
	status, _ = e.post(t, e.url(testAccount, callFlow, ""), callForm("CA00000000000000000000000000000001"), bySignature)
	require.Equal(t, http.StatusOK, status)
	// A REST execution that fails.
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/v2/Flows/"+failFlow+"/Executions",
		strings.NewReader(url.Values{"To": {"+15550003333"}, "From": {ourNumber}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	deadline := time.Now().Add(5 * time.Second)
	for d = get(); len(d.RecentEvents) == 0 && time.Now().Before(deadline); d = get() {
		time.Sleep(20 * time.Millisecond)
	}
	require.NotEmpty(t, d.RecentEvents, "the failing render is listed")
	var ev *dashboardEventJSON
	for i := range d.RecentEvents {
		if d.RecentEvents[i].Code == 84003 {
			ev = &d.RecentEvents[i]
		}
	}
	require.NotNil(t, ev, "the render error (84003) is among %+v", d.RecentEvents)
	require.Equal(t, failFlow, ev.FlowSID)
	require.Equal(t, "fails", ev.FlowName)
	require.Equal(t, "error", ev.Level)
	require.Equal(t, "bad", ev.Widget)
	require.NotEmpty(t, ev.ExecutionSID)
	require.NotEmpty(t, ev.StepSID)

	require.Equal(t, 2, d.Messages.InLastHour)
	require.Equal(t, 2, d.Messages.OutLastHour)
	sum := func(f func(dashboardMinuteJSON) int) (n int) {
		for _, m := range d.Minutes {
			n += f(m)
		}
		return n
	}
	require.Equal(t, 1, sum(func(m dashboardMinuteJSON) int { return m.Calls }), "one call")
	require.Equal(t, 3, sum(func(m dashboardMinuteJSON) int { return m.Executions }), "SMS, call, REST")
	require.Equal(t, 2, sum(func(m dashboardMinuteJSON) int { return m.MessagesOut }))
	require.Empty(t, d.Trunks, "no voice service in this test")
}

func TestDashboardNeedsCredentials(t *testing.T) {
	e := newWebhookEnv(t)
	resp, err := e.srv.Client().Get(e.srv.URL + "/v2/Dashboard")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
