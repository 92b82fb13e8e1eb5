package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

type sessionFixture struct {
	t    *testing.T
	dir  string
	st   *store.Store
	s    *Server
	srv  *httptest.Server
	logs *lockedBuffer
	now  time.Time
	mu   sync.Mutex
}

var editorBuild = fstest.MapFS{
	"index.html":             {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc123.js"></script>`)},
	"assets/index-abc123.js": {Data: []byte(`console.log("editor")`)},
	"favicon.svg":            {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	f := &sessionFixture{t: t, dir: t.TempDir(), logs: &lockedBuffer{}, now: time.Now().UTC()}
	st, err := store.Open(context.Background(), f.dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	st.SetClock(f.clock)
	f.st = st
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	f.s = &Server{Store: st, Runner: r, Version: "test", Log: log, Assets: editorBuild, Now: f.clock,
		Auth: &auth.Authenticator{Creds: testCreds, Keys: st, Throttle: &auth.Throttle{Max: 3, Window: time.Minute}}}
	f.srv = httptest.NewServer(f.s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *sessionFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *sessionFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// req describes one request; cookie is the session token ("" for none).
type req struct {
	method, path string
	form         url.Values
	cookie       string
	csrf         bool
	basic        bool
}

func (f *sessionFixture) send(q req) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	r, err := http.NewRequest(q.method, f.srv.URL+q.path, body)
	require.NoError(f.t, err)
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: q.cookie})
	}
	if q.csrf {
		r.Header.Set(CSRFHeader, CSRFValue)
	}
	if q.basic {
		r.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	}
	resp, err := http.DefaultClient.Do(r)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn opens a session and returns its token.
func (f *sessionFixture) signIn(user, pass string) string {
	f.t.Helper()
	resp, body := f.send(req{method: "POST", path: "/auth/session", csrf: true, form: url.Values{"Username": {user}, "Password": {pass}}})
	require.Equal(f.t, http.StatusCreated, resp.StatusCode, body)
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c.Value
		}
	}
	f.t.Fatal("no session cookie")
	return ""
}

func TestEditorFilesOpenWithSecurityHeaders(t *testing.T) {
	f := newSessionFixture(t)
	cases := []struct {
		method, path string
		code         int
		cache        string // "" when not checked
	}{
		{"GET", "/", 200, "no-cache"},
		{"HEAD", "/", 200, "no-cache"},
		{"GET", "/assets/index-abc123.js", 200, "public, max-age=31536000, immutable"},
		{"GET", "/favicon.svg", 200, "no-cache"},
		{"GET", "/assets/", 401, ""}, // a folder is not listed without credentials
		{"GET", "/assets/missing.js", 401, ""},
		{"POST", "/", 401, ""},
		{"GET", "/v2/Flows", 401, ""},
		{"POST", "/v2/Flows", 401, ""},
		{"GET", "/metrics", 401, ""},
		{"GET", "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Keys.json", 401, ""},
		{"GET", "/auth/session", 401, ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, body := f.send(req{method: c.method, path: c.path})
			require.Equal(t, c.code, resp.StatusCode, body)
			if c.code != 200 {
				return
			}
			require.Equal(t, editorCSP, resp.Header.Get("Content-Security-Policy"))
			require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self';")
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
			require.Equal(t, c.cache, resp.Header.Get("Cache-Control"))
		})
	}
	t.Run("the editor's own 401 has no Basic challenge", func(t *testing.T) {
		resp, _ := f.send(req{method: "GET", path: "/v2/Flows", csrf: true})
		require.Equal(t, 401, resp.StatusCode)
		require.Empty(t, resp.Header.Get("WWW-Authenticate"))
		resp, _ = f.send(req{method: "GET", path: "/v2/Flows"})
		require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
	})
}

func TestSessionLifecycle(t *testing.T) {
	f := newSessionFixture(t)
	resp, body := f.send(req{method: "POST", path: "/auth/session", csrf: true,
		form: url.Values{"Username": {testCreds.AccountSID}, "Password": {testCreds.AuthToken}}})
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	require.JSONEq(t, `{"account_sid":"`+testCreds.AccountSID+`","principal":"`+testCreds.AccountSID+`"}`, body)
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == SessionCookie {
			c = k
		}
	}
	require.NotNil(t, c)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "plain HTTP")
	require.Equal(t, int(SessionTTL/time.Second), c.MaxAge)
	require.Len(t, c.Value, 43, "32 bytes, base64url")
	token := c.Value
	// Another token of the same shape: the last character changed (a fixed
	// replacement would equal the real token one time in 64).
	other := token[:42] + "A"
	if other == token {
		other = token[:42] + "B"
	}

	def := `{"description":"d","initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[]}]}`
	steps := []struct {
		name string
		q    req
		code int
	}{
		{"fetch session", req{method: "GET", path: "/auth/session", cookie: token}, 200},
		{"list flows", req{method: "GET", path: "/v2/Flows", cookie: token}, 200},
		{"create flow with the header", req{method: "POST", path: "/v2/Flows", cookie: token, csrf: true,
			form: url.Values{"FriendlyName": {"x"}, "Status": {"draft"}, "Definition": {def}}}, 201},
		{"create flow without the header", req{method: "POST", path: "/v2/Flows", cookie: token,
			form: url.Values{"FriendlyName": {"y"}, "Status": {"draft"}, "Definition": {def}}}, 403},
		{"DELETE without the header", req{method: "DELETE", path: "/v2/Flows/FW00000000000000000000000000000000", cookie: token}, 403},
		{"DELETE with the header reaches the route", req{method: "DELETE", path: "/v2/Flows/FW00000000000000000000000000000000", cookie: token, csrf: true}, 404},
		{"Basic needs no header", req{method: "POST", path: "/v2/Flows", basic: true,
			form: url.Values{"FriendlyName": {"z"}, "Status": {"draft"}, "Definition": {def}}}, 201},
		{"unknown cookie", req{method: "GET", path: "/v2/Flows", cookie: other}, 401},
		{"sign out without the header", req{method: "DELETE", path: "/auth/session", cookie: token}, 403},
		{"still signed in", req{method: "GET", path: "/v2/Flows", cookie: token}, 200},
		{"sign out", req{method: "DELETE", path: "/auth/session", cookie: token, csrf: true}, 204},
		{"revoked: API", req{method: "GET", path: "/v2/Flows", cookie: token}, 401},
		{"revoked: session", req{method: "GET", path: "/auth/session", cookie: token}, 401},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			resp, body := f.send(s.q)
			require.Equal(t, s.code, resp.StatusCode, body)
			if s.name == "sign out" {
				cleared := false
				for _, k := range resp.Cookies() {
					cleared = cleared || (k.Name == SessionCookie && k.MaxAge < 0)
				}
				require.True(t, cleared, "cookie cleared")
			}
		})
	}
	t.Run("only the flow made with the header exists", func(t *testing.T) {
		_, body := f.send(req{method: "GET", path: "/v2/Flows", basic: true})
		require.Contains(t, body, `"friendly_name":"x"`)
		require.NotContains(t, body, `"friendly_name":"y"`)
	})
}

func TestSessionSignInRefused(t *testing.T) {
	f := newSessionFixture(t)
	good := url.Values{"Username": {testCreds.AccountSID}, "Password": {testCreds.AuthToken}}
	bad := url.Values{"Username": {testCreds.AccountSID}, "Password": {"not-the-token-not-the-token-0000"}}
	cases := []struct {
		name string
		q    req
		code int
	}{
		{"no CSRF header", req{method: "POST", path: "/auth/session", form: good}, 403},
		{"missing password", req{method: "POST", path: "/auth/session", csrf: true, form: url.Values{"Username": {testCreds.AccountSID}}}, 400},
		{"wrong password 1", req{method: "POST", path: "/auth/session", csrf: true, form: bad}, 401},
		{"wrong password 2", req{method: "POST", path: "/auth/session", csrf: true, form: bad}, 401},
		{"wrong password 3", req{method: "POST", path: "/auth/session", csrf: true, form: bad}, 401},
		{"throttled, even the right password", req{method: "POST", path: "/auth/session", csrf: true, form: good}, 429},
		{"throttled Basic too", req{method: "GET", path: "/v2/Flows", basic: true}, 429},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.send(c.q)
			require.Equal(t, c.code, resp.StatusCode, body)
			if c.code == 401 {
				require.Contains(t, body, `"code":20003`)
				require.Contains(t, body, `"more_info"`)
			}
			if c.code == 429 {
				require.NotEmpty(t, resp.Header.Get("Retry-After"))
			}
			for _, k := range resp.Cookies() {
				require.NotEqual(t, SessionCookie, k.Name, "no cookie for a refused sign-in")
			}
		})
	}
	require.EqualValues(t, 3, f.s.Auth.Throttle.Stats().Failures)
}

func TestSessionExpiresAndSlides(t *testing.T) {
	f := newSessionFixture(t)
	token := f.signIn(testCreds.AccountSID, testCreds.AuthToken)
	get := func() int {
		resp, _ := f.send(req{method: "GET", path: "/v2/Flows", cookie: token})
		return resp.StatusCode
	}
	f.advance(11 * time.Hour)
	require.Equal(t, 200, get(), "within 12 h")
	f.advance(11 * time.Hour) // 22 h after sign-in, 11 h after last use
	require.Equal(t, 200, get(), "use moved the expiry forward")
	f.advance(SessionTTL + time.Second)
	require.Equal(t, 401, get(), "12 h without use: expired")
	resp, _ := f.send(req{method: "GET", path: "/auth/session", cookie: token})
	require.Equal(t, 401, resp.StatusCode)
}

func TestSessionWithAPIKeyEndsWithTheKey(t *testing.T) {
	f := newSessionFixture(t)
	resp, body := f.send(req{method: "POST", path: "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Keys.json", basic: true, form: url.Values{"FriendlyName": {"editor"}}})
	require.Equal(t, 201, resp.StatusCode, body)
	keySID := between(body, `"sid":"`, `"`)
	secret := between(body, `"secret":"`, `"`)
	token := f.signIn(keySID, secret)
	resp, body = f.send(req{method: "GET", path: "/auth/session", cookie: token})
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"account_sid":"`+testCreds.AccountSID+`","principal":"`+keySID+`"}`, body)
	resp, _ = f.send(req{method: "DELETE", path: "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Keys/" + keySID, basic: true})
	require.Equal(t, 204, resp.StatusCode)
	resp, _ = f.send(req{method: "GET", path: "/v2/Flows", cookie: token})
	require.Equal(t, 401, resp.StatusCode, "the key was revoked")
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	return s[:strings.Index(s, end)]
}

func TestSessionTokenNeverLoggedNorStored(t *testing.T) {
	f := newSessionFixture(t)
	token := f.signIn(testCreds.AccountSID, testCreds.AuthToken)
	for _, q := range []req{
		{method: "GET", path: "/v2/Flows", cookie: token},
		{method: "POST", path: "/v2/Flows", cookie: token, form: url.Values{}}, // 403: logged as refused
		{method: "GET", path: "/v2/Nothing", cookie: token},
		{method: "DELETE", path: "/auth/session", cookie: token, csrf: true},
		{method: "GET", path: "/v2/Flows", cookie: token}, // 401 after sign-out
	} {
		f.send(q)
	}
	logs := f.logs.String()
	require.Contains(t, logs, "editor session opened", "the log was captured")
	require.Contains(t, logs, "status=403")
	require.NotContains(t, logs, token)

	// The store keeps the hash, never the token: look in the database files.
	token2 := f.signIn(testCreds.AccountSID, testCreds.AuthToken)
	sess, err := f.st.Session(context.Background(), auth.HashSecret(token2))
	require.NoError(t, err)
	require.NotNil(t, sess, "found by its hash")
	sess, err = f.st.Session(context.Background(), token2)
	require.NoError(t, err)
	require.Nil(t, sess, "not found by the token")
	files, err := filepath.Glob(filepath.Join(f.dir, store.FileName+"*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	hashSeen := false
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		require.False(t, bytes.Contains(b, []byte(token2)), "%s holds the token", name)
		hashSeen = hashSeen || bytes.Contains(b, []byte(auth.HashSecret(token2)))
	}
	require.True(t, hashSeen, "the hash is what is stored")
}

func TestSessionCookieSecureOverTLS(t *testing.T) {
	f := newSessionFixture(t)
	srv := httptest.NewTLSServer(f.s.Handler())
	t.Cleanup(srv.Close)
	r, err := http.NewRequest("POST", srv.URL+"/auth/session", strings.NewReader(url.Values{"Username": {testCreds.AccountSID}, "Password": {testCreds.AuthToken}}.Encode()))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(CSRFHeader, CSRFValue)
	resp, err := srv.Client().Do(r)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	require.NotEmpty(t, resp.Cookies())
	require.True(t, resp.Cookies()[0].Secure)
}
