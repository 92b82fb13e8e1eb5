package media

import (
	"math"
	"sync"
	"time"
)

// AdmitRate is the learned limit on new calls per second: a token bucket
// whose rate is cut in half each time the load guard trips and grows back
// by a fixed step for every calm second in which the limit was reached
// (AIMD, as TCP learns a path's capacity). The guard's lateness trip alone
// comes too late for a flood: it needs 100–200 ms of late ticks to be sure,
// and by then a 200/s flood has had 100–250 calls admitted whose setup
// (INVITE, execution, first prompt) is what breaks the 3 ms budget of the
// calls in progress. The bucket spreads admissions at a rate the box has
// shown it can set up, so the guard trips rarely and late setups do not pile
// up in the first place.
//
// Numbers, and why:
//
//   - admitStart (20/s): where a fresh process starts. A 2-core box set up
//     50/s beside 100 calls in progress with pacing p99 under 1 ms, and
//     broke 3 ms only after 100+ setups inside one second; 20/s is under
//     half of the good figure, so the first flood on a fresh box is cut
//     before the guard has learned anything. Ordinary traffic (a few calls
//     a second) never meets it.
//   - admitGrow (2/s per calm second at the limit): additive, so a box
//     that can take more gets there in tens of seconds (20 → 60/s in 20 s
//     of sustained demand), slowly enough that one step never adds more
//     setups than a fraction of a second of the guard's reaction time.
//     It grows only while the limit refused something (demand reached it)
//     and the guard is calm; an idle box does not drift to the cap.
//   - halving at each trip: multiplicative, so a rate far above what the
//     box takes falls back within a few trips (200 → 25/s in 3).
//   - admitFloor (2/s): a box always takes some calls, however often it
//     tripped; at 2/s the setups cost a few percent of one core.
//   - admitCap (500/s): no box this runs on sets up more; it bounds the
//     bucket so a long calm period cannot grow it without end.
//   - admitBurst (250 ms of the rate, at least 1): calls arriving together
//     (a queue's retries, a trunk's batch) are not refused one by one, yet
//     a burst is at most a quarter second's worth of setups.
//
// Take is called for every new INVITE (a mutex and a few float operations);
// the guard calls sample every guardSample.
type AdmitRate struct {
	mu      sync.Mutex
	rate    float64 // calls per second
	tokens  float64
	last    time.Duration // when tokens were last refilled
	refused bool          // the bucket refused a call since the last sample
}

const (
	admitStart = 20.0
	admitGrow  = 2.0 // calls/s added per calm second at the limit
	admitFloor = 2.0
	admitCap   = 500.0
	admitBurst = 250 * time.Millisecond
)

// NewAdmitRate starts at admitStart with a full bucket.
func NewAdmitRate() *AdmitRate {
	a := &AdmitRate{rate: admitStart}
	a.tokens = a.burst()
	return a
}

func (a *AdmitRate) burst() float64 { return math.Max(1, a.rate*admitBurst.Seconds()) }

// Rate is the current limit in calls per second.
func (a *AdmitRate) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// Take admits one call at now (monotonic) if a token is left.
func (a *AdmitRate) Take(now time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now > a.last {
		a.tokens = math.Min(a.burst(), a.tokens+(now-a.last).Seconds()*a.rate)
		a.last = now
	}
	if a.tokens >= 1 {
		a.tokens--
		return true
	}
	a.refused = true
	return false
}

// sample is the guard's verdict over the last interval dt: tripped when it
// has just started refusing, calm when its long windows are calm.
func (a *AdmitRate) sample(dt time.Duration, tripped, calm bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case tripped:
		a.rate = math.Max(admitFloor, a.rate/2)
		a.tokens = math.Min(a.tokens, a.burst())
	case calm && a.refused:
		a.rate = math.Min(admitCap, a.rate+admitGrow*dt.Seconds())
	}
	a.refused = false
}
