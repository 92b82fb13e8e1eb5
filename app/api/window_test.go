package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestThroughWindowSignedInByProcess: the same request is served signed in
// (as the account) when it comes through the desktop window's wrapper, and
// refused when it comes over the network to the very same handler.
func TestThroughWindowSignedInByProcess(t *testing.T) {
	f := newSessionFixture(t)
	window := ThroughWindow(f.srv.Config.Handler)
	const flowDef = `{"description":"d","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[{"name":"Trigger","type":"trigger","transitions":[],"properties":{}}]}`
	cases := []struct {
		name, method, path string
		form               url.Values
		csrf               bool
		window, network    int
	}{
		{"editor page", "GET", "/", nil, false, 200, 200},
		{"session", "GET", "/auth/session", nil, true, 200, 401},
		{"list flows", "GET", "/v2/Flows", nil, true, 200, 401},
		{"list flows without the editor's header", "GET", "/v2/Flows", nil, false, 200, 401},
		{"validate a flow", "POST", "/v2/Flows/Validate", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {flowDef}}, true, 200, 401},
		{"unsafe method without the editor's header", "POST", "/v2/Flows/Validate", url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {flowDef}}, false, 403, 401},
		{"sign out", "DELETE", "/auth/session", nil, true, 409, 204},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			build := func(target string) *http.Request {
				var body io.Reader
				if c.form != nil {
					body = strings.NewReader(c.form.Encode())
				}
				r := httptest.NewRequest(c.method, target, body)
				if c.form != nil {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if c.csrf {
					r.Header.Set(CSRFHeader, CSRFValue)
				}
				return r
			}
			w := httptest.NewRecorder()
			window.ServeHTTP(w, build("wails://wails"+c.path))
			require.Equal(t, c.window, w.Code, "through the window: %s", w.Body)

			r := build(f.srv.URL + c.path)
			r.RequestURI = ""
			resp, err := http.DefaultClient.Do(r)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, c.network, resp.StatusCode, "over the network: %s", b)
		})
	}
}

// TestThroughWindowSession: the editor's boot check reports the account and
// that the window is the desktop's (so it hides sign-out); no cookie is set,
// and signing out is refused with a message that says why.
func TestThroughWindowSession(t *testing.T) {
	f := newSessionFixture(t)
	window := ThroughWindow(f.srv.Config.Handler)

	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "wails://wails/auth/session", nil)
	r.Header.Set(CSRFHeader, CSRFValue)
	window.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	var s Session
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &s))
	require.Equal(t, Session{AccountSID: testCreds.AccountSID, Principal: testCreds.AccountSID, Desktop: true}, s)
	require.Empty(t, w.Result().Cookies(), "the window holds no session cookie")

	w = httptest.NewRecorder()
	r = httptest.NewRequest("DELETE", "wails://wails/auth/session", nil)
	r.Header.Set(CSRFHeader, CSRFValue)
	window.ServeHTTP(w, r)
	require.Equal(t, http.StatusConflict, w.Code)
	require.Contains(t, w.Body.String(), "close the window")

	// A session over the network is not the desktop's.
	token := f.signIn(testCreds.AccountSID, testCreds.AuthToken)
	resp, body := f.send(req{method: "GET", path: "/auth/session", cookie: token, csrf: true})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.NotContains(t, body, `"desktop"`)
}
