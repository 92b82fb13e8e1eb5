package auth

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Throttle slows down guessing of Basic credentials: after Max failures from
// one source within Window, that source is refused for Window without its
// credentials being checked (the API answers 429 with Retry-After). Sources
// are IP addresses; IPv6 sources count by /64, the block one host usually
// has. It remembers at most MaxSources sources at a time. Credentials are
// never seen here, so they cannot be logged from here.
type Throttle struct {
	Max        int           // failures allowed per Window; default 10
	Window     time.Duration // default 1 minute
	MaxSources int           // default 10,000
	Now        func() time.Time

	mu      sync.Mutex
	sources map[netip.Addr]*throttled

	failures atomic.Uint64
	refused  atomic.Uint64
}

type throttled struct {
	start time.Time // of the current window
	fails int
	until time.Time // refused until then
}

// ThrottleStats are a Throttle's counters since it was made.
type ThrottleStats struct {
	Failures uint64 // failed credential checks recorded
	Refused  uint64 // requests refused without a check
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Throttle) limits() (int, time.Duration, int) {
	max, win, n := t.Max, t.Window, t.MaxSources
	if max <= 0 {
		max = 10
	}
	if win <= 0 {
		win = time.Minute
	}
	if n <= 0 {
		n = 10000
	}
	return max, win, n
}

func sourceKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// Blocked reports whether ip is refused now, and for how long more. A nil
// Throttle blocks nobody. A blocked request counts as refused.
func (t *Throttle) Blocked(ip netip.Addr) (time.Duration, bool) {
	if t == nil || !ip.IsValid() {
		return 0, false
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sources[sourceKey(ip)]
	if s == nil || !now.Before(s.until) {
		return 0, false
	}
	t.refused.Add(1)
	return s.until.Sub(now), true
}

// Fail records a failed credential check from ip.
func (t *Throttle) Fail(ip netip.Addr) {
	if t == nil || !ip.IsValid() {
		return
	}
	t.failures.Add(1)
	max, win, maxSources := t.limits()
	now := t.now()
	key := sourceKey(ip)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sources == nil {
		t.sources = map[netip.Addr]*throttled{}
	}
	s := t.sources[key]
	if s == nil {
		if len(t.sources) >= maxSources {
			t.pruneLocked(now, win)
		}
		if len(t.sources) >= maxSources {
			return // every remembered source is still in its window
		}
		s = &throttled{start: now}
		t.sources[key] = s
	}
	if now.Sub(s.start) >= win {
		s.start, s.fails = now, 0
	}
	s.fails++
	if s.fails >= max {
		s.until = now.Add(win)
		s.start, s.fails = s.until, 0
	}
}

// pruneLocked forgets sources whose window and block are over.
func (t *Throttle) pruneLocked(now time.Time, win time.Duration) {
	for k, s := range t.sources {
		if now.Sub(s.start) >= win && !now.Before(s.until) {
			delete(t.sources, k)
		}
	}
}

// Stats returns the counters (zero for a nil Throttle).
func (t *Throttle) Stats() ThrottleStats {
	if t == nil {
		return ThrottleStats{}
	}
	return ThrottleStats{Failures: t.failures.Load(), Refused: t.refused.Load()}
}
