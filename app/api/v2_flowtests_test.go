package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFlowTestsStoredAndRun: a test saved with the flow is listed, fetched,
// exported as a flow-test file and run with the flow test runner; a
// failing one names each expectation with its reason; runs test the
// current draft unless a revision is asked for.
func TestFlowTestsStoredAndRun(t *testing.T) {
	f := newFixture(t)
	def := demoFlow(t)
	flowSID := f.createFlow(def, "published")
	base := "/v2/Flows/" + flowSID + "/Tests"
	good := `{"name":"opening hours","trigger":"call","inputs":["1"],"expect":{"path":["Trigger","main_menu","route_choice","opening_hours"],` +
		`"says":["Welcome to the branch office. For our opening hours, press 1. To leave a message, press 2.","We are open Monday to Friday, from nine in the morning to five in the afternoon. Goodbye."],"ended":true,"end_reason":"completed"}}`
	code, out := f.do("POST", base, url.Values{"Test": {good}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.Equal(t, "opening hours", out["name"])
	require.Equal(t, f.srv.URL+base+"/opening%20hours", out["url"])

	for _, c := range []struct {
		test, want string
		code       int
	}{
		{"", "Missing required parameter Test", 400},
		{`[1]`, "not a JSON object", 400},
		{`{"name":"x"}`, "trigger", 400},
		{`{"name":"x","trigger":"fax"}`, "trigger", 400},
		{`{"name":"a/b","trigger":"call"}`, "no slashes", 400},
		{good, "already has a test named", 409},
	} {
		code, out := f.do("POST", base, url.Values{"Test": {c.test}})
		require.Equal(t, c.code, code, "%s: %v", c.test, out)
		require.Contains(t, out["message"], c.want)
	}
	code, _ = f.do("POST", "/v2/Flows/FW00000000000000000000000000000000/Tests", url.Values{"Test": {good}})
	require.Equal(t, http.StatusNotFound, code)

	bad := `{"name":"wrong end","trigger":"call","inputs":["2","/hangup"],"expect":{"path":["Trigger","main_menu"],"end_reason":"completed"}}`
	code, out = f.do("POST", base, url.Values{"Test": {bad}})
	require.Equal(t, http.StatusCreated, code, "%v", out)

	code, out = f.do("GET", base, nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["tests"], 2)
	code, out = f.do("GET", base+"?Format=flowtest", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["tests"], 2)
	require.Equal(t, flowTestSchema, out["$schema"])
	code, out = f.do("GET", base+"/wrong%20end", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "wrong end", out["test"].(map[string]any)["name"])

	code, out = f.do("POST", base+"/Runs", url.Values{})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, float64(1), out["passed"])
	require.Equal(t, float64(1), out["failed"])
	runs := out["runs"].([]any)
	pass, fail := runs[0].(map[string]any), runs[1].(map[string]any)
	require.Equal(t, true, pass["passed"])
	require.Len(t, pass["checks"], 4, "%v", out)
	require.Equal(t, false, fail["passed"])
	checks := fail["checks"].([]any)
	require.Equal(t, "path", checks[0].(map[string]any)["expectation"])
	require.Equal(t, false, checks[0].(map[string]any)["passed"])
	require.Contains(t, checks[0].(map[string]any)["reason"], "record_message")
	require.Equal(t, "end_reason", checks[1].(map[string]any)["expectation"])
	require.Equal(t, true, checks[1].(map[string]any)["passed"], "recording hung up ends the flow through record_message's hangup transition: %v", checks)
	require.NotEmpty(t, fail["transcript"])

	// A draft that changes the menu fails the test; the published revision still passes.
	draft := strings.Replace(def, "Welcome to the branch office.", "Hello.", 1)
	code, _ = f.do("POST", "/v2/Flows/"+flowSID, url.Values{"Status": {"draft"}, "Definition": {draft}})
	require.Equal(t, http.StatusOK, code)
	code, out = f.do("POST", base+"/opening%20hours/Runs", url.Values{})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, float64(2), out["revision"])
	require.Equal(t, float64(1), out["failed"])
	require.Contains(t, out["runs"].([]any)[0].(map[string]any)["failures"].([]any)[0], "says")
	code, out = f.do("POST", base+"/opening%20hours/Runs", url.Values{"Revision": {"LatestPublished"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, float64(1), out["passed"])
	code, _ = f.do("POST", base+"/nope/Runs", url.Values{})
	require.Equal(t, http.StatusNotFound, code)

	// Replace, delete.
	code, _ = f.do("POST", base, url.Values{"Test": {strings.Replace(good, `"1"`, `"2"`, 1)}, "Replace": {"true"}})
	require.Equal(t, http.StatusCreated, code)
	code, _ = f.do("DELETE", base+"/wrong%20end", nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = f.do("DELETE", base+"/wrong%20end", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, out = f.do("GET", base, nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["tests"], 1)
}
