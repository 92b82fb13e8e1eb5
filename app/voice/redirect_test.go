package voice

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/engine"
)

const (
	testAuthToken = "0123456789abcdef0123456789abcdef"
	testFlowSID   = "FW00000000000000000000000000000090"
)

// twimlHit is one request the TwiML server received.
type twimlHit struct {
	Method, Path string
	Form         url.Values // POST body, or the query of a GET
	Signed       bool       // X-Twilio-Signature validated with the auth token
}

// twimlServer is a plain HTTP server that serves TwiML by path, the way a
// customer's web app would, and checks Twilio's signature on each request.
type twimlServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits []twimlHit
}

// newTwiMLServer serves routes; a route gets the request (form parsed) and
// the server's base URL.
func newTwiMLServer(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request, base string)) *twimlServer {
	t.Helper()
	s := &twimlServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		full := "http://" + r.Host + r.RequestURI
		_ = r.ParseForm()
		var signed bool
		form := r.PostForm
		if r.Method == http.MethodGet {
			form = r.URL.Query()
			signed = twiliosig.Validate(testAuthToken, full, nil, r.Header.Get(twiliosig.Header))
		} else {
			signed = twiliosig.Validate(testAuthToken, full, r.PostForm, r.Header.Get(twiliosig.Header))
		}
		s.mu.Lock()
		s.hits = append(s.hits, twimlHit{Method: r.Method, Path: r.URL.Path, Form: form, Signed: signed})
		s.mu.Unlock()
		h, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r, "http://"+r.Host)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *twimlServer) requests() []twimlHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]twimlHit(nil), s.hits...)
}

// xmlAnswer serves a fixed TwiML document (base replaces BASE).
func xmlAnswer(doc string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, base string) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, strings.ReplaceAll(doc, "BASE", base))
	}
}

// backToFlow is the flow's webhook with FlowEvent=return, as a customer
// writes it in the TwiML (on Studio's host: any host is the flow's).
const backToFlow = "https://webhooks.twilio.com/v1/Accounts/AC00000000000000000000000000000001/Flows/" + testFlowSID + "?FlowEvent=return"

// gatherThenBack: say, gather one digit; the action posts it and redirects
// back to the flow with the digit as Choice.
func gatherThenBack() map[string]func(http.ResponseWriter, *http.Request, string) {
	return map[string]func(http.ResponseWriter, *http.Request, string){
		"/start": xmlAnswer(`<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say voice="alice" language="en-US">Welcome to the outside app.</Say>
  <Gather numDigits="1" action="/action" timeout="4">
    <Say>Press a key.</Say>
  </Gather>
  <Say>We did not get a key.</Say>
</Response>`),
		"/action": func(w http.ResponseWriter, r *http.Request, _ string) {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			fmt.Fprintf(w, `<Response><Say>You pressed %s.</Say><Redirect>%s&amp;Choice=%s</Redirect></Response>`,
				r.PostForm.Get("Digits"), backToFlow, url.QueryEscape(r.PostForm.Get("Digits")))
		},
	}
}

func redirectSprint(u, method string, timeout int) *engine.Sprint {
	return &engine.Sprint{Commands: []engine.Command{engine.Redirect{Widget: "visit", URL: u, Method: method, Timeout: timeout}},
		Wait: &engine.Wait{Widget: "visit", Inputs: []string{engine.InputReturn, engine.InputTimeout}}}
}

func newRedirectExec() (*Executor, *fakeMedia, *fakeRecordings) {
	e, m, recs := newExec()
	e.TwiML = &TwiMLClient{AuthToken: testAuthToken, FlowSID: testFlowSID, Params: map[string]string{
		"CallSid": "CA1", "AccountSid": "AC00000000000000000000000000000001", "From": "+15550001111", "To": "+15550002222",
		"CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}}
	return e, m, recs
}

// TestRedirectGatherAndReturn: the TwiML says, gathers a key, the action
// gets it and redirects back to the flow; the widget returns with the
// redirect's query parameters. Each request is shaped and signed as
// Twilio's (POST by default, GET when the widget says so).
func TestRedirectGatherAndReturn(t *testing.T) {
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			srv := newTwiMLServer(t, gatherThenBack())
			e, m, _ := newRedirectExec()
			go func() {
				time.Sleep(150 * time.Millisecond)
				m.digits <- '7'
			}()
			in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/start?lang=en", method, 30))
			require.NoError(t, err)
			require.Equal(t, engine.InputReturn, in.Type)
			require.Equal(t, "7", in.Params["Choice"])
			require.Equal(t, "CA1", in.Params["CallSid"])
			require.NotContains(t, in.Params, "FlowEvent")
			require.Equal(t, []string{"say:Welcome to the outside app.", "say:Press a key.", "say:You pressed 7."}, m.played)

			hits := srv.requests()
			require.Len(t, hits, 2)
			require.Equal(t, method, hits[0].Method)
			require.Equal(t, "/start", hits[0].Path)
			for _, k := range []string{"CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion"} {
				require.NotEmpty(t, hits[0].Form.Get(k), k)
			}
			require.Equal(t, "2010-04-01", hits[0].Form.Get("ApiVersion"))
			require.Equal(t, "POST", hits[1].Method, "the gather's action is POSTed by default")
			require.Equal(t, "/action", hits[1].Path)
			require.Equal(t, "7", hits[1].Form.Get("Digits"))
			for _, h := range hits {
				require.True(t, h.Signed, "signature of %s %s", h.Method, h.Path)
			}
		})
	}
}

// TestRedirectVerbs: the verbs other than gather, and how a document ends.
func TestRedirectVerbs(t *testing.T) {
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/ends":     xmlAnswer(`<Response><Say loop="2">Bye</Say></Response>`),
		"/hangup":   xmlAnswer(`<Response><Hangup/><Say>never</Say></Response>`),
		"/play":     xmlAnswer(`<Response><Play>sounds/a.wav</Play><Play digits="1w2"/><Pause length="1"/><Redirect method="GET">/back</Redirect></Response>`),
		"/back":     xmlAnswer(`<Response><Redirect>` + strings.ReplaceAll(backToFlow, "&", "&amp;") + `&amp;From=spoofed&amp;x=1</Redirect></Response>`),
		"/nokey":    xmlAnswer(`<Response><Gather timeout="1" action="/never"><Say>Press</Say></Gather><Redirect>/back</Redirect></Response>`),
		"/empty":    xmlAnswer(`<Response><Gather timeout="1" actionOnEmptyResult="true" action="/gotempty"/></Response>`),
		"/gotempty": xmlAnswer(`<Response><Redirect>/back</Redirect></Response>`),
		"/record":   xmlAnswer(`<Response><Record maxLength="1" playBeep="false" action="/recorded" trim="do-not-trim"/></Response>`),
		"/recorded": func(w http.ResponseWriter, r *http.Request, _ string) {
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<Response><Redirect>%s&amp;Url=%s</Redirect></Response>`, backToFlow, url.QueryEscape(r.PostForm.Get("RecordingUrl")))
		},
	})
	t.Run("TwiML that ends hangs up", func(t *testing.T) {
		e, m, _ := newRedirectExec()
		_, err := e.Run(context.Background(), redirectSprint(srv.URL+"/ends", "POST", 10))
		require.ErrorIs(t, err, ErrHangup)
		require.Equal(t, []string{"say:Bye", "say:Bye"}, m.played)
	})
	t.Run("hangup", func(t *testing.T) {
		e, m, _ := newRedirectExec()
		_, err := e.Run(context.Background(), redirectSprint(srv.URL+"/hangup", "POST", 10))
		require.ErrorIs(t, err, ErrHangup)
		require.Empty(t, m.played)
	})
	t.Run("play digits pause redirect", func(t *testing.T) {
		e, m, _ := newRedirectExec()
		start := time.Now()
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/play", "POST", 10))
		require.NoError(t, err)
		require.GreaterOrEqual(t, time.Since(start), time.Second, "the pause")
		require.Equal(t, engine.InputReturn, in.Type)
		require.Equal(t, "+15550001111", in.Params["From"], "the call's own fields win over the query")
		require.Equal(t, "1", in.Params["x"])
		require.Equal(t, []string{"play:" + srv.URL + "/sounds/a.wav"}, m.played)
		require.Equal(t, []string{"1w2"}, m.sent)
	})
	t.Run("gather without a key goes on", func(t *testing.T) {
		e, _, _ := newRedirectExec()
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/nokey", "POST", 10))
		require.NoError(t, err)
		require.Equal(t, engine.InputReturn, in.Type)
	})
	t.Run("actionOnEmptyResult", func(t *testing.T) {
		e, _, _ := newRedirectExec()
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/empty", "POST", 10))
		require.NoError(t, err)
		require.Equal(t, engine.InputReturn, in.Type)
		hits := srv.requests()
		require.Equal(t, "/gotempty", hits[len(hits)-2].Path)
		require.Contains(t, hits[len(hits)-2].Form, "Digits")
	})
	t.Run("record", func(t *testing.T) {
		e, m, recs := newRedirectExec()
		go m.speak(100, true)
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/record", "POST", 10))
		require.NoError(t, err)
		require.Equal(t, engine.InputReturn, in.Type)
		require.Equal(t, "http://127.0.0.1/recordings/RE1.wav", in.Params["Url"])
		require.Len(t, recs.recs, 1)
	})
	t.Run("caller hangs up", func(t *testing.T) {
		e, _, _ := newRedirectExec()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		in, err := e.Run(ctx, redirectSprint(srv.URL+"/nokey", "POST", 10))
		require.NoError(t, err)
		require.Equal(t, engine.InputHangup, in.Type)
	})
	for _, h := range srv.requests() {
		require.True(t, h.Signed, "signature of %s %s", h.Method, h.Path)
	}
}

// TestRedirectFailures: what Twilio would answer with an application error
// takes the widget's timeout path with ErrorCode and ErrorMessage.
func TestRedirectFailures(t *testing.T) {
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/slow": func(w http.ResponseWriter, r *http.Request, _ string) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
		"/500":     func(w http.ResponseWriter, _ *http.Request, _ string) { http.Error(w, "boom", 500) },
		"/garbage": xmlAnswer(`<html><body>Fatal error: Uncaught exception</body></html>`),
		"/json": func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":true}`)
		},
		"/big":   xmlAnswer(`<Response><Say>` + strings.Repeat("a", 70000) + `</Say></Response>`),
		"/bad":   xmlAnswer(`<Response><Say loop="many">x</Say></Response>`),
		"/loop":  xmlAnswer(`<Response><Say>again</Say><Redirect>/loop</Redirect></Response>`),
		"/dial":  xmlAnswer(`<Response><Say>Connecting</Say><Dial>+15551234567</Dial></Response>`),
		"/other": xmlAnswer(`<Response><Redirect>https://webhooks.twilio.com/v1/Accounts/AC1/Flows/FW99999999999999999999999999999999?FlowEvent=return</Redirect></Response>`),
		"/noevt": xmlAnswer(`<Response><Redirect>https://webhooks.twilio.com/v1/Accounts/AC1/Flows/` + testFlowSID + `</Redirect></Response>`),
		"/hop":   func(w http.ResponseWriter, r *http.Request, _ string) { http.Redirect(w, r, "/hop", http.StatusFound) },
	})
	tests := []struct {
		path    string
		timeout int // the widget's
		code    string
		msg     string
	}{
		{"/500", 10, "11200", "500"},
		{"/garbage", 10, "12100", "<html>"},
		{"/json", 10, "12300", "application/json"},
		{"/big", 10, "11750", "64 kB"},
		{"/bad", 10, "12200", "loop"},
		{"/loop", 10, "", "10 TwiML documents"},
		{"/dial", 10, "", "<Dial>"},
		{"/other", 10, "", "FW9999"},
		{"/noevt", 10, "", "FlowEvent=return"},
		{"/hop", 10, "11215", "HTTP redirects"},
		{"/nowhere", 10, "11200", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			e, _, _ := newRedirectExec()
			in, err := e.Run(context.Background(), redirectSprint(srv.URL+tt.path, "POST", tt.timeout))
			require.NoError(t, err)
			require.Equal(t, engine.InputTimeout, in.Type)
			if tt.code == "" {
				require.NotContains(t, in.Params, "ErrorCode")
			} else {
				require.Equal(t, tt.code, in.Params["ErrorCode"])
			}
			require.Contains(t, in.Params["ErrorMessage"], tt.msg)
		})
	}
	t.Run("the widget's timeout", func(t *testing.T) {
		e, _, _ := newRedirectExec()
		start := time.Now()
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/slow", "POST", 1))
		require.NoError(t, err)
		require.Equal(t, engine.InputTimeout, in.Type)
		require.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("a request's own timeout", func(t *testing.T) {
		e, _, _ := newRedirectExec()
		e.TwiML.FetchTimeout = 200 * time.Millisecond
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/slow", "POST", 0))
		require.NoError(t, err)
		require.Equal(t, engine.InputTimeout, in.Type)
		require.Equal(t, "11205", in.Params["ErrorCode"])
	})
	t.Run("no client keeps the old answer", func(t *testing.T) {
		e, _, _ := newExec()
		in, err := e.Run(context.Background(), redirectSprint(srv.URL+"/dial", "POST", 10))
		require.NoError(t, err)
		require.Equal(t, engine.InputTimeout, in.Type)
	})
	var loops int
	for _, h := range srv.requests() {
		require.True(t, h.Signed, "signature of %s %s", h.Method, h.Path)
		if h.Path == "/loop" {
			loops++
		}
	}
	require.Equal(t, 10, loops, "the loop is cut after 10 fetches")
}

func TestVisitDeadline(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		timeout int
		wait    time.Time
		want    time.Time
	}{
		{"no wait deadline", 10, time.Time{}, now.Add(10 * time.Second)},
		{"before the runner's timer", 10, now.Add(10 * time.Second), now.Add(9500 * time.Millisecond)},
		{"the widget's timeout is sooner", 10, now.Add(time.Hour), now.Add(10 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, visitDeadline(now, tt.timeout, tt.wait))
		})
	}
}
