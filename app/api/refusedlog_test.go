package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A stranger knocking without credentials 2,000 times writes a handful of
// log lines, not 2,000; /metrics still counts every refusal.
func TestRefusedRequestsCannotFloodTheLog(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r := runner.New(st, log)
	t.Cleanup(r.Close)
	s := &Server{Store: st, Runner: r, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: log}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	const n = 2000
	for i := 0; i < n; i++ {
		resp, err := http.Get(srv.URL + "/v2/Flows")
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	lines := strings.Count(logs.String(), "\n")
	require.LessOrEqual(t, lines, refusedLogBurst+1, "log:\n%s", logs.String())
	require.GreaterOrEqual(t, lines, 1, "the first refusals are logged")

	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(b), `switchboard_http_requests_total{code="401",method="GET",route="GET /v2/Flows"} 2000`)
}

// The refusals an interval did not log are summed up in one line when the
// next interval's first refusal is logged.
func TestRefusedLogSummary(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l := newRefusedLog(2, time.Second)
	t0 := time.Unix(1000, 0)
	got := []bool{}
	for i := 0; i < 5; i++ {
		got = append(got, l.allow(context.Background(), log, t0))
	}
	require.Equal(t, []bool{true, true, false, false, false}, got)
	require.Empty(t, logs.String())
	require.True(t, l.allow(context.Background(), log, t0.Add(time.Second)))
	require.Contains(t, logs.String(), "count=3")
}
