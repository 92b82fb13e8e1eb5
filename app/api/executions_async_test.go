package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// slowFetch is a REST-triggered flow whose first widget is an HTTP request.
const slowFetch = `{"description": "slow fetch", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "fetch"}]},
  {"name": "fetch", "type": "make-http-request", "properties": {"method": "GET", "url": "{{flow.data.url}}", "content_type": "application/json;charset=utf-8"},
   "transitions": [{"event": "success"}, {"event": "failed"}]}]}`

// TestCreateExecutionAnswersBeforeTheFirstSprint: Studio answers the create
// as soon as the execution exists (201, active) and the flow runs on; a
// second create for the contact meanwhile is a 409. The outside server
// holds its answer until the test has seen both API answers, so the API
// cannot have waited for it; it answers anyway after 6 s, as the issue's
// slow request did.
func TestCreateExecutionAnswersBeforeTheFirstSprint(t *testing.T) {
	release := make(chan struct{})
	var answered atomic.Bool
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(6 * time.Second):
		}
		answered.Store(true)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"weather": "sunny"}`))
	}))
	defer slow.Close()

	f := newFixture(t)
	flowSID := f.createFlow(slowFetch, "published")
	path := "/v2/Flows/" + flowSID + "/Executions"
	code, out := f.do("POST", path, url.Values{"To": {"+15550001111"}, "From": {"+15550009999"},
		"Parameters": {`{"url": "` + slow.URL + `/weather"}`}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.False(t, answered.Load(), "the API answered only after the flow's HTTP request did")
	require.Equal(t, "active", out["status"])
	xSID := out["sid"].(string)

	code, out = f.do("POST", path, url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}})
	require.Equal(t, http.StatusConflict, code, "%v", out)
	require.Equal(t, float64(CodeConflict), out["code"])
	require.Equal(t, xSID, out["details"].(map[string]any)["conflicting_execution_sid"])
	require.False(t, answered.Load(), "the second create waited for the first execution's HTTP request")
	close(release)

	// The flow runs on and ends with the request's result.
	var ctx map[string]any
	for i := 0; i < 200; i++ {
		code, out = f.do("GET", path+"/"+xSID, nil)
		require.Equal(t, http.StatusOK, code, "%v", out)
		if out["status"] == "ended" {
			_, ctx = f.do("GET", path+"/"+xSID+"/Context", nil)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NotNil(t, ctx, "the execution did not end")
	fetch := ctx["context"].(map[string]any)["widgets"].(map[string]any)["fetch"].(map[string]any)
	require.Equal(t, float64(200), fetch["status_code"])
	require.Equal(t, "sunny", fetch["parsed"].(map[string]any)["weather"])
}
