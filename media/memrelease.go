package media

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"
)

// Returning memory to the OS after a load. Go keeps the heap it grew for a
// busy hour: the collector aims at about twice the live heap, and the
// background scavenger hands back only what lies well beyond that goal, and
// slowly. Measured with the voice benchmark, RSS stayed about twice idle a
// minute after the calls ended although the live heap was back near idle.
// An appliance that shares a small box with other services should give
// that memory back once the load is over, so ReleaseMemoryAfterLoad
// watches the number of paced sessions (calls with media) and, once it has
// stayed at a quarter of its peak or less for a quiet period, runs one
// debug.FreeOSMemory (a full collection and a scavenge of every free page).
// It runs again only after a new peak: a steady load is never disturbed,
// and the one full collection happens when few calls are up to feel it.
// Memory the Go heap does not see (SQLite's page caches, held by each of
// the store's connections) is given back by the release hooks the caller
// passes, run just before.

// Release policy figures.
const (
	releaseSample  = time.Second // how often the session count is read
	releaseMinPeak = 32          // a peak below this is not a load worth a release
)

// ReleaseMemoryAfterLoad runs until ctx ends (start it on a goroutine of its
// own). quiet is how long the load must have been over (30 s is a good
// appliance figure: longer than one call's setup burst, shorter than anyone
// looking at the box's memory). Each of also runs at every release, before
// the collection (store.Store.ReleaseIdleMemory); an error is logged and
// the others still run.
func ReleaseMemoryAfterLoad(ctx context.Context, quiet time.Duration, log *slog.Logger, also ...func(context.Context) error) {
	if log == nil {
		log = slog.Default()
	}
	var r releaser
	tk := time.NewTicker(releaseSample)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tk.C:
			if r.observe(now, PacerStats().Sessions, quiet) {
				release(ctx, log, also)
				log.Debug("media: memory returned to the OS after the load", "peak_sessions", r.lastPeak)
			}
		}
	}
}

// release runs the hooks, then one full collection that hands every free
// page back to the OS (after the hooks: what they let go of is garbage by
// then).
func release(ctx context.Context, log *slog.Logger, also []func(context.Context) error) {
	for _, f := range also {
		if err := f(ctx); err != nil {
			log.Warn("media: memory release after the load", "err", err)
		}
	}
	debug.FreeOSMemory()
}

// releaser is the policy's state, apart from the clock and the runtime so
// a table test can drive it.
type releaser struct {
	peak      int       // sessions at the peak since the last release
	lastPeak  int       // the peak the last release followed
	quietFrom time.Time // when the count fell to a quarter of peak (zero: not there)
}

// observe takes one reading and reports whether to release now.
func (r *releaser) observe(now time.Time, sessions int, quiet time.Duration) bool {
	r.peak = max(r.peak, sessions)
	if r.peak < releaseMinPeak || sessions*4 > r.peak {
		r.quietFrom = time.Time{}
		return false
	}
	if r.quietFrom.IsZero() {
		r.quietFrom = now
	}
	if now.Sub(r.quietFrom) < quiet {
		return false
	}
	r.lastPeak, r.peak, r.quietFrom = r.peak, sessions, time.Time{}
	return true
}
