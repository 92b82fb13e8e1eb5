package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

type fakeVoice struct{ addr string }

func (fakeVoice) ActiveCalls() int           { return 0 }
func (fakeVoice) Trunks() []sip.TrunkStatus  { return nil }
func (fakeVoice) Dropped() map[string]uint64 { return nil }
func (v fakeVoice) Address() string          { return v.addr }

func TestSIPDomains(t *testing.T) {
	serve := func(voice VoiceStatus) *fixture {
		st, err := store.Open(context.Background(), t.TempDir())
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		s := &Server{Store: st, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: slog.New(slog.DiscardHandler), Voice: voice}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		return &fixture{t: t, server: s, srv: srv, st: st}
	}
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/SIP/Domains"

	f := serve(fakeVoice{addr: "192.0.2.10:5060"})
	code, body := f.do(http.MethodGet, base+".json", nil)
	require.Equal(t, http.StatusOK, code)
	domains := body["domains"].([]any)
	require.Len(t, domains, 1)
	d := domains[0].(map[string]any)
	require.Equal(t, "192.0.2.10:5060", d["domain_name"])
	require.Equal(t, true, d["sip_registration"])
	sid := d["sid"].(string)
	require.Regexp(t, `^SD[0-9a-f]{32}$`, sid)

	code, one := f.do(http.MethodGet, base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, sid, one["sid"])
	code, _ = f.do(http.MethodGet, base+"/SD00000000000000000000000000000000.json", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = f.do(http.MethodGet, "/2010-04-01/Accounts/AC00000000000000000000000000000000/SIP/Domains.json", nil)
	require.Equal(t, http.StatusNotFound, code, "another account's path")

	// Without SIP there is no domain.
	f = serve(nil)
	code, body = f.do(http.MethodGet, base+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body["domains"])
}
