package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// load counts the requests being served, for /healthz.
type load struct{ inFlight atomic.Int64 }

// metrics are the appliance's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchboard_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.Runner != nil {
		m.reg.MustRegister(runnerCollector{s})
	}
	if s.Auth != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_auth_failures_total",
				Help: "Failed Basic credential checks."}, func() float64 { return float64(s.Auth.Throttle.Stats().Failures) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_auth_throttled_total",
				Help: "Requests refused with 429, unchecked, from sources that failed Basic credentials too often."},
				func() float64 { return float64(s.Auth.Throttle.Stats().Refused) }))
	}
	if s.Voice != nil {
		m.reg.MustRegister(voiceCollector{s})
	}
	if s.Store != nil {
		m.reg.MustRegister(queueCollector{s})
	}
	if s.Messaging != nil {
		m.reg.MustRegister(messagingCollector{s})
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// statusWriter remembers the status code written.
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

// Flush lets Server-Sent Events through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request (method, path without query, route, status,
// duration; never credentials or bodies), counts it and times it.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.load.inFlight.Add(1)
		defer s.load.inFlight.Add(-1)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		route := s.route(r)
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.code)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(d.Seconds())
		if refused(sw.code) && !s.refused.allow(r.Context(), s.Log, start) {
			return
		}
		s.Log.LogAttrs(r.Context(), levelFor(sw.code), "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", sw.code), slog.Duration("duration", d), slog.String("remote", r.RemoteAddr))
	})
}

// route is the pattern that serves r (a bounded set, fit for a label).
func (s *Server) route(r *http.Request) string {
	if r.URL.Path == "/healthz" {
		return "GET /healthz"
	}
	if r.URL.Path == "/auth/session" {
		return "/auth/session"
	}
	if _, p := s.mux.Handler(r); p != "" {
		return p
	}
	return "unmatched"
}

// levelFor logs server errors as errors, refused credentials as warnings,
// other client errors as info and the rest at debug, so that a busy
// appliance does not drown its log.
func levelFor(code int) slog.Level {
	switch {
	case code >= 500:
		return slog.LevelError
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return slog.LevelWarn
	case code >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// refused is a status whose log lines are rate-limited (refusedLog).
func refused(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusTooManyRequests
}
