package httpgw

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

func newTestGateway(t *testing.T, set Settings, sink sms.Sink) *Gateway {
	t.Helper()
	raw, err := json.Marshal(set)
	require.NoError(t, err)
	gw, err := New(sms.Config{SID: "SGtest", Addresses: []string{"+15557654321"}, Settings: raw}, sms.Env{Sink: sink})
	require.NoError(t, err)
	return gw.(*Gateway)
}

// fakePhone is the app's local server as its API documents it: POST
// /message (Basic auth, textMessage + phoneNumbers) answering 202 with the
// message state, and GET /health.
type fakePhone struct {
	mu   sync.Mutex
	got  []androidMessage
	user string
	pass string
}

func (p *fakePhone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, pw, ok := r.BasicAuth()
	if !ok || u != p.user || pw != p.pass {
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/health":
		_, _ = w.Write([]byte(`{"status":"pass","version":"1.40.0","releaseId":1,"checks":{}}`))
	case r.Method == http.MethodPost && r.URL.Path == "/message":
		var m androidMessage
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil || m.TextMessage.Text == "" || len(m.PhoneNumbers) == 0 {
			http.Error(w, `{"message":"validation failed"}`, http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.got = append(p.got, m)
		n := len(p.got)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id":"msg-` + strconv.Itoa(n) + `","state":"Pending","isHashed":false,"isEncrypted":false,"recipients":[{"phoneNumber":"` + m.PhoneNumbers[0] + `","state":"Pending"}]}`))
	default:
		http.NotFound(w, r)
	}
}

// signAndroid signs a webhook the way the app does.
func signAndroid(key string, body []byte, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	mac.Write([]byte(stamp))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	h.Set("X-Timestamp", stamp)
	return h
}

func call(t *testing.T, h http.Handler, method, target string, header http.Header, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAndroidSend(t *testing.T) {
	phone := &fakePhone{user: "sms", pass: "ph0ne pass"}
	srv := httptest.NewServer(phone)
	t.Cleanup(srv.Close)
	sink := &smstest.Sink{}
	gw := newTestGateway(t, Settings{Preset: PresetAndroid, BaseURL: srv.URL, Username: "sms", Password: "ph0ne pass", SigningKey: "k"}, sink)

	sent, err := gw.Send(context.Background(), sms.Outbound{To: "+15550001111", Body: "Привет 👋", StatusReport: true})
	require.NoError(t, err)
	require.Equal(t, sms.Sent{Segments: 1, Refs: []string{"msg-1"}}, sent)
	require.Equal(t, []androidMessage{{TextMessage: androidText{Text: "Привет 👋"}, PhoneNumbers: []string{"+15550001111"}, WithDeliveryReport: true}}, phone.got)

	state, why := gw.probe(context.Background())
	require.Equal(t, sms.StateReady, state, why)

	wrong := newTestGateway(t, Settings{Preset: PresetAndroid, BaseURL: srv.URL, Username: "sms", Password: "nope-secret", SigningKey: "k"}, sink)
	_, err = wrong.Send(context.Background(), sms.Outbound{To: "+1555", Body: "x"})
	require.True(t, sms.AsFailure(err).Permanent, "%v", err)
	requireNoSecret(t, err.Error(), "nope-secret")
	require.Equal(t, sms.StateBlocked, wrong.Health().State)
}

func TestAndroidWebhook(t *testing.T) {
	const key = "signing-key-123"
	sink := &smstest.Sink{}
	gw := newTestGateway(t, Settings{Preset: PresetAndroid, BaseURL: "http://127.0.0.1:1", Username: "u", Password: "p", SigningKey: key}, sink)
	now := time.Now()
	gw.env.Now = func() time.Time { return now }
	h := gw.Inbound()

	received := `{"deviceId":"dev1","event":"sms:received","id":"Ey6ECgOkVVFjz3CL48B8C","payload":{"messageId":"abc","message":"Android is always a sweet treat! 🍭","phoneNumber":"+16505551212","simNumber":1,"receivedAt":"2024-06-22T15:46:11.000+07:00"},"webhookId":"w1"}`
	delivered := `{"deviceId":"dev1","event":"sms:delivered","id":"e2","payload":{"messageId":"msg-1","phoneNumber":"+15550001111","simNumber":1,"deliveredAt":"2024-06-22T15:47:00.000+07:00"},"webhookId":"w2"}`
	failed := `{"deviceId":"dev1","event":"sms:failed","id":"e3","payload":{"messageId":"msg-2","phoneNumber":"+15550001111","reason":"RESULT_ERROR_NO_SERVICE","failedAt":"2024-06-22T15:47:00.000+07:00"},"webhookId":"w3"}`
	ping := `{"deviceId":"dev1","event":"system:ping","id":"e4","payload":{"health":{"status":"pass"}},"webhookId":"w4"}`

	tests := []struct {
		name   string
		header http.Header
		body   string
		path   string
		want   int
	}{
		{"unsigned", http.Header{"Content-Type": {"application/json"}}, received, "/webhook", 401},
		{"wrong key", signAndroid("other", []byte(received), now), received, "/webhook", 401},
		{"body changed after signing", signAndroid(key, []byte(received), now), strings.Replace(received, "sweet", "sour", 1), "/webhook", 401},
		{"stale timestamp", signAndroid(key, []byte(received), now.Add(-time.Hour)), received, "/webhook", 401},
		{"unknown route", signAndroid(key, []byte(received), now), received, "/mo", 404},
		{"signed but not JSON", signAndroid(key, []byte("{"), now), "{", "/webhook", 400},
		{"ping is acknowledged and kept nowhere", signAndroid(key, []byte(ping), now), ping, "/webhook", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, h, http.MethodPost, tc.path, tc.header, tc.body)
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
		})
	}
	require.Empty(t, sink.Messages(), "nothing may reach the Sink before a good call")
	require.Empty(t, sink.Reports())

	t.Run("a Sink that cannot commit gets 503, the retry lands", func(t *testing.T) {
		sink.Fail = func(sms.Inbound) error { return errors.New("disk full") }
		rec := call(t, h, http.MethodPost, "/webhook", signAndroid(key, []byte(received), now), received)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		sink.Fail = nil
		rec = call(t, h, http.MethodPost, "/webhook", signAndroid(key, []byte(received), now), received)
		require.Equal(t, http.StatusOK, rec.Code)
		msgs := sink.Messages()
		require.Len(t, msgs, 1)
		require.Equal(t, "+16505551212", msgs[0].From)
		require.Equal(t, "+15557654321", msgs[0].To, "no To: the gateway's first address")
		require.Equal(t, "Android is always a sweet treat! 🍭", msgs[0].Body)
		require.Equal(t, "android:dev1:Ey6ECgOkVVFjz3CL48B8C", msgs[0].ProviderID)
		require.Equal(t, "2024-06-22T08:46:11Z", msgs[0].Received.UTC().Format(time.RFC3339))
	})

	t.Run("reports", func(t *testing.T) {
		require.Equal(t, 200, call(t, h, http.MethodPost, "/webhook", signAndroid(key, []byte(delivered), now), delivered).Code)
		require.Equal(t, 200, call(t, h, http.MethodPost, "/webhook", signAndroid(key, []byte(failed), now), failed).Code)
		reps := sink.Reports()
		require.Len(t, reps, 2)
		require.Equal(t, "msg-1", reps[0].Ref)
		require.Equal(t, "delivered", reps[0].Status)
		require.Equal(t, "msg-2", reps[1].Ref)
		require.Equal(t, "failed", reps[1].Status)
		require.Equal(t, "RESULT_ERROR_NO_SERVICE", reps[1].Detail)
		require.Equal(t, sms.CodeUnknown, reps[1].ErrorCode)
	})
}

func TestAndroidWebhookBasicAuth(t *testing.T) {
	sink := &smstest.Sink{}
	gw := newTestGateway(t, Settings{Preset: PresetAndroid, BaseURL: "http://127.0.0.1:1", Username: "u", Password: "p", InboundUsername: "phone", InboundSecret: "shared-secret"}, sink)
	h := gw.Inbound()
	body := `{"event":"sms:received","id":"x1","payload":{"message":"hi","phoneNumber":"+1555"}}`
	req := func(user, pass string) int {
		hd := http.Header{}
		if user != "" {
			r := httptest.NewRequest("POST", "/", nil)
			r.SetBasicAuth(user, pass)
			hd = r.Header
		}
		return call(t, h, http.MethodPost, "/webhook", hd, body).Code
	}
	require.Equal(t, 401, req("", ""))
	require.Equal(t, 401, req("phone", "shared-secreT"))
	require.Equal(t, 401, req("other", "shared-secret"))
	require.Empty(t, sink.Messages())
	require.Equal(t, 200, req("phone", "shared-secret"))
	require.Len(t, sink.Messages(), 1)
}
