package httpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestKannelAnswers: smsbox's answers and what Send makes of them; the
// password (in the sendsms query) appears in no error and no log line.
func TestKannelAnswers(t *testing.T) {
	const password = "kannel&pass word+/="
	var status int
	var answer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("password") != password {
			w.WriteHeader(http.StatusTeapot) // fails the "ok" cases
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(srv.Close)
	var logs syncBuffer
	raw, _ := json.Marshal(Settings{Preset: PresetKannel, BaseURL: srv.URL, Username: "u", Password: password, InboundSecret: "in"})
	gwi, err := New(sms.Config{SID: "SGk", Settings: raw}, sms.Env{Sink: &smstest.Sink{}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)

	tests := []struct {
		status int
		answer string
		want   string // ok, permanent, retryable, uncertain
	}{
		{202, "0: Accepted for delivery", "ok"},
		{202, "3: Queued for later delivery", "ok"},
		{403, "Authorization failed for sendsms", "permanent"},
		{400, "Not routable. Do not try again.", "permanent"},
		{503, "Sendsms temporarily unavailable", "retryable"},
		{500, "Internal error " + password, "retryable"},
		{202, "something else", "uncertain"},
	}
	for _, tc := range tests {
		t.Run(tc.answer, func(t *testing.T) {
			status, answer = tc.status, tc.answer
			sent, err := gwi.Send(context.Background(), sms.Outbound{To: "+1555", Body: "hi"})
			if tc.want == "ok" {
				require.NoError(t, err)
				require.Len(t, sent.Refs, 1)
				require.Len(t, sent.Refs[0], 24)
				return
			}
			require.Error(t, err)
			f := sms.AsFailure(err)
			require.Equal(t, tc.want == "permanent", f.Permanent, "%v", err)
			require.Equal(t, tc.want == "uncertain", f.Uncertain, "%v", err)
			requireNoSecret(t, err.Error(), password)
		})
	}
	require.Contains(t, logs.String(), "send failed")
	requireNoSecret(t, logs.String(), password)
}
