// Package desktop opens the flow editor in a desktop window (Wails v2 over
// WebKitGTK 4.1). The window hands every request to the appliance's one
// http.Handler through Wails' AssetServer: the same editor, REST API and
// event stream the HTTP listener serves.
//
// Only a binary built with the tags desktop,production,webkit2_41 (cgo,
// GTK; `make desktop`) has the window; in any other build Open returns
// ErrNotBuilt, so the default cgo-free build, go vet and go test never need
// GTK.
package desktop

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// ErrNotBuilt is Open's answer in a binary built without the window.
var ErrNotBuilt = errors.New("this binary was built without the desktop window; build it with `make desktop`")

// Window size, in CSS pixels.
const (
	Title     = "Switchboard"
	Width     = 1280
	Height    = 800
	MinWidth  = 960
	MinHeight = 600
)

// Options configure the window.
type Options struct {
	// Handler serves every request of the window's page. The caller signs
	// it in (api.ThroughWindow); Open adds the request log (Logged).
	Handler http.Handler
	Log     *slog.Logger
}

// Available reports whether serve should open the window: the binary has
// it and there is a display to open it on.
func Available(getenv func(string) string) bool {
	return Built && hasDisplay(getenv)
}

// Logged logs each request the window's page makes, at debug level: method,
// path, status and duration. Never the query, headers or body, where a
// secret could be.
func Logged(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelDebug, "window request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.code), slog.Duration("duration", time.Since(start)))
	})
}

// statusWriter records the status code a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer's Flush (the event
// stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// openCtx is what both Open implementations check first.
func openCtx(ctx context.Context, o Options) error {
	if o.Handler == nil {
		return errors.New("desktop: no handler")
	}
	return ctx.Err()
}
