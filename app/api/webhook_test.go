package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/app/twiml"
	_ "github.com/switchboard/switchboard/engine/widgets"
)

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "0123456789abcdef0123456789abcdef"
	smsFlow     = "FW00000000000000000000000000000001"
	callFlow    = "FW00000000000000000000000000000002"
	serialFlow  = "FW00000000000000000000000000000003" // menu, one call per contact
	contact     = "+15550001111"
	ourNumber   = "+15550002222"
)

// askName asks the texter's name, waits for the reply and thanks them.
const askName = `{
  "description": "ask name", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "ask"}]},
    {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "What's your name? <reply> & \"quote\"", "timeout": "3600"},
     "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks {{widgets.ask.inbound.Body}}"},
     "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

// menu greets the caller, asks for a key and says which key it got.
const menu = `{
  "description": "menu", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true},
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "hello"}]},
    {"name": "hello", "type": "say-play", "properties": {"say": "Welcome", "voice": "Polly.Joanna", "language": "en-US"},
     "transitions": [{"event": "audioComplete", "next": "menu"}]},
    {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "Press 1 for sales", "timeout": 5, "number_of_digits": 1},
     "transitions": [{"event": "keypress", "next": "pressed"}, {"event": "speech"}, {"event": "timeout", "next": "bye"}]},
    {"name": "pressed", "type": "say-play", "properties": {"say": "You pressed {{widgets.menu.Digits}}"},
     "transitions": [{"event": "audioComplete"}]},
    {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye"}, "transitions": [{"event": "audioComplete"}]}
  ]}`

type webhookEnv struct {
	st  *store.Store
	run *runner.Runner
	srv *httptest.Server
}

func newWebhookEnv(t *testing.T) *webhookEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := runner.New(st, log)
	t.Cleanup(run.Close)
	serial := strings.Replace(menu, `"allow_concurrent_calls": true`, `"allow_concurrent_calls": false`, 1)
	for sid, def := range map[string]string{smsFlow: askName, callFlow: menu, serialFlow: serial} {
		_, err := st.CreateFlow(ctx, store.NewFlow{SID: sid, FriendlyName: "test", Status: store.StatusPublished,
			Definition: json.RawMessage(def), Valid: true})
		require.NoError(t, err)
	}
	s := &Server{Store: st, Runner: run, Version: "test", Log: log,
		Auth: &auth.Authenticator{Creds: auth.Credentials{AccountSID: testAccount, AuthToken: testToken}, Keys: st}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &webhookEnv{st: st, run: run, srv: srv}
}

// how a request authenticates.
type authBy int

const (
	bySignature authBy = iota
	byBasic
	byBadSignature
	byNothing
)

func (e *webhookEnv) url(account, flow, query string) string {
	u := e.srv.URL + "/v1/Accounts/" + account + "/Flows/" + flow
	if query != "" {
		u += "?" + query
	}
	return u
}

// post sends a webhook form to rawURL and returns the status and body.
func (e *webhookEnv) post(t *testing.T, rawURL string, form url.Values, by authBy) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch by {
	case bySignature:
		req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, rawURL, form))
	case byBasic:
		req.SetBasicAuth(testAccount, testToken)
	case byBadSignature:
		req.Header.Set(twiliosig.Header, twiliosig.Sign("not-the-token", rawURL, form))
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		require.Equal(t, twiml.ContentType, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(b)
}

func smsForm(sid, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {testAccount}, "From": {contact}, "To": {ourNumber},
		"Body": {body}, "NumMedia": {"0"}, "ApiVersion": {"2010-04-01"}}
}

func callForm(callSID string, extra ...string) url.Values {
	f := url.Values{"CallSid": {callSID}, "AccountSid": {testAccount}, "From": {contact}, "To": {ourNumber},
		"Caller": {contact}, "Called": {ourNumber}, "CallStatus": {"in-progress"}, "Direction": {"inbound"}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func (e *webhookEnv) count(t *testing.T, status string) int {
	t.Helper()
	n, err := e.st.CountExecutions(context.Background(), status)
	require.NoError(t, err)
	return n
}

const xmlHead = `<?xml version="1.0" encoding="UTF-8"?>`

func TestWebhookMessageConversation(t *testing.T) {
	for _, tt := range []struct {
		name string
		by   authBy
	}{{"signature", bySignature}, {"basic auth", byBasic}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newWebhookEnv(t)
			ctx := context.Background()
			code, body := e.post(t, e.url(testAccount, smsFlow, ""), smsForm("SM1", "hi"), tt.by)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, xmlHead+`<Response><Message to="+15550001111" from="+15550002222">What&#39;s your name? &lt;reply&gt; &amp; &#34;quote&#34;</Message></Response>`, body)
			require.Equal(t, 1, e.count(t, "active"))

			code, body = e.post(t, e.url(testAccount, smsFlow, ""), smsForm("SM2", "Ada & <Bob>"), tt.by)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, xmlHead+`<Response><Message to="+15550001111" from="+15550002222">Thanks Ada &amp; &lt;Bob&gt;</Message></Response>`, body)
			require.Equal(t, 0, e.count(t, "active"))
			require.Equal(t, 1, e.count(t, "ended"))

			// Twilio delivered both replies: no gateway may send them again.
			pending, err := e.st.ListMessages(ctx, store.MessageFilter{Status: store.MessageQueued}, store.Page{})
			require.NoError(t, err)
			require.Empty(t, pending)
		})
	}
}

func TestWebhookMessageBusy(t *testing.T) {
	e := newWebhookEnv(t)
	// A call keeps the contact's execution of the voice flow busy; a text to
	// the same flow is dropped with an empty answer, a second call hung up.
	code, body := e.post(t, e.url(testAccount, serialFlow, ""), callForm("CA1"), bySignature)
	require.Equal(t, http.StatusOK, code, body)
	code, body = e.post(t, e.url(testAccount, serialFlow, ""), smsForm("SM1", "hi"), bySignature)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, xmlHead+`<Response/>`, body)
	code, body = e.post(t, e.url(testAccount, serialFlow, ""), callForm("CA2"), bySignature)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, xmlHead+`<Response><Hangup/></Response>`, body)
	require.Equal(t, 1, e.count(t, ""))
	// The first call goes on.
	code, body = e.post(t, e.url(testAccount, serialFlow, "FlowEvent=gather"), callForm("CA1", "Digits", "7"), bySignature)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, xmlHead+`<Response><Say language="en-US">You pressed 7</Say><Hangup/></Response>`, body)
	require.Equal(t, 1, e.count(t, "ended"))
}

func TestWebhookRejects(t *testing.T) {
	e := newWebhookEnv(t)
	noFrom := smsForm("SM1", "hi")
	noFrom.Del("From")
	noTo := smsForm("SM1", "hi")
	noTo.Del("To")
	tests := []struct {
		name    string
		url     string
		form    url.Values
		by      authBy
		code    int
		errCode int
		message string
	}{
		{"bad signature", e.url(testAccount, smsFlow, ""), smsForm("SM1", "hi"), byBadSignature, 401, CodeUnauthorized, ""},
		{"no credentials", e.url(testAccount, smsFlow, ""), smsForm("SM1", "hi"), byNothing, 401, CodeUnauthorized, ""},
		{"signature over other params", e.url(testAccount, smsFlow, ""), smsForm("SM1", "hi"), -1, 401, CodeUnauthorized, ""},
		{"wrong account", e.url("AC00000000000000000000000000000000", smsFlow, ""), smsForm("SM1", "hi"), bySignature, 404, CodeNotFound, ""},
		{"unknown flow", e.url(testAccount, "FW0000000000000000000000000000dead", ""), smsForm("SM1", "hi"), bySignature, 404, CodeNotFound, ""},
		{"missing From", e.url(testAccount, smsFlow, ""), noFrom, bySignature, 400, CodeMissingParam, "Missing required parameter From in the post body"},
		{"missing To", e.url(testAccount, smsFlow, ""), noTo, byBasic, 400, CodeMissingParam, "Missing required parameter To in the post body"},
		{"neither message nor call", e.url(testAccount, smsFlow, ""), url.Values{"From": {contact}, "To": {ourNumber}}, bySignature, 400, CodeMissingParam, ""},
		{"unknown call event", e.url(testAccount, callFlow, "FlowEvent=teleport"), callForm("CA9"), bySignature, 400, CodeInvalidParam, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			by := tt.by
			if by == -1 { // signed, then a parameter changes on the way
				by = byNothing
				form := url.Values{}
				for k, v := range tt.form {
					form[k] = v
				}
				tt.form.Set("Body", "changed")
				code, body := e.postSignedFor(t, tt.url, form, tt.form)
				checkError(t, code, body, tt.code, tt.errCode, tt.message)
				return
			}
			code, body := e.post(t, tt.url, tt.form, by)
			checkError(t, code, body, tt.code, tt.errCode, tt.message)
		})
	}
	// Nothing got in.
	require.Equal(t, 0, e.count(t, ""))
}

// postSignedFor sends form with a signature computed over signed.
func (e *webhookEnv) postSignedFor(t *testing.T, rawURL string, signed, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, rawURL, signed))
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func checkError(t *testing.T, gotCode int, body string, code, errCode int, message string) {
	t.Helper()
	require.Equal(t, code, gotCode, body)
	var e Error
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.Equal(t, errCode, e.Code, body)
	require.Equal(t, code, e.Status)
	if message != "" {
		require.Equal(t, message, e.Message)
	}
}

func TestWebhookBadBodies(t *testing.T) {
	e := newWebhookEnv(t)
	tests := []struct {
		name, contentType, body string
	}{
		{"json", "application/json", `{"From":"+1","To":"+2","MessageSid":"SM1"}`},
		{"no content type", "", "From=%2B1&To=%2B2&MessageSid=SM1"},
		{"malformed form", "application/x-www-form-urlencoded", "From=%zz&To=%2B2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.url(testAccount, smsFlow, ""), strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.SetBasicAuth(testAccount, testToken)
			resp, err := e.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			checkError(t, resp.StatusCode, string(b), 400, CodeInvalidParam, "")
		})
	}
	require.Equal(t, 0, e.count(t, ""))
}

func TestWebhookVoiceCall(t *testing.T) {
	e := newWebhookEnv(t)
	action := func(event string) string { return e.url(testAccount, callFlow, "FlowEvent="+event) }
	// The answer's action URLs carry the step the execution was at (FlowStep).
	answered := func(event string) string { return e.url(testAccount, callFlow, "FlowStep=1&amp;FlowEvent="+event) }
	gather := `<Gather input="dtmf speech" action="` + answered("gather") + `" method="POST" timeout="5" finishOnKey="#" numDigits="1" speechTimeout="auto" language="en-US">` +
		`<Say language="en-US">Press 1 for sales</Say></Gather><Redirect method="POST">` + answered("timeout") + `</Redirect>`

	steps := []struct {
		name   string
		url    string
		form   url.Values
		want   string
		active int
	}{
		{"call comes in", e.url(testAccount, callFlow, ""), callForm("CA1"),
			`<Response><Say voice="Polly.Joanna" language="en-US">Welcome</Say>` + gather + `</Response>`, 1},
		{"caller presses 1", action("gather"), callForm("CA1", "Digits", "1"),
			`<Response><Say language="en-US">You pressed 1</Say><Hangup/></Response>`, 0},
		{"status callback after the end", e.url(testAccount, callFlow, ""), callForm("CA1", "CallStatus", "completed"),
			`<Response/>`, 0},
		{"second call times out", e.url(testAccount, callFlow, ""), callForm("CA2"),
			`<Response><Say voice="Polly.Joanna" language="en-US">Welcome</Say>` + gather + `</Response>`, 1},
		{"gather gets nothing", action("timeout"), callForm("CA2"),
			`<Response><Say language="en-US">Goodbye</Say><Hangup/></Response>`, 0},
		{"a late action is hung up", action("gather"), callForm("CA2", "Digits", "2"),
			`<Response><Hangup/></Response>`, 0},
		{"third call", e.url(testAccount, callFlow, ""), callForm("CA3"),
			`<Response><Say voice="Polly.Joanna" language="en-US">Welcome</Say>` + gather + `</Response>`, 1},
		{"caller hangs up", e.url(testAccount, callFlow, ""), callForm("CA3", "CallStatus", "completed"),
			`<Response><Hangup/></Response>`, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, body := e.post(t, st.url, st.form, bySignature)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, xmlHead+st.want, body)
			require.Equal(t, st.active, e.count(t, "active"))
		})
	}
	require.Equal(t, 3, e.count(t, "ended"))
}

// signed is signedWebhook for a request within the size cap.
func signed(t *testing.T, srv *Server, req *http.Request) bool {
	t.Helper()
	ok, err := srv.signedWebhook(httptest.NewRecorder(), req)
	require.NoError(t, err)
	return ok
}

func TestWebhookPublicURL(t *testing.T) {
	// Behind a proxy Twilio signs the public URL, not the one we listen on.
	form := callForm("CA1")
	public := "https://sb.example.com/v1/Accounts/" + testAccount + "/Flows/" + callFlow
	req := httptest.NewRequest(http.MethodPost, "/v1/Accounts/"+testAccount+"/Flows/"+callFlow, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, public, form))
	srv := &Server{PublicURL: "https://sb.example.com/", Auth: &auth.Authenticator{Creds: auth.Credentials{AccountSID: testAccount, AuthToken: testToken}}}
	require.True(t, signed(t, srv, req))
	require.Equal(t, "https://sb.example.com/v1/Accounts/"+testAccount+"/Flows/"+callFlow+"?FlowStep=3&FlowEvent=gather", srv.actions(req, 3)("gather"))

	// Without PublicURL the same signature does not hold.
	req = httptest.NewRequest(http.MethodPost, "/v1/Accounts/"+testAccount+"/Flows/"+callFlow, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, public, form))
	srv.PublicURL = ""
	require.False(t, signed(t, srv, req))
}

func TestSignedWebhookOnlyForWebhooks(t *testing.T) {
	srv := &Server{Auth: &auth.Authenticator{Creds: auth.Credentials{AccountSID: testAccount, AuthToken: testToken}}}
	tests := []struct {
		name, method, path string
		want               bool
	}{
		{"webhook", http.MethodPost, "/v1/Accounts/" + testAccount + "/Flows/" + smsFlow, true},
		{"GET webhook", http.MethodGet, "/v1/Accounts/" + testAccount + "/Flows/" + smsFlow, false},
		{"v2 flows", http.MethodPost, "/v2/Flows", false},
		{"deeper path", http.MethodPost, "/v1/Accounts/" + testAccount + "/Flows/" + smsFlow + "/Executions", false},
		{"keys", http.MethodPost, "/2010-04-01/Accounts/" + testAccount + "/Keys.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := smsForm("SM1", "hi")
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, "http://example.com"+tt.path, form))
			require.Equal(t, tt.want, signed(t, srv, req))
		})
	}
}

func TestWebhookVoiceEdges(t *testing.T) {
	const (
		redirectFlow = "FW00000000000000000000000000000004"
		outcallFlow  = "FW00000000000000000000000000000005"
		recordFlow   = "FW00000000000000000000000000000006"
	)
	flows := map[string]string{
		// Hands the call to outside TwiML, which sends it back with FlowEvent=return.
		redirectFlow: `{"description": "redirect", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "out"}]},
		  {"name": "out", "type": "add-twiml-redirect", "properties": {"url": "https://ivr.example.com/twiml?x=1&y=2", "timeout": "60"},
		   "transitions": [{"event": "return", "next": "back"}, {"event": "timeout"}, {"event": "fail"}]},
		  {"name": "back", "type": "say-play", "properties": {"say": "Back with {{widgets.out.choice}}"}, "transitions": [{"event": "audioComplete"}]}]}`,
		// Places an outbound call, which a Twilio webhook cannot do.
		outcallFlow: `{"description": "outcall", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "hello"}]},
		  {"name": "hello", "type": "say-play", "properties": {"say": "One moment"}, "transitions": [{"event": "audioComplete", "next": "call"}]},
		  {"name": "call", "type": "make-outgoing-call-v2", "properties": {"from": "+15550002222", "to": "+15550009999"},
		   "transitions": [{"event": "answered"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}]}]}`,
		// Takes a voicemail.
		recordFlow: `{"description": "voicemail", "initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "vm"}]},
		  {"name": "vm", "type": "record-voicemail", "properties": {"timeout": 5, "max_length": 60, "finish_on_key": "#", "play_beep": "true", "trim": "trim-silence"},
		   "transitions": [{"event": "recordingComplete", "next": "ok"}, {"event": "noAudio", "next": "none"}, {"event": "hangup"}]},
		  {"name": "ok", "type": "say-play", "properties": {"say": "Got {{widgets.vm.RecordingDuration}} seconds"}, "transitions": [{"event": "audioComplete"}]},
		  {"name": "none", "type": "say-play", "properties": {"say": "Nothing recorded"}, "transitions": [{"event": "audioComplete"}]}]}`,
	}
	tests := []struct {
		name  string
		flow  string
		steps []struct{ query, extra, want string }
	}{
		{"twiml redirect and return", redirectFlow, []struct{ query, extra, want string }{
			{"", "", `<Response><Redirect method="POST">https://ivr.example.com/twiml?x=1&amp;y=2</Redirect></Response>`},
			{"FlowEvent=return&choice=billing", "", `<Response><Say language="en-US">Back with billing</Say><Hangup/></Response>`},
		}},
		{"outbound call is not possible", outcallFlow, []struct{ query, extra, want string }{
			{"", "", `<Response><Say language="en-US">One moment</Say><Hangup/></Response>`},
		}},
		{"voicemail recorded", recordFlow, []struct{ query, extra, want string }{
			{"", "", `<Response><Record action="{action}record" method="POST" timeout="5" finishOnKey="#" maxLength="60" playBeep="true" trim="trim-silence"/><Redirect method="POST">{action}record</Redirect></Response>`},
			{"FlowEvent=record", "RecordingUrl=https://x/r.wav&RecordingDuration=12", `<Response><Say language="en-US">Got 12 seconds</Say><Hangup/></Response>`},
		}},
		{"voicemail empty", recordFlow, []struct{ query, extra, want string }{
			{"", "", `<Response><Record action="{action}record" method="POST" timeout="5" finishOnKey="#" maxLength="60" playBeep="true" trim="trim-silence"/><Redirect method="POST">{action}record</Redirect></Response>`},
			{"FlowEvent=record", "", `<Response><Say language="en-US">Nothing recorded</Say><Hangup/></Response>`},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWebhookEnv(t)
			_, err := e.st.CreateFlow(context.Background(), store.NewFlow{SID: tt.flow, FriendlyName: tt.name,
				Status: store.StatusPublished, Definition: json.RawMessage(flows[tt.flow]), Valid: true})
			require.NoError(t, err)
			callSID := "CA" + strings.Repeat("0", 31) + string(rune('a'+i))
			for _, st := range tt.steps {
				form := callForm(callSID)
				extra, err := url.ParseQuery(st.extra)
				require.NoError(t, err)
				for k, v := range extra {
					form[k] = v
				}
				code, body := e.post(t, e.url(testAccount, tt.flow, st.query), form, bySignature)
				require.Equal(t, http.StatusOK, code, body)
				want := strings.ReplaceAll(st.want, "{action}", e.url(testAccount, tt.flow, "FlowStep=1&amp;FlowEvent="))
				require.Equal(t, xmlHead+want, body)
			}
			require.Equal(t, 0, e.count(t, "active"), "every call's execution ended")
		})
	}
}
