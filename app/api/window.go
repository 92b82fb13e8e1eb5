package api

import (
	"context"
	"net/http"

	"github.com/switchboard/switchboard/app/auth"
)

// The desktop window is signed in by the process that opens it: the window's
// requests reach the Handler through ThroughWindow, which marks their
// context. Nothing that arrives over the network can set a context value, so
// the HTTP listener never sees the mark; the window's page holds no token,
// cookie or credential.

// windowKey marks a request that came through the desktop window.
const windowKey ctxKey = principalKey + 1

// ThroughWindow wraps the Handler for the desktop window (and only for it):
// each request is authenticated as the account, as if its owner had signed
// in. Never put it in front of a network listener.
func ThroughWindow(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), windowKey, true)))
	})
}

// fromWindow reports whether r came through ThroughWindow.
func fromWindow(r *http.Request) bool {
	v, _ := r.Context().Value(windowKey).(bool)
	return v
}

// windowPrincipal is who the window's requests act as: the account.
func (s *Server) windowPrincipal() auth.Principal {
	return auth.Principal{AccountSID: s.accountSID()}
}

// windowSignOutRefused answers DELETE /auth/session from the window: there is
// no session to end, and ending the process's sign-in would leave the window
// on a sign-in page nobody needs.
func windowSignOutRefused() *Error {
	return apiError(http.StatusConflict, CodeConflict,
		"The desktop window is signed in by the Switchboard process and cannot sign out; close the window to stop Switchboard")
}
