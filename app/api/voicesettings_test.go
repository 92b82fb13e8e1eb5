package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/store"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// settingsFixture is the API with every log line (debug included) kept.
func settingsFixture(t *testing.T) (*fixture, *syncBuffer) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &Server{Store: st, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: log}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &fixture{t: t, server: s, srv: srv, st: st}, logs
}

// raw returns the body as text, to look for secrets anywhere in it.
func (f *fixture) raw(method, path string, form url.Values) (int, string) {
	f.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	require.NoError(f.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

const trunkSecret = "Tr0nk-s3cret-never-shown"

func TestTrunksLifecycle(t *testing.T) {
	f, logs := settingsFixture(t)
	var bodies []string
	call := func(method, path string, form url.Values) (int, map[string]any) {
		code, body := f.raw(method, path, form)
		bodies = append(bodies, body)
		var out map[string]any
		if body != "" {
			require.NoError(t, json.Unmarshal([]byte(body), &out), body)
		}
		return code, out
	}

	code, tk := call("POST", "/v2/Voice/Trunks", url.Values{"FriendlyName": {"carrier"}, "Registrar": {"sip.example.com"},
		"Username": {"ivr"}, "Password": {trunkSecret}, "Numbers": {"+15550001111, +15550002222"}, "Transport": {"TCP"}})
	require.Equal(t, http.StatusCreated, code, tk)
	sid := tk["sid"].(string)
	require.True(t, strings.HasPrefix(sid, "TK"), sid)
	require.Equal(t, "sip.example.com:5060", tk["registrar"])
	require.Equal(t, true, tk["password_set"])
	require.Equal(t, "tcp", tk["transport"])
	require.Equal(t, float64(3600), tk["requested_expires"])
	require.Equal(t, []any{"+15550001111", "+15550002222"}, tk["numbers"])
	require.Equal(t, "unregistered", tk["status"]) // no SIP side in this test
	require.Equal(t, "carrier", tk["name"])        // the original list's fields stay
	require.Equal(t, "unregistered", tk["state"])
	require.Equal(t, "api", tk["source"])
	require.Equal(t, "off", tk["srtp"], "SRTP is off unless asked for")

	code, _ = call("POST", "/v2/Voice/Trunks", url.Values{"FriendlyName": {"carrier"}, "Registrar": {"other:5060"}})
	require.Equal(t, http.StatusConflict, code)

	// A TLS trunk: port 5061 by default, its CA file, checking on unless
	// turned off explicitly.
	code, tt := call("POST", "/v2/Voice/Trunks", url.Values{"FriendlyName": {"carrier-tls"}, "Registrar": {"sips.example.com"},
		"Transport": {"tls"}, "TlsCaFile": {"/etc/switchboard/carrier-ca.pem"}})
	require.Equal(t, http.StatusCreated, code, tt)
	require.Equal(t, "sips.example.com:5061", tt["registrar"])
	require.Equal(t, "tls", tt["transport"])
	require.Equal(t, "/etc/switchboard/carrier-ca.pem", tt["tls_ca_file"])
	require.Equal(t, false, tt["tls_insecure_skip_verify"])
	code, tt = call("POST", "/v2/Voice/Trunks/"+tt["sid"].(string), url.Values{"TlsInsecureSkipVerify": {"true"}, "TlsCaFile": {""}})
	require.Equal(t, http.StatusOK, code, tt)
	require.Equal(t, true, tt["tls_insecure_skip_verify"])
	require.Equal(t, "", tt["tls_ca_file"])
	code, _ = call("DELETE", "/v2/Voice/Trunks/"+tt["sid"].(string), nil)
	require.Equal(t, http.StatusNoContent, code)

	code, list := call("GET", "/v2/Voice/Trunks", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list["trunks"], 1)

	code, got := call("POST", "/v2/Voice/Trunks/"+sid, url.Values{"Srtp": {"Required"}})
	require.Equal(t, http.StatusOK, code, got)
	require.Equal(t, "required", got["srtp"])

	code, got = call("GET", "/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "carrier", got["friendly_name"])
	require.Equal(t, "required", got["srtp"])

	// An update without Password keeps it; the fields not sent stay.
	code, up := call("POST", "/v2/Voice/Trunks/"+sid, url.Values{"Registrar": {"10.0.0.7:5070"}, "Expires": {"120"}})
	require.Equal(t, http.StatusOK, code, up)
	require.Equal(t, "10.0.0.7:5070", up["registrar"])
	require.Equal(t, float64(120), up["requested_expires"])
	require.Equal(t, true, up["password_set"])
	require.Equal(t, "tcp", up["transport"])
	stored, err := f.st.TrunkBySID(context.Background(), sid)
	require.NoError(t, err)
	require.Equal(t, trunkSecret, stored.Password, "the password must stay usable for REGISTER")

	// A bad update changes nothing.
	code, bad := call("POST", "/v2/Voice/Trunks/"+sid, url.Values{"Registrar": {"ok.example.com"}, "Expires": {"5"}})
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "Expires", bad["details"].(map[string]any)["parameter"])
	_, got = call("GET", "/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, "10.0.0.7:5070", got["registrar"])

	code, _ = call("DELETE", "/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = call("GET", "/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = call("DELETE", "/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, http.StatusNotFound, code)

	for _, b := range bodies {
		require.NotContains(t, b, trunkSecret)
		require.NotContains(t, b, `"password"`)
	}
	require.NotContains(t, logs.String(), trunkSecret)
}

func TestTrunkBadInput(t *testing.T) {
	f, logs := settingsFixture(t)
	good := func() url.Values {
		return url.Values{"FriendlyName": {"carrier"}, "Registrar": {"sip.example.com:5060"}, "Username": {"ivr"}, "Password": {trunkSecret}}
	}
	cases := []struct {
		name, param, value, want string
		drop                     bool
	}{
		{"no name", "FriendlyName", "", "FriendlyName", true},
		{"blank name", "FriendlyName", "   ", "FriendlyName", false},
		{"long name", "FriendlyName", strings.Repeat("n", 65), "FriendlyName", false},
		{"control in name", "FriendlyName", "a\x1b[31mb", "FriendlyName", false},
		{"no registrar", "Registrar", "", "Registrar", true},
		{"registrar with scheme", "Registrar", "sip://x.example.com", "Registrar", false},
		{"registrar bad port", "Registrar", "x.example.com:70000", "Registrar", false},
		{"registrar spaces", "Registrar", "x example.com", "Registrar", false},
		{"bad username", "Username", "i v r", "Username", false},
		{"no password", "Password", "", "Password", true},
		{"password with newline", "Password", "a\r\nb", "Password", false},
		{"expires low", "Expires", "29", "Expires", false},
		{"expires text", "Expires", "soon", "Expires", false},
		{"transport", "Transport", "sctp", "Transport", false},
		{"relative CA file", "TlsCaFile", "ca.pem", "TlsCaFile", false},
		{"control in CA file", "TlsCaFile", "/etc/ca\n.pem", "TlsCaFile", false},
		{"skip verify not a bool", "TlsInsecureSkipVerify", "maybe", "TlsInsecureSkipVerify", false},
		{"srtp", "Srtp", "mandatory", "Srtp", false},
		{"srtp blank", "Srtp", "", "Srtp", false},
		{"numbers", "Numbers", "+15550001111,555-1234", "Numbers", false},
		{"domain", "Domain", "bad domain", "Domain", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := good()
			if c.drop {
				v.Del(c.param)
			} else {
				v.Set(c.param, c.value)
			}
			code, out := f.do("POST", "/v2/Voice/Trunks", v)
			require.Equal(t, http.StatusBadRequest, code, out)
			require.Equal(t, float64(CodeMissingParam), out["code"])
			require.Equal(t, c.want, out["details"].(map[string]any)["parameter"], out)
			require.Contains(t, out["message"], c.want)
		})
	}
	rows, err := f.st.Trunks(context.Background())
	require.NoError(t, err)
	require.Empty(t, rows, "nothing is saved from a refused request")
	require.NotContains(t, logs.String(), trunkSecret)
}

const phoneSecret = "Desk-ph0ne-secret"

func TestCredentialLists(t *testing.T) {
	f, logs := settingsFixture(t)
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/SIP/CredentialLists"
	var bodies []string
	call := func(method, path string, form url.Values) (int, map[string]any) {
		code, body := f.raw(method, path, form)
		bodies = append(bodies, body)
		var out map[string]any
		if body != "" {
			require.NoError(t, json.Unmarshal([]byte(body), &out), body)
		}
		return code, out
	}
	code, out := call("POST", base+".json", url.Values{})
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "FriendlyName", out["details"].(map[string]any)["parameter"])

	code, l := call("POST", base+".json", url.Values{"FriendlyName": {"Front desk"}})
	require.Equal(t, http.StatusCreated, code, l)
	list := l["sid"].(string)
	require.True(t, strings.HasPrefix(list, "CL"))
	creds := base + "/" + list + "/Credentials"
	require.Equal(t, creds+".json", l["subresource_uris"].(map[string]any)["credentials"])

	for _, c := range []struct {
		form  url.Values
		param string
	}{
		{url.Values{"Password": {phoneSecret}}, "Username"},
		{url.Values{"Username": {"desk 1"}, "Password": {phoneSecret}}, "Username"},
		{url.Values{"Username": {"desk1"}}, "Password"},
		{url.Values{"Username": {"desk1"}, "Password": {"short"}}, "Password"},
	} {
		code, out := call("POST", creds+".json", c.form)
		require.Equal(t, http.StatusBadRequest, code, out)
		require.Equal(t, c.param, out["details"].(map[string]any)["parameter"], out)
	}

	code, cr := call("POST", creds+".json", url.Values{"Username": {"desk1"}, "Password": {phoneSecret}})
	require.Equal(t, http.StatusCreated, code, cr)
	crSID := cr["sid"].(string)
	require.Equal(t, "desk1", cr["username"])
	require.Nil(t, cr["registration"])
	stored, err := f.st.CredentialByUsername(context.Background(), "desk1")
	require.NoError(t, err)
	require.Len(t, stored.HA1, 32, "kept as the digest HA1")

	code, _ = call("POST", creds+".json", url.Values{"Username": {"desk1"}, "Password": {phoneSecret}})
	require.Equal(t, http.StatusConflict, code)

	code, page := call("GET", creds+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, page["credentials"], 1)
	code, _ = call("POST", creds+"/"+crSID+".json", url.Values{"Password": {"x"}})
	require.Equal(t, http.StatusBadRequest, code)
	code, _ = call("POST", creds+"/"+crSID+".json", url.Values{"Password": {phoneSecret + "2"}})
	require.Equal(t, http.StatusOK, code)
	again, _ := f.st.CredentialByUsername(context.Background(), "desk1")
	require.NotEqual(t, stored.HA1, again.HA1)

	code, lists := call("GET", base+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, lists["credential_lists"], 1)
	code, _ = call("POST", base+"/"+list+".json", url.Values{"FriendlyName": {"Office"}})
	require.Equal(t, http.StatusOK, code)

	// Another account's path is not found; deleting the list takes its credentials.
	code, _ = call("GET", "/2010-04-01/Accounts/AC00000000000000000000000000000000/SIP/CredentialLists.json", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = call("DELETE", base+"/"+list+".json", nil)
	require.Equal(t, http.StatusNoContent, code)
	_, err = f.st.CredentialByUsername(context.Background(), "desk1")
	require.ErrorIs(t, err, store.ErrNotFound)

	for _, b := range bodies {
		require.NotContains(t, b, phoneSecret)
	}
	require.NotContains(t, logs.String(), phoneSecret)
}
