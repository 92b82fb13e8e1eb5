package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/engine"
)

// startServe runs serve on an ephemeral loopback port and returns its base URL
// and a function that stops it and returns serve's error.
func startServe(t *testing.T, dataDir string, opts ...func(*config.Config)) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := config.Config{DataDir: dataDir, HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	assets := fstest.MapFS{"frontend/dist/index.html": {Data: []byte("<title>editor</title>")}}
	go func() { done <- serve(ctx, cfg, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), ready, nil) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve failed: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil
}

func getHealth(t *testing.T, base string) api.Health {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h api.Health
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	return h
}

func TestServeSeedsDemoOnceAndServesHealth(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServe(t, dir)
	h := getHealth(t, base)
	require.Equal(t, "ok", h.Status)
	require.Equal(t, "ok", h.Store)
	require.Equal(t, 1, h.Flows, "the demo flow is seeded into an empty store")

	// Nothing but /healthz, sign-in and the editor's files answers without
	// credentials, also on loopback.
	resp, err := http.Get(base + "/v2/Flows")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, err = http.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the editor's files hold no secret")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self';")

	// The credentials generated on first start are kept in the data
	// directory, readable by the owner only.
	fi, err := os.Stat(filepath.Join(dir, auth.FileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	creds, created, err := auth.LoadOrCreate(dir, auth.Credentials{})
	require.NoError(t, err)
	require.False(t, created)
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.SetBasicAuth(creds.AccountSID, creds.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), "<title>editor</title>")
	require.NoError(t, stop())

	// A restart on the same data keeps the flow and does not seed it again.
	base, stop = startServe(t, dir)
	require.Equal(t, 1, getHealth(t, base).Flows)
	require.NoError(t, stop())
}

func TestServeRefusesBadConfig(t *testing.T) {
	err := serve(context.Background(), config.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1", SIPAddr: "127.0.0.1:0"}, nil, slog.Default(), nil, nil)
	require.ErrorIs(t, err, config.ErrInvalid)
}

// TestServeFiresTimersThatFellDueWhileDown: an execution that waited for a
// reply while the appliance was down times out once it is back.
func TestServeFiresTimersThatFellDueWhileDown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	const flow = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "ask"}]},
	  {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Still there?", "timeout": "60"},
	   "transitions": [{"event": "incomingMessage"}, {"event": "timeout", "next": "bye"}, {"event": "deliveryFailure"}]},
	  {"name": "bye", "type": "send-message", "properties": {"body": "Bye"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`
	const flowSID = "FW00000000000000000000000000000042"
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "t", Status: store.StatusPublished, Definition: json.RawMessage(flow), Valid: true})
	require.NoError(t, err)
	past := time.Now().Add(-2 * time.Minute) // its 60 s timeout fell due a minute ago
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithClock(func() time.Time { return past }))
	// The question goes back as a webhook's TwiML reply: no gateway needed.
	x, _, err := r.Message(runner.WithReplies(ctx, "+15550001111", "+15550002222"), flowSID, "+15550001111", "+15550002222",
		map[string]any{"Body": "hi"})
	require.NoError(t, err)
	r.Close()
	require.NoError(t, st.Close())

	_, stop := startServe(t, dir)
	defer stop()
	check, err := store.Open(ctx, dir)
	require.NoError(t, err)
	defer check.Close()
	var got *engine.Execution
	for i := 0; i < 100; i++ { // up to 10 s; the sweeper runs every second
		got, err = check.Execution(ctx, x.SID)
		require.NoError(t, err)
		if !got.Active() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.False(t, got.Active(), "the timeout fired after the restart")
	steps, err := check.Steps(ctx, x.SID)
	require.NoError(t, err)
	last := steps[len(steps)-1]
	require.Equal(t, "bye", last.TransitionedFrom)
	// No SMS gateway sends from the flow's number: the message fails with
	// Twilio's 21606, and send-message follows failed.
	require.Equal(t, "failed", last.Name)
	msgs, err := check.ListMessages(ctx, store.MessageFilter{ExecutionSID: x.SID}, store.Page{})
	require.NoError(t, err)
	var bye *store.Message
	for i := range msgs {
		if msgs[i].Body == "Bye" {
			bye = &msgs[i]
		}
	}
	require.NotNil(t, bye, "the goodbye message is stored with its execution")
	require.Equal(t, store.MessageFailed, bye.Status)
	require.Equal(t, 21606, bye.ErrorCode)
	require.Contains(t, bye.ErrorMessage, "no SMS gateway sends from")
}

// TestServeEndToEnd: a flow created over the REST API runs an execution
// started over the REST API, the contact's SMS reply arrives as a signed
// Twilio webhook and is answered with TwiML, and the execution's events
// reach a CloudEvents sink.
func TestServeEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var types []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch []map[string]any
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, ev := range batch {
			types = append(types, ev["type"].(string))
		}
		mu.Unlock()
	}))
	defer sink.Close()
	creds := auth.Credentials{AccountSID: "AC00000000000000000000000000000abc", AuthToken: "secretsecretsecretsecretsecret42"}
	base, stop := startServe(t, t.TempDir(), func(c *config.Config) {
		c.EventSinks = []string{sink.URL + "/events"}
		c.AccountSID, c.AuthToken = creds.AccountSID, creds.AuthToken
	})
	defer stop()
	post := func(path string, form url.Values, signed bool) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signed {
			req.Header.Set("X-Twilio-Signature", twiliosig.Sign(creds.AuthToken, base+path, form))
		} else {
			req.SetBasicAuth(creds.AccountSID, creds.AuthToken)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const flow = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "ask"}]},
	  {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Rate us 1-5", "from": "{{flow.channel.address}}", "timeout": "3600"},
	   "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
	  {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks for {{widgets.ask.inbound.Body}}", "from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"},
	   "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`
	code, body := post("/v2/Flows", url.Values{"FriendlyName": {"survey"}, "Status": {"published"}, "Definition": {flow}}, false)
	require.Equal(t, http.StatusCreated, code, body)
	var f struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(body), &f))
	// A text starts the survey: the question goes back in the TwiML answer
	// (no SMS gateway is configured, and none is needed for replies).
	code, body = post("/v1/Accounts/"+creds.AccountSID+"/Flows/"+f.SID, url.Values{
		"MessageSid": {"SM00000000000000000000000000000000"}, "From": {"+15550001111"}, "To": {"+15550002222"}, "Body": {"hi"}}, true)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "Rate us 1-5</Message>")

	code, body = post("/v1/Accounts/"+creds.AccountSID+"/Flows/"+f.SID, url.Values{
		"MessageSid": {"SM00000000000000000000000000000001"}, "From": {"+15550001111"}, "To": {"+15550002222"}, "Body": {"5"}}, true)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "Thanks for 5</Message>")

	want := []string{"com.twilio.studio.flow.execution.started", "com.twilio.studio.flow.execution.ended", "com.twilio.studio.flow.step.ended"}
	var got []string
	for i := 0; i < 100; i++ { // the dispatcher polls; up to 10 s
		mu.Lock()
		got = append([]string(nil), types...)
		mu.Unlock()
		if containsAll(got, want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.Subset(t, got, want)
}

func containsAll(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}
