// Package api serves Switchboard over HTTP: the Studio v2-shaped REST API,
// webhooks, event streams and the editor's static files. For now it serves
// /healthz and the editor; the REST API lands here next.
package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

// Health is what /healthz reports.
type Health struct {
	Status  string `json:"status"` // "ok" or "unavailable"
	Version string `json:"version"`
	Store   string `json:"store"` // "ok" or the error
	Flows   int    `json:"flows"`
}

// Store is what the API needs from the store.
type Store interface {
	Ping(ctx context.Context) error
	CountFlows(ctx context.Context) (int, error)
}

// Server holds the API's dependencies.
type Server struct {
	Store   Store
	Version string
	Assets  fs.FS // the editor's build (frontend/dist); may be empty
	Log     *slog.Logger
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /", s.editor())
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	h := Health{Status: "ok", Version: s.Version, Store: "ok"}
	code := http.StatusOK
	n, err := s.Store.CountFlows(ctx)
	if err == nil {
		err = s.Store.Ping(ctx)
	}
	if err != nil {
		h.Status, h.Store, code = "unavailable", err.Error(), http.StatusServiceUnavailable
		s.Log.Warn("healthz: store unavailable", "err", err)
	}
	h.Flows = n
	writeJSON(w, code, h)
}

// editor serves the embedded editor build, or says plainly that this binary
// was built without it.
func (s *Server) editor() http.Handler {
	if s.Assets != nil {
		if _, err := fs.Stat(s.Assets, "index.html"); err == nil {
			return http.FileServerFS(s.Assets)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
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
