package voice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// visitFlow hands the call to outside TwiML; on return it speaks the key
// the caller chose there; on timeout (Studio's only other way out of a
// live visit) it apologises.
const visitFlow = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "visit"}]},
  {"name": "visit", "type": "add-twiml-redirect", "properties": {"url": "URL", "method": "POST", "timeout": "TIMEOUT"},
   "transitions": [{"event": "return", "next": "thanks"}, {"event": "timeout", "next": "sorry"}, {"event": "fail", "next": "sorry"}]},
  {"name": "thanks", "type": "say-play", "properties": {"say": "You chose {{widgets.visit.Choice}}."}, "transitions": [{"event": "audioComplete"}]},
  {"name": "sorry", "type": "say-play", "properties": {"say": "Sorry, that did not work."}, "transitions": [{"event": "audioComplete"}]}]}`

// TestCallTwiMLRedirect: a SIP caller (sipp) reaches a flow whose
// add-twiml-redirect fetches TwiML from a plain HTTP server of the test; the
// TwiML says a prompt and gathers a key, which the caller sends as RFC 4733;
// the key is POSTed to the gather's action, whose TwiML redirects back to
// the flow's webhook with FlowEvent=return; the flow goes on at return
// with the key in widgets.visit. Every request carries Twilio's fields and
// a signature that twiliosig.Validate accepts.
func TestCallTwiMLRedirect(t *testing.T) {
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/start": xmlAnswer(`<?xml version="1.0" encoding="UTF-8"?>
<Response><Gather numDigits="1" action="/action" timeout="6"><Say>Press a key.</Say></Gather><Say>Nothing pressed.</Say></Response>`),
		"/action": func(w http.ResponseWriter, r *http.Request, base string) {
			w.Header().Set("Content-Type", "text/xml")
			back := base + "/v1/Accounts/AC00000000000000000000000000000001/Flows/" + testFlowSID + "?FlowEvent=return&Choice=" + url.QueryEscape(r.PostForm.Get("Digits"))
			fmt.Fprintf(w, `<Response><Redirect>%s</Redirect></Response>`, strings.ReplaceAll(back, "&", "&amp;"))
		},
	})
	p := newPhoneWith(t, func(v *Service) { v.AuthToken = testAuthToken })
	p.addFlow(t, testFlowSID, strings.NewReplacer("URL", srv.URL+"/start", "TIMEOUT", "30").Replace(visitFlow))

	rc, logs := p.sipp(t, "ivr_dtmf.xml", "/usr/share/sip-tester/dtmf_2833_1.pcap", testFlowSID, "-d", "1500")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, testFlowSID)
	require.False(t, x.Active())
	require.Equal(t, []string{"Trigger.incomingCall>visit", "visit.return>thanks", "thanks.audioComplete>Ended"}, steps)
	visit := x.Context.Widget("visit")
	require.Equal(t, "1", visit["Choice"])
	require.Equal(t, "+15550001111", visit["From"])

	hits := srv.requests()
	require.Len(t, hits, 2)
	require.Equal(t, []string{"/start", "/action"}, []string{hits[0].Path, hits[1].Path})
	require.Equal(t, "1", hits[1].Form.Get("Digits"))
	call := x.Context.Trigger()["call"].(map[string]any)
	for _, h := range hits {
		require.Equal(t, "POST", h.Method)
		require.True(t, h.Signed, "X-Twilio-Signature of %s", h.Path)
		require.Equal(t, call["CallSid"], h.Form.Get("CallSid"))
		require.Equal(t, "AC00000000000000000000000000000001", h.Form.Get("AccountSid"))
		require.Equal(t, "+15550001111", h.Form.Get("From"))
		require.Equal(t, call["To"], h.Form.Get("To"))
		require.Equal(t, "in-progress", h.Form.Get("CallStatus"))
		require.Equal(t, "inbound", h.Form.Get("Direction"))
		require.Equal(t, "2010-04-01", h.Form.Get("ApiVersion"))
	}
	p.waitIdle(t, testFlowSID, 5*time.Second)
}

// TestCallTwiMLRedirectFailures: a URL that does not answer within the
// widget's timeout, an answer that is not TwiML, and a redirect loop each
// take the widget's timeout path (the flow apologises and hangs up), with
// the reason in widgets.visit; no call, port or execution is left.
func TestCallTwiMLRedirectFailures(t *testing.T) {
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/slow": func(w http.ResponseWriter, r *http.Request, _ string) {
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		},
		"/garbage": xmlAnswer("<h1>502 Bad Gateway</h1>\x00\xff"),
		"/loop":    xmlAnswer(`<Response><Redirect>/loop</Redirect></Response>`),
		"/dial":    xmlAnswer(`<Response><Dial>+15550002222</Dial></Response>`),
	})
	p := newPhoneWith(t, func(v *Service) { v.AuthToken = testAuthToken })
	tests := []struct {
		name, path, timeout string
		flow                string
		code                string
		event               engine.Event // on the visit step; Message is a pattern
	}{
		{"timeout", "/slow", "2", "FW000000000000000000000000000000a1", "",
			engine.Event{Level: "error", Code: 11205, Message: `/slow did not answer within the widget's timeout \(2 s\)`}},
		{"garbage", "/garbage", "30", "FW000000000000000000000000000000a2", "12100",
			engine.Event{Level: "error", Code: 12100, Message: `^TwiML redirect failed: .*/garbage`}},
		{"loop", "/loop", "30", "FW000000000000000000000000000000a3", "",
			engine.Event{Level: "error", Message: `redirect loop`}},
		{"unsupported verb", "/dial", "30", "FW000000000000000000000000000000a4", "",
			engine.Event{Level: "error", Message: `<Dial> in outside TwiML is not available`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.addFlow(t, tt.flow, strings.NewReplacer("URL", srv.URL+tt.path, "TIMEOUT", tt.timeout).Replace(visitFlow))
			start := time.Now()
			rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", tt.flow)
			require.Equal(t, 0, rc, "the flow hangs up: %s", logs)
			require.Less(t, time.Since(start), 15*time.Second)
			x, steps := path(t, p.st, tt.flow)
			require.False(t, x.Active())
			require.Equal(t, []string{"Trigger.incomingCall>visit", "visit.timeout>sorry", "sorry.audioComplete>Ended"}, steps)
			visit := x.Context.Widget("visit")
			if tt.code != "" {
				require.Equal(t, tt.code, visit["ErrorCode"])
			}
			if tt.name == "loop" {
				require.Contains(t, visit["ErrorMessage"], "redirect loop")
			}
			evs := stepEvents(t, p.st, tt.flow)["visit"]
			require.Len(t, evs, 1, "the visit step's events")
			require.Equal(t, tt.event.Level, evs[0].Level)
			require.Equal(t, tt.event.Code, evs[0].Code)
			require.Equal(t, "visit", evs[0].Widget)
			require.Regexp(t, tt.event.Message, evs[0].Message)
			p.waitIdle(t, tt.flow, 5*time.Second)
		})
	}
	for _, h := range srv.requests() {
		require.True(t, h.Signed, "X-Twilio-Signature of %s", h.Path)
	}
	n, err := p.st.CountExecutions(context.Background(), "")
	require.NoError(t, err)
	require.Equal(t, 4, n)
}
