package api

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// refusedLog bounds the log lines of refused requests (401, 403, 429): a
// stranger guessing credentials must not flood the log. Per interval the
// first burst refusals are logged as usual; the rest are only counted, and
// the first refusal logged in a later interval is preceded by one line that
// says how many went unlogged. Every request is still counted in /metrics
// (switchboard_http_requests_total by code).
type refusedLog struct {
	burst    int
	interval time.Duration

	mu     sync.Mutex
	start  time.Time
	logged int
	quiet  int
}

func newRefusedLog(burst int, interval time.Duration) *refusedLog {
	return &refusedLog{burst: burst, interval: interval}
}

// allow reports whether this refusal may be logged, and logs the summary of
// the unlogged ones of an earlier interval first.
func (l *refusedLog) allow(ctx context.Context, log *slog.Logger, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.interval {
		if l.quiet > 0 {
			log.LogAttrs(ctx, slog.LevelWarn, "http requests refused without a log line",
				slog.Int("count", l.quiet), slog.Duration("interval", l.interval))
		}
		l.start, l.logged, l.quiet = now, 0, 0
	}
	if l.logged >= l.burst {
		l.quiet++
		return false
	}
	l.logged++
	return true
}
