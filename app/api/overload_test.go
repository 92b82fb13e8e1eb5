package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

// overloadVoice is a SIP side whose load guard refuses new calls while
// overloaded is set, having refused refused INVITEs so far.
type overloadVoice struct {
	fakeVoice
	overloaded atomic.Bool
	refused    atomic.Uint64
}

func (v *overloadVoice) Overloaded() bool { return v.overloaded.Load() }
func (v *overloadVoice) Dropped() map[string]uint64 {
	return map[string]uint64{sip.DropOverload: v.refused.Load(), sip.DropNotAllowed: 4, sip.DropAdmitRate: 3}
}
func (v *overloadVoice) AdmitRate() float64 { return 12.5 }

// TestHealthzBusyWhileRefusingCalls: /healthz says busy (429) while the SIP
// side refuses new calls because the media path falls behind, and /metrics
// counts those refusals by reason.
func TestHealthzBusyWhileRefusingCalls(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	v := &overloadVoice{}
	s := &Server{Store: st, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: slog.New(slog.DiscardHandler), Voice: v}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/healthz")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"status":"ok"`)

	v.overloaded.Store(true)
	v.refused.Store(7)
	code, body = get("/healthz")
	require.Equal(t, http.StatusTooManyRequests, code, body)
	require.Contains(t, body, `"status":"busy"`)
	_, text := get("/metrics")
	for _, want := range []string{
		`switchboard_sip_invites_refused_total{reason="overload"} 7`,
		`switchboard_sip_invites_refused_total{reason="call_limit"} 0`,
		`switchboard_sip_dropped_total{reason="overload"} 7`,
		`switchboard_sip_invites_refused_total{reason="admission_rate"} 3`,
		`switchboard_sip_admission_rate 12.5`,
	} {
		require.True(t, strings.Contains(text, want), "missing %q in\n%s", want, text)
	}
	require.NotContains(t, text, `switchboard_sip_invites_refused_total{reason="not_allowed"}`)

	v.overloaded.Store(false)
	code, body = get("/healthz")
	require.Equal(t, http.StatusOK, code, body)
}
