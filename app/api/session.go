package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/store"
)

// Editor sessions: the editor signs in with POST /auth/session and is then
// authenticated by the SessionCookie instead of HTTP Basic credentials.
const (
	// SessionCookie holds a session's token: 32 random bytes, base64url. Only
	// the token's SHA-256 is stored.
	SessionCookie = "switchboard_session"
	// SessionTTL is how long a session lives after its last use.
	SessionTTL = 12 * time.Hour
	// CSRFHeader must be sent, with the value CSRFValue, on every
	// cookie-authenticated request with an unsafe method (POST, PUT, PATCH,
	// DELETE), and on sign-in and sign-out; other sites cannot set it
	// without a CORS preflight, which this server never grants.
	CSRFHeader = "X-Requested-With"
	CSRFValue  = "switchboard"
)

// sessionExtendEvery bounds the writes of sliding expiry: a session's expiry
// is moved forward at most once per this interval.
const sessionExtendEvery = time.Minute

// Session is the session resource (/auth/session).
type Session struct {
	AccountSID string `json:"account_sid"`
	// Principal is who signed in: the account SID, or the API key SID.
	Principal string `json:"principal"`
	// Desktop is true in the desktop window, which the Switchboard process
	// signs in itself (absent elsewhere): there is no session to sign out of (the editor hides
	// its sign-out there).
	Desktop bool `json:"desktop,omitempty"`
}

func sessionJSON(p auth.Principal) Session {
	out := Session{AccountSID: p.AccountSID, Principal: p.AccountSID}
	if p.KeySID != "" {
		out.Principal = p.KeySID
	}
	return out
}

// routesSession registers the session resource; it is served without
// credentials (signing in is how one gets them).
func (s *Server) routesSession(mux *http.ServeMux) {
	mux.HandleFunc("POST /auth/session", s.signIn)
	mux.HandleFunc("GET /auth/session", s.fetchSession)
	mux.HandleFunc("DELETE /auth/session", s.signOut)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// unsafeMethod reports whether a method changes state (and so needs the
// CSRF header when a cookie authenticates it).
func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func hasCSRFHeader(r *http.Request) bool { return r.Header.Get(CSRFHeader) == CSRFValue }

func csrfRefused() *Error {
	return apiError(http.StatusForbidden, CodeUnauthorized, "A request authenticated by the session cookie must send the header %s: %s", CSRFHeader, CSRFValue)
}

// tooManyFailures answers a throttled source.
func tooManyFailures(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	writeError(w, apiError(http.StatusTooManyRequests, CodeTooManyReqs, "Too many failed authentications; retry later"))
}

// unauthorized answers 401. The editor's own requests (they carry the CSRF
// header) get no Basic challenge, so that the browser shows no prompt.
func unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	e := apiError(http.StatusUnauthorized, CodeUnauthorized, "%s", msg)
	if hasCSRFHeader(r) {
		writeJSON(w, e.Status, e)
		return
	}
	writeError(w, e)
}

// newSessionToken returns 32 random bytes, base64url without padding.
func newSessionToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// setSessionCookie sends the cookie; an empty token clears it.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	c := &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || strings.HasPrefix(s.PublicURL, "https://"),
	}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires.UTC()
		c.MaxAge = int(expires.Sub(s.now()) / time.Second)
		if c.MaxAge <= 0 {
			c.MaxAge = int(SessionTTL / time.Second)
		}
	}
	http.SetCookie(w, c)
}

// sessionPrincipal returns the principal of the request's session cookie;
// ok is false without a cookie or for an unknown, expired or revoked
// session. Use moves the expiry forward (sliding expiry), and the cookie
// with it.
func (s *Server) sessionPrincipal(w http.ResponseWriter, r *http.Request) (p auth.Principal, ok bool, err error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return auth.Principal{}, false, nil
	}
	ctx := r.Context()
	hash := auth.HashSecret(c.Value)
	sess, err := s.Store.Session(ctx, hash)
	if err != nil || sess == nil {
		return auth.Principal{}, false, err
	}
	if sess.AccountSID != s.accountSID() {
		return auth.Principal{}, false, nil // the account's credentials changed
	}
	if sess.KeySID != "" {
		// A session opened with an API key ends with the key.
		h, err := s.Store.KeySecretHash(ctx, sess.KeySID)
		if err != nil || h == "" {
			return auth.Principal{}, false, err
		}
	}
	now := s.now()
	if expires := now.Add(SessionTTL); expires.Sub(sess.Expires) >= sessionExtendEvery {
		if err := s.Store.ExtendSession(ctx, hash, expires); err != nil {
			return auth.Principal{}, false, err
		}
		s.setSessionCookie(w, r, c.Value, expires)
	}
	return auth.Principal{AccountSID: sess.AccountSID, KeySID: sess.KeySID}, true, nil
}

// signIn checks the form's Username and Password (the account SID and auth
// token, or an API key SID and secret) and opens a session: 201, the
// session's JSON and its cookie. Failures count toward the throttle.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !hasCSRFHeader(r) {
		writeError(w, csrfRefused())
		return
	}
	src := remoteIP(r)
	if wait, blocked := s.Auth.Throttle.Blocked(src); blocked {
		tooManyFailures(w, wait)
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	user, e := required(f, "Username")
	if e != nil {
		writeError(w, e)
		return
	}
	pass, e := required(f, "Password")
	if e != nil {
		writeError(w, e)
		return
	}
	ctx := r.Context()
	p, ok, err := s.Auth.Check(ctx, user, pass)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		s.Auth.Throttle.Fail(src)
		unauthorized(w, r, "Authentication Error - invalid username or password")
		return
	}
	token, err := newSessionToken()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	expires := s.now().Add(SessionTTL)
	if err := s.Store.CreateSession(ctx, auth.HashSecret(token), store.Session{AccountSID: p.AccountSID, KeySID: p.KeySID, Expires: expires}); err != nil {
		s.internal(w, r, err)
		return
	}
	s.Log.Info("editor session opened", "account_sid", p.AccountSID, "key_sid", p.KeySID, "remote", r.RemoteAddr)
	s.setSessionCookie(w, r, token, expires)
	writeJSON(w, http.StatusCreated, sessionJSON(p))
}

// fetchSession answers who the session cookie signs in, or 401.
func (s *Server) fetchSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if fromWindow(r) {
		out := sessionJSON(s.windowPrincipal())
		out.Desktop = true
		writeJSON(w, http.StatusOK, out)
		return
	}
	p, ok, err := s.sessionPrincipal(w, r)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		unauthorized(w, r, "Not signed in")
		return
	}
	writeJSON(w, http.StatusOK, sessionJSON(p))
}

// signOut revokes the cookie's session (if any) and clears the cookie: 204.
// The desktop window gets 409: the process signed it in, and it stays so.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !hasCSRFHeader(r) {
		writeError(w, csrfRefused())
		return
	}
	if fromWindow(r) {
		writeError(w, windowSignOutRefused())
		return
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.Store.DeleteSession(context.WithoutCancel(r.Context()), auth.HashSecret(c.Value)); err != nil {
			s.internal(w, r, err)
			return
		}
		s.Log.Info("editor session closed", "remote", r.RemoteAddr)
	}
	s.setSessionCookie(w, r, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
}
