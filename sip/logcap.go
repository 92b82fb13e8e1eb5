package sip

import (
	"context"
	"log/slog"
	"sync"
	"unicode/utf8"

	gosip "github.com/emiago/sipgo/sip"
)

// maxLogValue caps string values in sipgo's own log lines: it logs whole
// datagrams when they do not parse, and a hostile peer must not be able to
// fill the log with 64 KB lines.
const maxLogValue = 256

var libLoggerOnce sync.Once

// setLibraryLogger routes sipgo's logging (a process-wide setting) through
// ours, capped, once.
func setLibraryLogger(l *slog.Logger) {
	libLoggerOnce.Do(func() {
		gosip.SetDefaultLogger(slog.New(capHandler{l.Handler()}).With("component", "sipgo"))
	})
}

// capHandler shortens long strings in messages and attributes.
type capHandler struct{ next slog.Handler }

func (h capHandler) Enabled(ctx context.Context, lvl slog.Level) bool {
	return h.next.Enabled(ctx, lvl)
}

func (h capHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, capString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(capAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h capHandler) WithAttrs(as []slog.Attr) slog.Handler {
	capped := make([]slog.Attr, len(as))
	for i, a := range as {
		capped[i] = capAttr(a)
	}
	return capHandler{h.next.WithAttrs(capped)}
}

func (h capHandler) WithGroup(name string) slog.Handler { return capHandler{h.next.WithGroup(name)} }

func capAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, capString(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, capString(err.Error()))
		}
		return slog.String(a.Key, capString(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func capString(s string) string {
	if len(s) <= maxLogValue {
		return s
	}
	cut := maxLogValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never half a character
	}
	return s[:cut] + "…(truncated)"
}
