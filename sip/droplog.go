package sip

import (
	"context"
	"log/slog"
	"maps"
	"sort"
	"sync"
	"time"
)

// Reasons a request or datagram is dropped or refused without a call, as
// counted by Server.Dropped.
const (
	DropUnparsable    = "unparsable"     // not a SIP message sipgo can parse
	DropMissingHeader = "missing_header" // no Via, From, To, Call-ID or CSeq
	DropNotAllowed    = "not_allowed"    // INVITE from a source we take no calls from (403)
	DropTooLarge      = "too_large"      // over the size limits (414, 513)
	DropCallLimit     = "call_limit"     // INVITE over MaxCalls (503)
	DropOverload      = "overload"       // INVITE while Config.Overloaded says the media path falls behind (503)
)

// dropLog logs what strangers send us at a bounded rate, whatever they send:
// per interval the first burst lines, then nothing more until the interval
// ends, when one summary line says how many went unlogged, by reason. Every
// drop is counted. A flood of garbage from the wire used to write one ERROR
// line per datagram.
type dropLog struct {
	log      *slog.Logger
	burst    int
	interval time.Duration

	mu     sync.Mutex
	start  time.Time
	logged int
	quiet  map[string]int    // not logged in this interval, by reason
	counts map[string]uint64 // every drop, by reason
}

func newDropLog(log *slog.Logger, burst int, interval time.Duration) *dropLog {
	return &dropLog{log: log, burst: burst, interval: interval, start: time.Now(), quiet: map[string]int{}, counts: map[string]uint64{}}
}

// drop counts one drop and logs it if the interval's burst allows.
func (d *dropLog) drop(reason, msg string, attrs ...any) {
	d.mu.Lock()
	d.counts[reason]++
	now := time.Now()
	if now.Sub(d.start) >= d.interval {
		d.rollLocked(now)
	}
	if d.logged >= d.burst {
		d.quiet[reason]++
		d.mu.Unlock()
		return
	}
	d.logged++
	d.mu.Unlock()
	d.log.Warn(msg, append([]any{"reason", reason}, attrs...)...)
}

// tick ends the interval if it is over, logging its summary.
func (d *dropLog) tick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now := time.Now(); now.Sub(d.start) >= d.interval {
		d.rollLocked(now)
	}
}

func (d *dropLog) rollLocked(now time.Time) {
	if len(d.quiet) > 0 {
		reasons := make([]string, 0, len(d.quiet))
		for r := range d.quiet {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		attrs := []any{"interval", d.interval}
		total := 0
		for _, r := range reasons {
			attrs = append(attrs, r, d.quiet[r])
			total += d.quiet[r]
		}
		d.log.Warn("sip drops not logged", append([]any{"count", total}, attrs...)...)
		clear(d.quiet)
	}
	d.start = now
	d.logged = 0
}

// run ticks until ctx ends, so that a flood's summary is written even when
// nothing follows it.
func (d *dropLog) run(ctx context.Context) {
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.tick()
		}
	}
}

func (d *dropLog) snapshot() map[string]uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.counts)
}

// parseDropHandler is the log handler of sipgo's transport layer: its
// "failed to parse" line (one per garbage datagram, at ERROR, with the
// datagram) becomes a counted, rate-limited drop; everything else goes on,
// capped (capHandler).
type parseDropHandler struct {
	drops *dropLog
	next  slog.Handler
}

func (h parseDropHandler) Enabled(ctx context.Context, lvl slog.Level) bool {
	return lvl >= slog.LevelError || h.next.Enabled(ctx, lvl)
}

func (h parseDropHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "failed to parse" {
		var reason string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" {
				reason = capString(a.Value.String())
			}
			return true
		})
		h.drops.drop(DropUnparsable, "sip message dropped: unparsable", "error", reason)
		return nil
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h parseDropHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return parseDropHandler{h.drops, h.next.WithAttrs(as)}
}

func (h parseDropHandler) WithGroup(name string) slog.Handler {
	return parseDropHandler{h.drops, h.next.WithGroup(name)}
}
