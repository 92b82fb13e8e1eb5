// Package api serves Switchboard over HTTP: the Studio v2-shaped REST API
// (/v2: flows, revisions, test users, executions, steps, contexts, Flow
// Validate, SIP trunks and their live state; our own simulations and flow
// tests beside the flows, see v2_simulations.go and v2_flowtests.go), Twilio-shaped webhooks
// (/v1/Accounts/{AccountSid}/Flows/{FlowSid}), the 2010-04-01 resources
// under /2010-04-01/Accounts/{AccountSid}/ (API keys, incoming phone
// numbers, SIP credential lists for desk phones, recordings), the event stream, the metrics, /healthz, the editor
// sign-in session (/auth/session) and the editor's static files. The editor's
// files (they hold no secret), /healthz and /auth/session are open; every
// other route needs credentials: HTTP Basic, the editor's session cookie
// (unsafe methods must then carry X-Requested-With: switchboard, against
// CSRF) or, for webhooks, a valid X-Twilio-Signature.
// Webhooks are idempotent: each one's receipt (its MessageSid, or its
// CallSid and callback) is stored with the sprint it caused and its answer,
// and a repeated delivery gets that answer again.
package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

// Health is what /healthz reports.
type Health struct {
	Status  string `json:"status"` // "ok", "busy", "full" or "unavailable"
	Version string `json:"version"`
	Store   string `json:"store"` // "ok" or the error
	Flows   int    `json:"flows"`
	// InFlight is how many API and webhook requests are being served.
	InFlight int64 `json:"in_flight"`
}

// Server holds the API's dependencies.
type Server struct {
	Store   *store.Store
	Runner  *runner.Runner
	Auth    *auth.Authenticator
	Version string
	Assets  fs.FS // the editor's build (frontend/dist); may be empty
	Log     *slog.Logger
	// Events, when set, is the Server-Sent Events stream served at
	// GET /v2/Events/Stream (live executions and steps for the editor).
	Events http.Handler
	// Voice, when set, reports calls and trunks (/metrics, /v2/Voice/Trunks).
	Voice VoiceStatus
	// VoiceSettings, when set, applies stored trunks and desk phones
	// to the SIP side as they change (/v2/Voice/Trunks, SIP credential lists).
	VoiceSettings VoiceSettings
	// Messaging, when set, runs the SMS gateways (/v2/Messaging/Gateways,
	// the Messages resource, gateways' inbound callbacks).
	Messaging Messaging
	// Queues, when set, gives the local call queues' live state (callers
	// waiting, agents' states) and publishes their changes (queues.go).
	Queues QueueStatus
	// Recordings, when set, serves call recordings.
	Recordings RecordingFiles
	// BusyAt and FullAt are the in-flight request counts at which /healthz
	// answers 429 (busy) and 503 (full); 0 takes the defaults.
	BusyAt, FullAt int64
	PublicURL      string // base URL as callers see the appliance (reverse proxies): webhook signatures and TwiML action URLs use it; empty: the request's scheme and Host
	// ReceiptTTL is how long webhook receipts (for answering a repeated
	// delivery as the first) are kept; 0 takes DefaultReceiptTTL.
	ReceiptTTL time.Duration
	// Now, when set, is the clock of editor sessions and simulations (tests).
	Now func() time.Time
	// SimulationTTL is how long an editor's simulation lives without input,
	// MaxSimulations how many may be open; 0 takes the defaults.
	SimulationTTL  time.Duration
	MaxSimulations int

	receiptLocks keyLocks
	receiptPurge atomic.Int64 // when receipts were last purged (Unix ns)

	sims    *simulations
	tests   testRuns
	metrics *metrics
	refused *refusedLog // bounds the log lines of refused requests
	load    load
	mux     *http.ServeMux // the authenticated routes
}

// Refused requests (401, 403, 429) are logged at most refusedLogBurst times
// per refusedLogInterval; the rest are counted in one summary line.
const (
	refusedLogBurst    = 5
	refusedLogInterval = 10 * time.Second
)

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	s.metrics = newMetrics(s)
	s.refused = newRefusedLog(refusedLogBurst, refusedLogInterval)
	open := http.NewServeMux()
	open.HandleFunc("GET /healthz", s.healthz)
	s.routesSession(open)

	mux := http.NewServeMux()
	s.mux = mux
	s.routesV2(mux)
	s.routesSimulations(mux)
	s.routesFlowTests(mux)
	s.routesKeys(mux)
	s.routesNumbers(mux)
	s.routesVoice(mux)
	s.routesVoiceSettings(mux)
	s.routesQueues(mux)
	s.routesWebhooks(mux)
	s.routesMessaging(mux, open)
	mux.Handle("GET /metrics", s.metrics.handler())
	if s.Events != nil {
		mux.Handle("GET /v2/Events/Stream", streaming(s.Events))
	}
	editor := s.editor()
	mux.Handle("/", editor)
	open.Handle("/", s.editorFiles(editor, s.authenticate(mux)))
	return s.observe(open)
}

// VoiceStatus is what the API shows of the SIP side.
type VoiceStatus interface {
	ActiveCalls() int
	Trunks() []sip.TrunkStatus
	// Dropped counts messages dropped or refused before a call, by reason.
	Dropped() map[string]uint64
}

// RecordingFiles finds recordings by SID ("" when it is not one).
type RecordingFiles interface {
	Path(sid string) string
}

// ctxKey keys request-scoped values.
type ctxKey int

const principalKey ctxKey = iota

// authenticate lets a request through that came through the desktop window
// (ThroughWindow: signed in by the process, as the account), or one with
// valid HTTP Basic credentials (the
// account SID and auth token, or an API key and its secret), a valid editor
// session cookie (an unsafe method must then carry the CSRF header, else
// 403), or, for the webhook routes, a valid X-Twilio-Signature. A source
// that failed Basic credentials too often (auth.Throttle) gets 429 with
// Retry-After, its credentials unchecked.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fromWindow(r) {
			if unsafeMethod(r.Method) && !hasCSRFHeader(r) {
				writeError(w, csrfRefused())
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, s.windowPrincipal())))
			return
		}
		if user, pass, ok := r.BasicAuth(); ok {
			src := remoteIP(r)
			if wait, blocked := s.Auth.Throttle.Blocked(src); blocked {
				tooManyFailures(w, wait)
				return
			}
			p, ok, err := s.Auth.Check(r.Context(), user, pass)
			if err != nil {
				s.Log.Error("authentication failed", "err", err)
				writeError(w, apiError(http.StatusInternalServerError, CodeInternal, "Internal error"))
				return
			}
			if ok {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
				return
			}
			s.Auth.Throttle.Fail(src)
		} else if p, ok, err := s.sessionPrincipal(w, r); err != nil {
			s.Log.Error("session lookup failed", "err", err)
			writeError(w, apiError(http.StatusInternalServerError, CodeInternal, "Internal error"))
			return
		} else if ok {
			if unsafeMethod(r.Method) && !hasCSRFHeader(r) {
				writeError(w, csrfRefused())
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
			return
		} else if ok, err := s.signedWebhook(w, r); err != nil {
			writeError(w, webhookTooLarge()) // the size is refused before the signature is looked at
			return
		} else if ok {
			next.ServeHTTP(w, r)
			return
		}
		unauthorized(w, r, "Authentication Error - invalid username")
	})
}

// remoteIP is the address of the request's peer (not a header it sent).
func remoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// principal returns who the request authenticated as.
func principal(r *http.Request) (auth.Principal, bool) {
	p, ok := r.Context().Value(principalKey).(auth.Principal)
	return p, ok
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	// In flight: the other requests, not this one.
	h := Health{Status: "ok", Version: s.Version, Store: "ok", InFlight: s.load.inFlight.Load() - 1}
	code := http.StatusOK
	n, err := s.Store.CountFlows(ctx)
	if err == nil {
		err = s.Store.Ping(ctx)
	}
	h.Flows = n
	switch {
	case err != nil:
		h.Status, h.Store, code = "unavailable", err.Error(), http.StatusServiceUnavailable
		s.Log.Warn("healthz: store unavailable", "err", err)
	case h.InFlight >= s.fullAt():
		h.Status, code = "full", http.StatusServiceUnavailable
	case h.InFlight >= s.busyAt(), s.voiceOverloaded():
		h.Status, code = "busy", http.StatusTooManyRequests
	}
	writeJSON(w, code, h)
}

// voiceOverloaded reports whether the SIP side refuses new calls because
// the media path falls behind (sip.Server.Overloaded).
func (s *Server) voiceOverloaded() bool {
	o, ok := s.Voice.(interface{ Overloaded() bool })
	return ok && o.Overloaded()
}

func (s *Server) busyAt() int64 {
	if s.BusyAt > 0 {
		return s.BusyAt
	}
	return 256
}

func (s *Server) fullAt() int64 {
	if s.FullAt > 0 {
		return s.FullAt
	}
	return 1024
}

// editorCSP forbids inline script (and everything not from this origin).
const editorCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// editorFiles serves the editor's files without credentials: GET or HEAD of
// "/" or of a file (not a folder) of the build. Everything else goes to
// next. The editor routes by the URL's fragment, so no other path is its.
func (s *Server) editorFiles(editor, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.isEditorFile(r.URL.Path) {
			editor.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) isEditorFile(path string) bool {
	if path == "/" {
		return true
	}
	if s.Assets == nil {
		return false
	}
	name := strings.TrimPrefix(path, "/")
	if !fs.ValidPath(name) {
		return false
	}
	fi, err := fs.Stat(s.Assets, name)
	return err == nil && fi.Mode().IsRegular()
}

// editor serves the embedded editor build, or says plainly that this binary
// was built without it. Its answers carry the security headers; the hashed
// files under assets/ may be cached for a year, the rest is revalidated.
func (s *Server) editor() http.Handler {
	files := http.Handler(nil)
	if s.Assets != nil {
		if _, err := fs.Stat(s.Assets, "index.html"); err == nil {
			files = http.FileServerFS(s.Assets)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", editorCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, apiError(http.StatusMethodNotAllowed, CodeMethodNotAllow, "Method %s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		if files != nil {
			files.ServeHTTP(w, r)
			return
		}
		if r.URL.Path != "/" {
			writeError(w, notFound(r))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Switchboard is running. This binary was built without the flow editor; see /healthz.\n"))
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// streamWriteWindow is how long one write of the event stream may take.
const streamWriteWindow = time.Minute

// streaming lets a long-lived response (the event stream) outlive the
// server's read and write timeouts: the request has been read, so its read
// deadline goes, and each write or flush gets streamWriteWindow of its own,
// so a client that stops reading is still cut off.
func streaming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
		next.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc}, r)
	})
}

// deadlineWriter moves the write deadline forward before each write.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
	return w.ResponseWriter.Write(b)
}

func (w *deadlineWriter) FlushError() error {
	_ = w.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
	return w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
