package httpgw

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// hardBody is what must arrive intact: quotes, backslashes, newlines,
// markup, emoji, placeholders of its own and 10 kB.
var hardBody = func() string {
	s := "He said \"hi\" \\ then\nleft\r\n\t<b>&amp;</b> {{to}} %d % + = & 😀👍🏽 中文 "
	return s + strings.Repeat("x", 10*1024-len(s))
}()

// fakeAPI records what a generic peer got.
type fakeAPI struct {
	mu     sync.Mutex
	method string
	query  url.Values
	header http.Header
	body   []byte
	status int
	answer string
	delay  time.Duration
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.method, f.query, f.header, f.body = r.Method, r.URL.Query(), r.Header.Clone(), b
	status, answer, delay := f.status, f.answer, f.delay
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(answer))
}

func TestGenericSend(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	const token = "tok/en+secret=="

	tests := []struct {
		name    string
		g       Generic
		status  int
		answer  string
		wantRef string
		check   func(t *testing.T, ref string)
	}{
		{
			name: "json body, bearer token, id from the answer",
			g: Generic{URL: srv.URL + "/v1/messages", Encoding: "json", Token: token,
				Headers: map[string]string{"Authorization": "Bearer {{token}}"},
				Body:    `{"to":"{{to}}","from":"{{from}}","text":"{{body}}","client_ref":"{{ref}}"}`, IDPath: "data.messages.0.id"},
			status: 201, answer: `{"data":{"messages":[{"id":"m-42"}]}}`, wantRef: "m-42",
			check: func(t *testing.T, ref string) {
				var got struct{ To, From, Text, ClientRef string }
				require.NoError(t, json.Unmarshal(api.body, &got), string(api.body[:80]))
				require.Equal(t, hardBody, got.Text)
				require.Equal(t, "+15550002222", got.To)
				require.Equal(t, "+15557654321", got.From)
				require.Equal(t, "Bearer "+token, api.header.Get("Authorization"))
				require.Equal(t, "application/json; charset=utf-8", api.header.Get("Content-Type"))
			},
		},
		{
			name: "form body, numeric id",
			g: Generic{URL: srv.URL + "/send", Encoding: "form",
				Body: "to={{to}}&text={{body}}&key={{token}}", Token: token, IDPath: "id", SuccessStatus: []int{200}},
			status: 200, answer: `{"id":12345}`, wantRef: "12345",
			check: func(t *testing.T, ref string) {
				form, err := url.ParseQuery(string(api.body))
				require.NoError(t, err)
				require.Equal(t, hardBody, form.Get("text"))
				require.Equal(t, "+15550002222", form.Get("to"))
				require.Equal(t, token, form.Get("key"))
			},
		},
		{
			name:   "GET with the text in the query, our own ref",
			g:      Generic{Method: "GET", URL: srv.URL + "/api?dest={{to}}&msg={{body}}&ref={{ref}}"},
			status: 200, answer: "OK",
			check: func(t *testing.T, ref string) {
				require.Equal(t, "GET", api.method)
				require.Equal(t, hardBody, api.query.Get("msg"))
				require.Equal(t, ref, api.query.Get("ref"))
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api.status, api.answer = tc.status, tc.answer
			g := tc.g
			gw := newTestGateway(t, Settings{Preset: PresetGeneric, InboundSecret: "s", Generic: &g}, &smstest.Sink{})
			sent, err := gw.Send(context.Background(), sms.Outbound{SID: "SM1", From: "+15557654321", To: "+15550002222", Body: hardBody})
			require.NoError(t, err)
			require.Len(t, sent.Refs, 1)
			if tc.wantRef != "" {
				require.Equal(t, tc.wantRef, sent.Refs[0])
			}
			require.Greater(t, sent.Segments, 1)
			tc.check(t, sent.Refs[0])
		})
	}
}

func TestSendFailures(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	const token = "sup3r&secret token"
	refusedAddr := func() string { // a port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		a := l.Addr().String()
		l.Close()
		return a
	}()

	tests := []struct {
		name   string
		url    string
		status int
		answer string
		delay  time.Duration
		idPath string
		kind   string // permanent, retryable, uncertain
	}{
		{"400 refused", srv.URL, 400, "invalid number", 0, "", "permanent"},
		{"401 is permanent and blocks", srv.URL, 401, "bad key " + token, 0, "", "permanent"},
		{"500 retryable", srv.URL, 500, "oops", 0, "", "retryable"},
		{"429 retryable", srv.URL, 429, "slow down", 0, "", "retryable"},
		{"connection refused is retryable", "http://" + refusedAddr, 0, "", 0, "", "retryable"},
		{"timeout after sending is uncertain", srv.URL, 200, "", 3 * time.Second, "", "uncertain"},
		{"accepted without the id is uncertain", srv.URL, 200, `{"other":1}`, 0, "id", "uncertain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api.mu.Lock()
			api.status, api.answer, api.delay = tc.status, tc.answer, tc.delay
			api.mu.Unlock()
			g := Generic{URL: tc.url + "/send?key={{token}}", Body: `{"t":"{{body}}"}`, Token: token, IDPath: tc.idPath,
				Headers: map[string]string{"X-Key": "{{token}}"}}
			gw := newTestGateway(t, Settings{Preset: PresetGeneric, InboundSecret: "s", TimeoutSeconds: 1, Generic: &g}, &smstest.Sink{})
			_, err := gw.Send(context.Background(), sms.Outbound{To: "+1555", Body: "hello"})
			require.Error(t, err)
			f := sms.AsFailure(err)
			switch tc.kind {
			case "permanent":
				require.True(t, f.Permanent && !f.Uncertain, "%v", err)
			case "retryable":
				require.False(t, f.Permanent || f.Uncertain, "%v", err)
			case "uncertain":
				require.True(t, f.Uncertain, "%v", err)
			}
			requireNoSecret(t, err.Error(), token)
		})
	}
}

func TestGenericInbound(t *testing.T) {
	const secret = "hmac-shared-secret"
	sign := func(body string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(body))
		return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	jsonGW := newTestGateway(t, Settings{Preset: PresetGeneric, InboundSecret: secret, Generic: &Generic{URL: "http://127.0.0.1:1/x",
		Inbound: GenericInbound{Encoding: "json", From: "msg.from", To: "msg.to", Body: "msg.text", ID: "msg.id", Time: "msg.ts",
			Ref: "report.id", Status: "report.state", Detail: "report.err", StatusMap: map[string]string{"DELIVRD": "delivered", "UNDELIV": "undelivered"},
			SignatureHeader: "X-Hub-Signature", SignatureEncoding: "base64", SignaturePrefix: "sha256="}}}, &smstest.Sink{})
	formGW := newTestGateway(t, Settings{Preset: PresetGeneric, InboundUsername: "peer", InboundSecret: secret, Generic: &Generic{URL: "http://127.0.0.1:1/x",
		Inbound: GenericInbound{From: "From", To: "To", Body: "Body", ID: "MessageSid", Ref: "MessageSid", Status: "MessageStatus"}}}, &smstest.Sink{})

	moJSON := `{"msg":{"from":"+15551110000","to":"+15557654321","text":` + mustJSON(hardBody) + `,"id":"abc-1","ts":1796307441}}`
	form := url.Values{"From": {"+15551110000"}, "Body": {hardBody}, "MessageSid": {"SM9"}}.Encode()
	dlrForm := url.Values{"MessageSid": {"SM9"}, "MessageStatus": {"delivered"}}.Encode()
	basic := func() http.Header {
		r := httptest.NewRequest("POST", "/", nil)
		r.SetBasicAuth("peer", secret)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r.Header
	}

	tests := []struct {
		name   string
		gw     *Gateway
		path   string
		header http.Header
		body   string
		want   int
		check  func(t *testing.T, s *smstest.Sink)
	}{
		{name: "json, no signature", gw: jsonGW, path: "/mo", body: moJSON, want: 401},
		{name: "json, wrong signature", gw: jsonGW, path: "/mo", header: http.Header{"X-Hub-Signature": {sign(moJSON + " ")}}, body: moJSON, want: 401},
		{name: "json, signed", gw: jsonGW, path: "/mo", header: http.Header{"X-Hub-Signature": {sign(moJSON)}}, body: moJSON, want: 200,
			check: func(t *testing.T, s *smstest.Sink) {
				m := s.Messages()[0]
				require.Equal(t, hardBody, m.Body)
				require.Equal(t, "generic:abc-1", m.ProviderID)
				require.Equal(t, int64(1796307441), m.Received.Unix())
			}},
		{name: "json report mapped", gw: jsonGW, path: "/dlr", header: http.Header{"X-Hub-Signature": {sign(`{"report":{"id":"m-42","state":"UNDELIV","err":"absent"}}`)}},
			body: `{"report":{"id":"m-42","state":"UNDELIV","err":"absent"}}`, want: 200,
			check: func(t *testing.T, s *smstest.Sink) {
				r := s.Reports()[0]
				require.Equal(t, sms.Report{Ref: "m-42", Status: "undelivered", ErrorCode: sms.CodeUnknown, Detail: "absent", At: r.At}, r)
			}},
		{name: "json report with an unmapped status", gw: jsonGW, path: "/dlr", header: http.Header{"X-Hub-Signature": {sign(`{"report":{"id":"m","state":"WHAT"}}`)}},
			body: `{"report":{"id":"m","state":"WHAT"}}`, want: 400},
		{name: "form without auth", gw: formGW, path: "/mo", body: form, want: 401},
		{name: "form with auth", gw: formGW, path: "/mo", header: basic(), body: form, want: 200,
			check: func(t *testing.T, s *smstest.Sink) {
				m := s.Messages()[0]
				require.Equal(t, hardBody, m.Body)
				require.Equal(t, "+15557654321", m.To)
				require.Equal(t, "generic:SM9", m.ProviderID)
			}},
		{name: "form report, Twilio's words", gw: formGW, path: "/dlr", header: basic(), body: dlrForm, want: 200,
			check: func(t *testing.T, s *smstest.Sink) { require.Equal(t, "delivered", s.Reports()[0].Status) }},
		{name: "form MO without a sender", gw: formGW, path: "/mo", header: basic(), body: "Body=x", want: 400},
		{name: "too big", gw: formGW, path: "/mo", header: basic(), body: "Body=" + strings.Repeat("y", 70<<10), want: 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &smstest.Sink{}
			tc.gw.env.Sink = sink
			rec := call(t, tc.gw.Inbound(), http.MethodPost, tc.path, tc.header, tc.body)
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.want != 200 {
				require.Empty(t, sink.Messages())
				require.Empty(t, sink.Reports())
				return
			}
			tc.check(t, sink)
		})
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
