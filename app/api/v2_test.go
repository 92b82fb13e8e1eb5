package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
)

var testCreds = auth.Credentials{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef"}

// waiter is a REST-triggered flow that asks and waits for a reply.
const waiter = `{"description": "waiter", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "ask"}]},
  {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Hi {{flow.data.name}}", "from": "{{flow.channel.address}}", "timeout": "3600"},
   "transitions": [{"event": "incomingMessage"}, {"event": "timeout"}, {"event": "deliveryFailure"}]}]}`

type fixture struct {
	t      testing.TB
	server *Server
	srv    *httptest.Server
	st     *store.Store
	r      *runner.Runner
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	s := &Server{Store: st, Runner: r, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: log}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &fixture{t: t, server: s, srv: srv, st: st, r: r}
}

// do sends a request with the account's credentials and decodes the JSON
// answer into a map.
func (f *fixture) do(method, path string, form url.Values) (int, map[string]any) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	require.NoError(f.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(f.t, json.Unmarshal(b, &out), "%s", b)
	}
	return resp.StatusCode, out
}

// waitSteps polls a Steps list until it has n steps (a bounded wait: the
// first sprint of a REST-created execution runs after the answer).
func (f *fixture) waitSteps(path string, n int) []any {
	f.t.Helper()
	var steps []any
	for i := 0; i < 200; i++ {
		code, out := f.do("GET", path, nil)
		require.Equal(f.t, http.StatusOK, code, "%v", out)
		if steps = out["steps"].([]any); len(steps) >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.Len(f.t, steps, n)
	return steps
}

func (f *fixture) createFlow(def, status string) string {
	f.t.Helper()
	code, out := f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {"waiter"}, "Status": {status}, "Definition": {def}})
	require.Equal(f.t, http.StatusCreated, code, "%v", out)
	return out["sid"].(string)
}

func TestFlowLifecycle(t *testing.T) {
	f := newFixture(t)
	code, out := f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {"waiter"}, "Status": {"draft"}, "Definition": {waiter}, "CommitMessage": {"first"}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	flowSID := out["sid"].(string)
	require.True(t, sid.Valid(flowSID, sid.Flow))
	require.Equal(t, testCreds.AccountSID, out["account_sid"])
	require.Equal(t, float64(1), out["revision"])
	require.Equal(t, true, out["valid"])
	require.Equal(t, "draft", out["status"])
	require.Equal(t, "first", out["commit_message"])
	require.Equal(t, "Trigger", out["definition"].(map[string]any)["initial_state"])
	require.Equal(t, f.srv.URL+"/v1/Accounts/"+testCreds.AccountSID+"/Flows/"+flowSID, out["webhook_url"])
	require.Equal(t, f.srv.URL+"/v2/Flows/"+flowSID+"/Revisions", out["links"].(map[string]any)["revisions"])

	code, out = f.do("POST", "/v2/Flows/"+flowSID, url.Values{"Status": {"published"}, "CommitMessage": {"go live"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, float64(2), out["revision"])
	require.Equal(t, "published", out["status"])

	code, out = f.do("GET", "/v2/Flows/"+flowSID+"/Revisions/LatestPublished", nil)
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, float64(2), out["revision"])
	code, out = f.do("GET", "/v2/Flows/"+flowSID+"/Revisions/1", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "draft", out["status"])
	code, out = f.do("GET", "/v2/Flows/"+flowSID+"/Revisions/latest", nil)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, float64(CodeBadRevision), out["code"])
	code, _ = f.do("GET", "/v2/Flows/"+flowSID+"/Revisions/9", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, out = f.do("GET", "/v2/Flows/"+flowSID+"/Revisions", nil)
	require.Equal(t, http.StatusOK, code)
	revs := out["revisions"].([]any)
	require.Len(t, revs, 2)
	require.Equal(t, float64(2), revs[0].(map[string]any)["revision"], "newest first")
	require.Nil(t, revs[0].(map[string]any)["definition"], "lists carry no definition")

	code, out = f.do("POST", "/v2/Flows/"+flowSID+"/TestUsers", url.Values{"TestUsers": {"+15550001111", "+15550002222"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, []any{"+15550001111", "+15550002222"}, out["test_users"])
	code, out = f.do("POST", "/v2/Flows/"+flowSID+"/TestUsers", url.Values{})
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, float64(CodeMissingParam), out["code"])

	code, out = f.do("GET", "/v2/Flows", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["flows"], 1)
	require.Equal(t, "flows", out["meta"].(map[string]any)["key"])

	code, _ = f.do("DELETE", "/v2/Flows/"+flowSID, nil)
	require.Equal(t, http.StatusNoContent, code)
	code, out = f.do("GET", "/v2/Flows/"+flowSID, nil)
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, float64(CodeNotFound), out["code"])
}

func TestValidateAndInvalidFlows(t *testing.T) {
	f := newFixture(t)
	code, out := f.do("POST", "/v2/Flows/Validate", url.Values{"FriendlyName": {"x"}, "Status": {"published"}, "Definition": {waiter}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, map[string]any{"valid": true}, out)

	bad := strings.Replace(waiter, `"timeout": "3600"`, `"timeout": true`, 1)
	code, out = f.do("POST", "/v2/Flows/Validate", url.Values{"FriendlyName": {"x"}, "Status": {"published"}, "Definition": {bad}})
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, float64(CodeInvalidFlow), out["code"])
	errs := out["details"].(map[string]any)["errors"].([]any)
	require.NotEmpty(t, errs)
	require.Equal(t, "#/states/1/properties/timeout", errs[0].(map[string]any)["property_path"])

	// Published must be valid; a draft is kept with its errors.
	code, _ = f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {"x"}, "Status": {"published"}, "Definition": {bad}})
	require.Equal(t, http.StatusBadRequest, code)
	code, out = f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {bad}})
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, false, out["valid"])
	require.NotEmpty(t, out["errors"])

	for _, c := range []struct {
		name string
		form url.Values
		code int
	}{
		{"no name", url.Values{"Status": {"draft"}, "Definition": {waiter}}, CodeMissingParam},
		{"no status", url.Values{"FriendlyName": {"x"}, "Definition": {waiter}}, CodeMissingParam},
		{"no definition", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}}, CodeMissingParam},
		{"bad status", url.Values{"FriendlyName": {"x"}, "Status": {"live"}, "Definition": {waiter}}, CodeInvalidParam},
		{"not JSON", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {"{'a': 1}"}}, CodeInvalidFlow},
		{"2 MB", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {`{"description": "` + strings.Repeat("a", 2<<20) + `"}`}}, CodeInvalidFlow},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := f.do("POST", "/v2/Flows", c.form)
			require.Equal(t, http.StatusBadRequest, code, "%v", out)
			require.Equal(t, float64(c.code), out["code"], "%v", out)
		})
	}
	n, err := f.st.CountFlows(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the draft was stored")
}

func TestExecutions(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	path := "/v2/Flows/" + flowSID + "/Executions"
	code, out := f.do("POST", path, url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}, "Parameters": {`{"name": "Ann"}`}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	xSID := out["sid"].(string)
	require.True(t, sid.Valid(xSID, sid.Execution))
	require.Equal(t, "active", out["status"])
	require.Equal(t, "+15550001111", out["contact_channel_address"])
	require.Equal(t, "Ann", out["context"].(map[string]any)["flow"].(map[string]any)["data"].(map[string]any)["name"])

	code, out = f.do("POST", path, url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}})
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, float64(CodeConflict), out["code"])
	require.Equal(t, xSID, out["details"].(map[string]any)["conflicting_execution_sid"])

	// The first sprint runs after the answer.
	steps := f.waitSteps(path+"/"+xSID+"/Steps", 1)
	step := steps[0].(map[string]any)
	require.Equal(t, "incomingRequest", step["name"])
	require.Equal(t, "Trigger", step["transitioned_from"])
	require.Equal(t, "ask", step["transitioned_to"])
	code, out = f.do("GET", path+"/"+xSID+"/Steps/"+step["sid"].(string)+"/Context", nil)
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, step["sid"], out["step_sid"])
	code, out = f.do("GET", path+"/"+xSID+"/Context", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, xSID, out["execution_sid"])

	code, out = f.do("POST", path+"/"+xSID, url.Values{"Status": {"ended"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, "ended", out["status"])
	code, out = f.do("POST", path+"/"+xSID, url.Values{"Status": {"ended"}})
	require.Equal(t, http.StatusConflict, code, "%v", out)

	code, _ = f.do("DELETE", path+"/"+xSID, nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = f.do("GET", path+"/"+xSID, nil)
	require.Equal(t, http.StatusNotFound, code)

	for _, c := range []struct {
		name string
		form url.Values
		code int
	}{
		{"no To", url.Values{"From": {"+1"}}, CodeMissingParam},
		{"no From", url.Values{"To": {"+1"}}, CodeMissingParam},
		{"bad Parameters", url.Values{"To": {"+1"}, "From": {"+2"}, "Parameters": {"[1]"}}, CodeInvalidParam},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := f.do("POST", path, c.form)
			require.Equal(t, http.StatusBadRequest, code, "%v", out)
			require.Equal(t, float64(c.code), out["code"])
		})
	}
}

func TestPaging(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	path := "/v2/Flows/" + flowSID + "/Executions"
	made := map[string]bool{}
	for i := 0; i < 23; i++ {
		code, out := f.do("POST", path, url.Values{"To": {fmt.Sprintf("+1555000%04d", i)}, "From": {"+1"}})
		require.Equal(t, http.StatusCreated, code, "%v", out)
		made[out["sid"].(string)] = true
	}
	seen := map[string]bool{}
	next := path + "?PageSize=10"
	pages := 0
	var last string
	for next != "" && pages < 10 {
		code, out := f.do("GET", strings.TrimPrefix(next, f.srv.URL), nil)
		require.Equal(t, http.StatusOK, code, "%v", out)
		for _, e := range out["executions"].([]any) {
			e := e.(map[string]any)
			s := e["sid"].(string)
			require.False(t, seen[s], "seen twice: %s", s)
			seen[s] = true
			require.True(t, last == "" || e["date_created"].(string) <= last, "newest first")
			last = e["date_created"].(string)
		}
		meta := out["meta"].(map[string]any)
		require.Equal(t, float64(pages), meta["page"])
		next, _ = meta["next_page_url"].(string)
		pages++
	}
	require.Equal(t, 3, pages)
	require.Equal(t, made, seen)

	code, out := f.do("GET", path+"?PageSize=5000", nil)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, float64(CodePageSize), out["code"])
	code, _ = f.do("GET", path+"?PageToken=PTgarbage", nil)
	require.Equal(t, http.StatusBadRequest, code)
	code, out = f.do("GET", path+"?status=active&PageSize=5&Page=4", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["executions"], 3, "Page without a token skips 20")
	code, out = f.do("GET", path+"?status=ended", nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, out["executions"])
	code, out = f.do("GET", path+"?DateCreatedFrom=2100-01-01T00:00:00Z", nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, out["executions"])
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name, user, pass string
	}{
		{"none", "", ""},
		{"wrong token", testCreds.AccountSID, "nope"},
		{"wrong account", "AC00000000000000000000000000000000", testCreds.AuthToken},
		{"unknown key", "SK00000000000000000000000000000000", "x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.srv.URL+"/v2/Flows", nil)
			if c.user != "" {
				req.SetBasicAuth(c.user, c.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	}
	// An API key works until it is revoked.
	code, out := f.do("POST", "/2010-04-01/Accounts/"+testCreds.AccountSID+"/Keys.json", url.Values{"FriendlyName": {"ci"}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	keySID, secret := out["sid"].(string), out["secret"].(string)
	get := func() int {
		req, _ := http.NewRequest("GET", f.srv.URL+"/v2/Flows", nil)
		req.SetBasicAuth(keySID, secret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get())
	code, _ = f.do("DELETE", "/2010-04-01/Accounts/"+testCreds.AccountSID+"/Keys/"+keySID+".json", nil)
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, http.StatusUnauthorized, get())

	// /healthz needs nothing.
	resp, err := http.Get(f.srv.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestNumbers(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	path := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/IncomingPhoneNumbers"
	webhook := f.srv.URL + "/v1/Accounts/" + testCreds.AccountSID + "/Flows/" + flowSID
	code, out := f.do("POST", path+".json", url.Values{"PhoneNumber": {"+15550001000"}, "VoiceUrl": {webhook}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	pn := out["sid"].(string)
	require.True(t, strings.HasPrefix(pn, "PN"))
	require.Equal(t, webhook, out["voice_url"])
	require.Equal(t, "", out["sms_url"])

	n, err := f.st.NumberFor(context.Background(), "+15550001000")
	require.NoError(t, err)
	require.Equal(t, flowSID, n.VoiceFlowSID)

	code, out = f.do("POST", path+"/"+pn+".json", url.Values{"SmsUrl": {flowSID}, "FriendlyName": {"front desk"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, webhook, out["sms_url"])
	require.Equal(t, webhook, out["voice_url"], "unchanged when not sent")
	require.Equal(t, "front desk", out["friendly_name"])

	code, out = f.do("POST", path+".json", url.Values{"PhoneNumber": {"+15550001000"}})
	require.Equal(t, http.StatusConflict, code, "%v", out)
	code, _ = f.do("POST", path+".json", url.Values{"PhoneNumber": {"1000"}, "VoiceUrl": {"https://example.com/twiml"}})
	require.Equal(t, http.StatusBadRequest, code, "only local flows")
	code, _ = f.do("POST", path+".json", url.Values{"PhoneNumber": {"bad number\r\n"}})
	require.Equal(t, http.StatusBadRequest, code)
	code, out = f.do("POST", path+".json", url.Values{"PhoneNumber": {"frontdesk"}, "VoiceUrl": {flowSID}})
	require.Equal(t, http.StatusCreated, code, "SIP users route too: %v", out)

	code, out = f.do("GET", path+".json?PageSize=1", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["incoming_phone_numbers"], 1)
	require.NotNil(t, out["next_page_uri"])
	code, out = f.do("GET", path+".json?PhoneNumber=%2B15550001000", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, out["incoming_phone_numbers"], 1)

	code, _ = f.do("DELETE", path+"/"+pn+".json", nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = f.do("GET", path+"/"+pn+".json", nil)
	require.Equal(t, http.StatusNotFound, code)
}

// A create's errors keep their order now that the flow is read only when
// the create fails: an unknown flow answers 404 whatever else is wrong, a
// known flow with bad parameters 400, one with no revision the contact may
// run 404 with its own message.
func TestCreateExecutionErrorOrder(t *testing.T) {
	f := newFixture(t)
	draft := f.createFlow(waiter, "draft")
	for _, c := range []struct {
		name, flow string
		form       url.Values
		status     int
		message    string
	}{
		{"unknown flow, no To", "FW0000000000000000000000000000dead", url.Values{"From": {"+1"}}, http.StatusNotFound, "not found"},
		{"unknown flow, bad Parameters", "FW0000000000000000000000000000dead", url.Values{"To": {"+1555"}, "From": {"+1"}, "Parameters": {"[1]"}}, http.StatusNotFound, "not found"},
		{"unknown flow", "FW0000000000000000000000000000dead", url.Values{"To": {"+1555"}, "From": {"+1"}}, http.StatusNotFound, "not found"},
		{"known flow, no To", draft, url.Values{"From": {"+1"}}, http.StatusBadRequest, "To"},
		{"known flow, bad Parameters", draft, url.Values{"To": {"+1555"}, "From": {"+1"}, "Parameters": {"[1]"}}, http.StatusBadRequest, "Parameters"},
		{"draft only", draft, url.Values{"To": {"+1555"}, "From": {"+1"}}, http.StatusNotFound, "has no revision this contact can run"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := f.do("POST", "/v2/Flows/"+c.flow+"/Executions", c.form)
			require.Equal(t, c.status, code, "%v", out)
			require.Contains(t, out["message"], c.message)
		})
	}
}
