package api

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func demoFlow(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../demo/demo-ivr.json")
	require.NoError(t, err)
	return string(b)
}

// entries are a simulation's transcript entries of one kind.
func entries(out map[string]any, key, kind string) []map[string]any {
	var list []map[string]any
	for _, e := range out[key].([]any) {
		if m := e.(map[string]any); m["kind"] == kind {
			list = append(list, m)
		}
	}
	return list
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestSimulationRunsACallThroughTheEngine: the demo flow as a phone: the
// menu is said (with a WAV of it), keys move it on, the path and the
// current widget are reported, the end ends it; nothing reaches the
// appliance's executions.
func TestSimulationRunsACallThroughTheEngine(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(demoFlow(t), "published")
	base := "/v2/Flows/" + flowSID + "/Simulations"
	code, out := f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	simSID := out["sid"].(string)
	require.True(t, strings.HasPrefix(simSID, "SS"))
	require.Equal(t, "waiting", out["status"])
	require.Equal(t, "draft", out["source"])
	require.Equal(t, "main_menu", out["current_widget"])
	require.Contains(t, strs(out["waiting_for"]), "digits")
	require.Equal(t, []string{"Trigger"}, strs(out["path"]))
	say := entries(out, "outputs", "say")
	require.Len(t, say, 1)
	require.Contains(t, say[0]["text"], "Welcome to the branch office")
	require.Equal(t, "main_menu", say[0]["widget"])

	if out["speech"] == true {
		u := say[0]["audio_url"].(string)
		require.True(t, strings.HasPrefix(u, f.srv.URL+base+"/"+simSID+"/Audio/"), u)
		req, _ := http.NewRequest("GET", u, nil)
		req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		require.Equal(t, "audio/wav", resp.Header.Get("Content-Type"))
		require.Equal(t, "RIFF", string(b[:4]))
		require.Equal(t, "WAVE", string(b[8:12]))
		require.Equal(t, uint32(8000), binary.LittleEndian.Uint32(b[24:28]))
		require.Greater(t, len(b), 44+8000, "at least half a second of speech")
		code, _ = f.do("GET", base+"/"+simSID+"/Audio/7", nil)
		require.Equal(t, http.StatusNotFound, code)
	} else {
		t.Log("no TTS engine installed: audio not checked")
	}

	code, out = f.do("POST", base+"/"+simSID+"/Input", url.Values{"Digits": {"9"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, "main_menu", out["current_widget"])
	var texts []string
	for _, e := range entries(out, "outputs", "say") {
		texts = append(texts, e["text"].(string))
	}
	require.Len(t, texts, 2)
	require.Equal(t, "Sorry, that is not an option.", texts[0])
	require.Equal(t, "9", entries(out, "outputs", "input")[0]["text"])

	code, out = f.do("POST", base+"/"+simSID+"/Input", url.Values{"Digits": {"1"}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	require.Equal(t, "ended", out["status"])
	require.Equal(t, "completed", out["end_reason"])
	require.Equal(t, []string{"Trigger", "main_menu", "route_choice", "not_understood", "main_menu", "route_choice", "opening_hours"}, strs(out["path"]))
	require.Equal(t, []string{"9", "1"}, strs(out["inputs"]))
	require.Contains(t, entries(out, "outputs", "say")[0]["text"], "We are open")
	require.Len(t, entries(out, "outputs", "ended"), 1)

	code, out = f.do("POST", base+"/"+simSID+"/Input", url.Values{"Digits": {"1"}})
	require.Equal(t, http.StatusConflict, code, "%v", out)

	code, out = f.do("GET", base+"/"+simSID, nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, out["outputs"])
	require.NotEmpty(t, out["transcript"])

	// A rehearsal: the appliance has no execution of the flow.
	code, out = f.do("GET", "/v2/Flows/"+flowSID+"/Executions", nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, out["executions"])

	code, _ = f.do("DELETE", base+"/"+simSID, nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = f.do("GET", base+"/"+simSID, nil)
	require.Equal(t, http.StatusNotFound, code)
}

// TestSimulationRunsTheDraft: by default the flow's current draft runs,
// not its published revision; Revision=LatestPublished runs that one; a
// Definition given runs as given.
func TestSimulationRunsTheDraft(t *testing.T) {
	f := newFixture(t)
	def := demoFlow(t)
	flowSID := f.createFlow(def, "published")
	draft := strings.Replace(def, "Welcome to the branch office.", "Hello from the draft.", 1)
	code, out := f.do("POST", "/v2/Flows/"+flowSID, url.Values{"Status": {"draft"}, "Definition": {draft}})
	require.Equal(t, http.StatusOK, code, "%v", out)
	base := "/v2/Flows/" + flowSID + "/Simulations"
	cases := []struct {
		form   url.Values
		says   string
		source string
		rev    any
	}{
		{url.Values{"Channel": {"voice"}}, "Hello from the draft.", "draft", float64(2)},
		{url.Values{"Channel": {"voice"}, "Revision": {"LatestPublished"}}, "Welcome to the branch office.", "revision", float64(1)},
		{url.Values{"Channel": {"voice"}, "Definition": {strings.Replace(def, "Welcome to the branch office.", "Unsaved words.", 1)}}, "Unsaved words.", "definition", nil},
	}
	for _, c := range cases {
		code, out := f.do("POST", base, c.form)
		require.Equal(t, http.StatusCreated, code, "%v", out)
		require.True(t, strings.HasPrefix(entries(out, "outputs", "say")[0]["text"].(string), c.says), "%v", out["outputs"])
		require.Equal(t, c.source, out["source"])
		require.Equal(t, c.rev, out["revision"])
	}
}

// TestSimulationBadInput: every mistake is a 400 (or 404) that says what
// is wrong, and the simulation goes on as it was.
func TestSimulationBadInput(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(demoFlow(t), "published")
	base := "/v2/Flows/" + flowSID + "/Simulations"
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"Channel": {"fax"}}, "Channel"},
		{url.Values{}, "Channel"},
		{url.Values{"Channel": {"voice"}, "Definition": {"{not json"}}, "Definition"},
		{url.Values{"Channel": {"voice"}, "Revision": {"x"}}, "Revision"},
		{url.Values{"Channel": {"voice"}, "Revision": {"9"}}, "no revision 9"},
		{url.Values{"Channel": {"voice"}, "Mocks": {`{"url":"x"}`}}, "Mocks"},
		{url.Values{"Channel": {"voice"}, "Mocks": {`[{"method":"PUT","url":"http://a/"}]`}}, "PUT"},
		{url.Values{"Channel": {"voice"}, "Mocks": {`[{"status":200}]`}}, "no url"},
	} {
		code, out := f.do("POST", base, c.form)
		require.Equal(t, http.StatusBadRequest, code, "%v: %v", c.form, out)
		require.Contains(t, out["message"], c.want)
	}
	code, _ := f.do("POST", "/v2/Flows/FW00000000000000000000000000000000/Simulations", url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusNotFound, code)

	code, out := f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusCreated, code)
	in := base + "/" + out["sid"].(string) + "/Input"
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{}, "exactly one"},
		{url.Values{"Digits": {"1"}, "Body": {"x"}}, "exactly one"},
		{url.Values{"Digits": {"12a"}}, "keys are 0-9"},
		{url.Values{"Body": {"hello"}}, "does not take reply"},
		{url.Values{"Line": {"/dial busy"}}, "not an answer here"},
		{url.Values{"SpeechResult": {"  "}}, "say some words"},
	} {
		code, out := f.do("POST", in, c.form)
		require.Equal(t, http.StatusBadRequest, code, "%v: %v", c.form, out)
		require.Contains(t, out["message"], c.want)
	}
	code, out = f.do("POST", in, url.Values{"SpeechResult": {"opening hours"}})
	require.Equal(t, http.StatusOK, code, "the simulation still waits after the refusals: %v", out)
	require.Equal(t, []string{"say opening hours"}, strs(out["inputs"]))
	code, _ = f.do("POST", base+"/SS00000000000000000000000000000000/Input", url.Values{"Digits": {"1"}})
	require.Equal(t, http.StatusNotFound, code)
	// Another flow's path does not reach it.
	other := f.createFlow(demoFlow(t), "published")
	code, _ = f.do("GET", "/v2/Flows/"+other+"/Simulations/"+out["sid"].(string), nil)
	require.Equal(t, http.StatusNotFound, code)
}

// TestSimulationCapAndTTL: at most MaxSimulations are open; one left
// without input past SimulationTTL is gone and makes room.
func TestSimulationCapAndTTL(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	f.server.Now = func() time.Time { return now }
	f.server.MaxSimulations, f.server.SimulationTTL = 2, time.Minute
	flowSID := f.createFlow(demoFlow(t), "published")
	base := "/v2/Flows/" + flowSID + "/Simulations"
	code, first := f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusCreated, code)
	now = now.Add(40 * time.Second)
	code, second := f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusCreated, code)
	code, out := f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusTooManyRequests, code, "%v", out)
	require.Contains(t, out["message"], "2 simulations are open")

	// Input keeps the second alive; the first expires.
	now = now.Add(30 * time.Second)
	code, _ = f.do("POST", base+"/"+second["sid"].(string)+"/Input", url.Values{"Digits": {"9"}})
	require.Equal(t, http.StatusOK, code)
	now = now.Add(40 * time.Second)
	code, _ = f.do("GET", base+"/"+first["sid"].(string), nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = f.do("GET", base+"/"+second["sid"].(string), nil)
	require.Equal(t, http.StatusOK, code)
	code, _ = f.do("POST", base, url.Values{"Channel": {"voice"}})
	require.Equal(t, http.StatusCreated, code)
}

// fetchFlow asks a mocked URL and a real one (a loopback server) and
// sends what each said.
const fetchFlow = `{"description": "fetch", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "mocked"}]},
  {"name": "mocked", "type": "make-http-request", "properties": {"method": "GET", "url": "http://crm.invalid/hello", "content_type": "application/json;charset=utf-8"},
   "transitions": [{"event": "success", "next": "say_mocked"}, {"event": "failed", "next": "say_failed"}]},
  {"name": "say_mocked", "type": "send-message", "properties": {"body": "mock says {{widgets.mocked.parsed.greeting}}", "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"},
   "transitions": [{"event": "sent", "next": "real"}, {"event": "failed"}]},
  {"name": "say_failed", "type": "send-message", "properties": {"body": "failed {{widgets.mocked.status_code}}", "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"},
   "transitions": [{"event": "sent"}, {"event": "failed"}]},
  {"name": "real", "type": "make-http-request", "properties": {"method": "GET", "url": "REAL/greet", "content_type": "application/json;charset=utf-8"},
   "transitions": [{"event": "success", "next": "say_real"}, {"event": "failed"}]},
  {"name": "say_real", "type": "send-message", "properties": {"body": "real says {{widgets.real.parsed.greeting}}", "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"},
   "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`

// TestSimulationMocksAndRealRequests: a request with a mock is answered
// from it, one without goes out (here to a loopback server); both show in
// the transcript.
func TestSimulationMocksAndRealRequests(t *testing.T) {
	real := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, bytes.NewReader([]byte(`{"greeting":"hello from the real one"}`)))
	}))
	defer real.Close()
	f := newFixture(t)
	flowSID := f.createFlow(strings.Replace(fetchFlow, "REAL", real.URL, 1), "draft")
	code, out := f.do("POST", "/v2/Flows/"+flowSID+"/Simulations", url.Values{"Channel": {"messaging"}, "Body": {"hi there"},
		"Mocks": {`[{"method":"GET","url":"http://crm.invalid/hello","status":200,"body":{"greeting":"hello from the mock"}}]`}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.Equal(t, "ended", out["status"])
	var msgs []string
	for _, e := range entries(out, "transcript", "message") {
		msgs = append(msgs, e["text"].(string))
	}
	require.Equal(t, []string{"mock says hello from the mock", "real says hello from the real one"}, msgs)
	reqs := entries(out, "transcript", "http")
	require.Len(t, reqs, 2)
	require.Equal(t, true, reqs[0]["mocked"])
	require.Equal(t, "http://crm.invalid/hello", reqs[0]["url"])
	require.Equal(t, float64(200), reqs[0]["status"])
	require.Nil(t, reqs[1]["mocked"])
	require.Equal(t, "hi there", entries(out, "transcript", "input")[0]["text"])

	// A mock with an error status takes the failed transition.
	code, out = f.do("POST", "/v2/Flows/"+flowSID+"/Simulations", url.Values{"Channel": {"messaging"},
		"Mocks": {`[{"url":"http://crm.invalid/hello","status":503,"body":"down"}]`}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.Equal(t, "failed 503", entries(out, "transcript", "message")[0]["text"])
	require.Contains(t, strs(out["path"]), "say_failed")
}
