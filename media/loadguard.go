package media

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// LoadGuard says when the box's media path is falling behind, so that new
// calls are refused (503 + Retry-After) before the calls in progress suffer.
// How many calls a box can carry is not configured but measured: every
// guardSample it reads two signals the process keeps anyway, over a short
// window (the last sample, 100 ms) and a long one (the last guardWindow
// samples, 1 s), and compares them with fixed fractions of the timing
// budget, so a slow box refuses at fewer calls than a fast one:
//
//   - how late the pacer's wheels serve their ticks (wakeHist in pacer.go,
//     one atomic add per tick: the hot path pays nothing more);
//   - the Go scheduler's latency ("/sched/latencies:seconds": how long
//     runnable goroutines waited for a CPU), which rises before the pacer's
//     own goroutines are late, because most goroutines are not the pacer's.
//
// Thresholds, and why:
//
//   - The pacer's signal is how late its wheels serve their 1 ms ticks
//     (wakeHist in pacer.go): every frame of every call leaves on such a
//     tick, so this lateness adds directly to the calls' send deviation,
//     whose budget is p99 ≤ 3 ms (issue 15). Refuse when its p99 reaches
//     enterPacer (2 ms) over the long window, or enterPacerShort (3 ms) over
//     the short one: a third of the budget is kept for the calls already
//     being set up when we start refusing (their INVITEs, executions and
//     first prompts still cost CPU for a few hundred ms). A 2-core box with
//     another process busy on one core measured 1.25–1.5 ms here, idle ones
//     well under 1 ms, so neither refuses.
//   - The scheduler's latency is a leading signal (it rises when runnable
//     goroutines queue, before the wheels are late) but noisier (it counts
//     every goroutine, GC assists included, and the runtime samples only
//     some transitions): refuse at p99 ≥ enterSched (4 ms) over the short
//     window; idle boxes measure tens to a few hundred µs.
//   - A short window must be hot in hotSamples (2) samples in a row: one
//     burst (a GC cycle, a handful of INVITEs arriving together) is not a
//     trend. The long window is a trend by itself and refuses at once, once
//     it spans minLongSamples (5) samples in which the wheels ticked: right
//     after the guard starts, or calls begin on an idle box, it holds a
//     sample or two and is no more than a short window.
//   - A p99 stands on at least minTail (3) samples: a short window of one
//     wheel holds about 100 ticks, whose p99 would otherwise be its single
//     worst tick, and one hiccup of a few ms is not the box falling behind.
//   - A window needs a few samples to have a p99 at all (minPacerTicks,
//     minSchedSamples). The bars are low on purpose: a starved wheel wakes
//     rarely (each wake still records the ticks it caught up, up to 20) and
//     the scheduler samples few transitions when goroutines do not get to
//     run, so a high bar would read a starved box as one without data.
//     Without calls the wheels stop and record nothing: calm.
//   - Admit again only after both long-window p99s stayed at or under
//     exitPacer (1.5 ms) and exitSched (1 ms) for guardHold (2 s):
//     hysteresis, so that refusing (which itself lowers the load) does not
//     make the guard flap every 100 ms, and the refused callers' retries do
//     not all arrive at once.
//
// Lateness counts only while the process itself is busy: its CPU time
// (getrusage) over the short or the long window reaches busyShare (40 %)
// of its GOMAXPROCS cores. A box whose neighbours make the ticks late while
// the appliance is nearly idle is not helped by refusing calls: the
// lateness stays, and the guard would refuse every call for nothing (seen
// on a shared 2-core host: 599 of a 600-call ramp at 60 CPS refused while
// the one admitted call paced at p99 2.3 ms; 600 calls take about 60 % of
// one core). An idle process is calm for the exit too, so refusing ends
// once the refused calls' load is gone. Where CPU time cannot be read
// (not unix), lateness alone decides.
//
// Every sample also feeds the learned admission rate (AdmitRate,
// admitrate.go): a trip halves it, a calm second at the limit grows it.
// The trip stops new calls at once; the rate keeps a flood from getting
// that far.
//
// PacerShort/PacerLong in GuardReading are these tick lateness p99s. The
// decision an INVITE reads is one atomic load (Overloaded).
type LoadGuard struct {
	overloaded atomic.Bool
	log        *slog.Logger
	rate       *AdmitRate // the learned calls-per-second limit (admitrate.go), fed by every sample

	// sampler state (the Run goroutine only)
	pacerPrev  [coarseBuckets + 1]uint64
	pacerRing  [guardWindow][coarseBuckets + 1]uint64
	schedPrev  []uint64
	schedRing  [guardWindow][]uint64
	schedUpper []float64 // upper edge of each scheduler bucket, seconds
	ring       int
	cpuCum     time.Duration // the process's CPU time at this sample (Run sets it; haveCPU false: unknown)
	haveCPU    bool
	cpuPrev    time.Duration
	cpuRing    [guardWindow]time.Duration
	calmSince  time.Duration // when both long windows went calm; -1 while not calm
	hotRun     int           // hot samples in a row
	lastStore  atomic.Pointer[GuardReading]
}

const (
	guardSample     = 100 * time.Millisecond
	guardWindow     = 10 // samples in the long window (1 s)
	guardHold       = 2 * time.Second
	enterPacer      = 2 * time.Millisecond
	enterPacerShort = 3 * time.Millisecond
	exitPacer       = 1500 * time.Microsecond
	enterSched      = 4 * time.Millisecond
	exitSched       = 1 * time.Millisecond
	hotSamples      = 2
	minPacerTicks   = 20
	minSchedSamples = 10
	minTail         = 3 // a p99 stands on at least this many samples at or above it
	minLongSamples  = guardWindow / 2
	busyShare       = 0.4 // of GOMAXPROCS cores: the process's own CPU use from which lateness is its load
	schedMetric     = "/sched/latencies:seconds"
)

// GuardReading is the load guard's latest view, for logs, /metrics and tests.
type GuardReading struct {
	Overloaded            bool
	PacerShort, PacerLong time.Duration // p99 lateness of the pacer's ticks (0: too few ticks)
	SchedShort, SchedLong time.Duration // p99 scheduler latency (0: too few samples)
	// CPUShort, CPULong: the process's CPU use over the windows, as a share
	// of GOMAXPROCS cores (-1: not known on this system).
	CPUShort, CPULong float64
}

// NewLoadGuard makes a guard; Run drives it.
func NewLoadGuard(log *slog.Logger) *LoadGuard {
	if log == nil {
		log = slog.Default()
	}
	g := &LoadGuard{log: log, calmSince: -1, rate: NewAdmitRate()}
	g.lastStore.Store(&GuardReading{})
	return g
}

// Overloaded reports whether new calls should be refused now. It is safe on
// a nil guard (never overloaded) and costs one atomic load.
func (g *LoadGuard) Overloaded() bool { return g != nil && g.overloaded.Load() }

// TakeCall asks the learned admission rate (AdmitRate) for one new call:
// false refuses it. A nil guard admits every call.
func (g *LoadGuard) TakeCall() bool { return g == nil || g.rate.Take(monoNow()) }

// AdmitRate is the learned limit on new calls per second (0 on a nil guard).
func (g *LoadGuard) AdmitRate() float64 {
	if g == nil {
		return 0
	}
	return g.rate.Rate()
}

// Reading returns the latest sample's figures.
func (g *LoadGuard) Reading() GuardReading {
	if g == nil {
		return GuardReading{}
	}
	return *g.lastStore.Load()
}

// Run samples every guardSample until ctx ends.
func (g *LoadGuard) Run(ctx context.Context) {
	samples := []metrics.Sample{{Name: schedMetric}}
	tk := time.NewTicker(guardSample)
	defer tk.Stop()
	defaultPacer.wake.snapshot(&g.pacerPrev)
	metrics.Read(samples)
	g.schedInit(samples[0])
	g.cpuPrev, _ = processCPU()
	for {
		select {
		case <-ctx.Done():
			g.overloaded.Store(false)
			return
		case <-tk.C:
		}
		var pacerNow [coarseBuckets + 1]uint64
		defaultPacer.wake.snapshot(&pacerNow)
		metrics.Read(samples)
		g.cpuCum, g.haveCPU = processCPU()
		g.sample(monoNow(), &pacerNow, schedCounts(samples[0]))
	}
}

func (g *LoadGuard) schedInit(s metrics.Sample) {
	if s.Value.Kind() != metrics.KindFloat64Histogram {
		return // an older or newer runtime without it: the pacer alone decides
	}
	h := s.Value.Float64Histogram()
	g.schedUpper = append([]float64(nil), h.Buckets[1:]...)
	g.schedPrev = append([]uint64(nil), h.Counts...)
	for i := range g.schedRing {
		g.schedRing[i] = make([]uint64, len(h.Counts))
	}
}

func schedCounts(s metrics.Sample) []uint64 {
	if s.Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s.Value.Float64Histogram().Counts
}

// sample takes one reading (cumulative counts now) and decides.
func (g *LoadGuard) sample(now time.Duration, pacerNow *[coarseBuckets + 1]uint64, schedNow []uint64) {
	slot := g.ring % guardWindow
	g.ring++
	for i := range pacerNow {
		g.pacerRing[slot][i] = pacerNow[i] - g.pacerPrev[i]
	}
	g.pacerPrev = *pacerNow
	haveSched := len(g.schedUpper) > 0 && len(schedNow) == len(g.schedPrev)
	if haveSched {
		for i := range schedNow {
			g.schedRing[slot][i] = schedNow[i] - g.schedPrev[i]
		}
		copy(g.schedPrev, schedNow)
	}

	var r GuardReading
	pacerUpper := func(i int) time.Duration {
		if i == coarseBuckets {
			return 10 * time.Millisecond // overflow: at least this much
		}
		return time.Duration(i+1) * coarseRes
	}
	r.PacerShort = p99(g.pacerRing[slot][:], minPacerTicks, pacerUpper)
	var long [coarseBuckets + 1]uint64
	spanned := 0 // samples of the long window in which the wheels ticked
	for _, w := range g.pacerRing {
		n := uint64(0)
		for i, c := range w {
			long[i] += c
			n += c
		}
		if n > 0 {
			spanned++
		}
	}
	// A long window that spans only a sample or two (the guard just
	// started, or calls just began on an idle box) is a short window: it
	// must not refuse at once by itself.
	if spanned >= minLongSamples {
		r.PacerLong = p99(long[:], minPacerTicks*guardWindow/4, pacerUpper)
	}
	if haveSched {
		schedUpper := func(i int) time.Duration {
			u := g.schedUpper[i]
			if u > 1 { // +Inf
				return time.Second
			}
			return time.Duration(u * float64(time.Second))
		}
		r.SchedShort = p99(g.schedRing[slot], minSchedSamples, schedUpper)
		sl := make([]uint64, len(schedNow))
		for _, w := range g.schedRing {
			for i, c := range w {
				sl[i] += c
			}
		}
		r.SchedLong = p99(sl, minSchedSamples*guardWindow/4, schedUpper)
	}
	r.CPUShort, r.CPULong = -1, -1
	if g.haveCPU {
		g.cpuRing[slot] = g.cpuCum - g.cpuPrev
		g.cpuPrev = g.cpuCum
		var long time.Duration
		for _, d := range g.cpuRing {
			long += d
		}
		cores := float64(max(runtime.GOMAXPROCS(0), 1))
		r.CPUShort = float64(g.cpuRing[slot]) / (float64(guardSample) * cores)
		r.CPULong = float64(long) / (float64(guardSample) * float64(min(g.ring, guardWindow)) * cores)
	}
	was := g.overloaded.Load()
	r.Overloaded = g.decide(now, r)
	g.rate.sample(guardSample, r.Overloaded && !was, !r.Overloaded && r.PacerLong <= exitPacer && r.SchedLong <= exitSched)
	g.lastStore.Store(&r)
}

// decide applies the thresholds (see LoadGuard) with hysteresis.
func (g *LoadGuard) decide(now time.Duration, r GuardReading) bool {
	// Lateness is this process's load only while it is busy; a box whose
	// neighbours make it late with the appliance nearly idle is not helped
	// by refusing calls (the lateness stays), and refusing ends there.
	busy := r.CPUShort < 0 || r.CPUShort >= busyShare || r.CPULong >= busyShare
	hot := busy && (r.PacerShort >= enterPacerShort || r.PacerLong >= enterPacer || r.SchedShort >= enterSched)
	calm := !busy || (r.PacerLong <= exitPacer && r.SchedLong <= exitSched)
	was := g.overloaded.Load()
	if hot {
		g.hotRun++
	} else {
		g.hotRun = 0
	}
	switch {
	case hot && !was && g.hotRun < hotSamples && r.PacerLong < enterPacer:
		return false
	case hot:
		g.calmSince = -1
		if !was {
			g.overloaded.Store(true)
			g.log.Warn("media load guard: refusing new calls", "pacer_p99_short", r.PacerShort, "pacer_p99_long", r.PacerLong,
				"sched_p99_short", r.SchedShort, "sched_p99_long", r.SchedLong)
		}
		return true
	case !was:
		return false
	case !calm:
		g.calmSince = -1
		return true
	case g.calmSince < 0:
		g.calmSince = now
		return true
	case now-g.calmSince >= guardHold:
		g.overloaded.Store(false)
		g.calmSince = -1
		g.log.Info("media load guard: admitting calls again", "pacer_p99_long", r.PacerLong, "sched_p99_long", r.SchedLong)
		return false
	}
	return true
}

// p99 returns the upper edge of the bucket holding the 99th percentile of
// counts, or 0 when fewer than min samples were counted.
func p99(counts []uint64, minN uint64, upper func(int) time.Duration) time.Duration {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 || total < minN {
		return 0
	}
	// Samples at or below the p99, with at least minTail-1 above it: in a
	// short window of a wheel or two (100–200 ticks) the p99 is otherwise
	// the single worst tick, and one hiccup is not the box falling behind.
	want := total - max(total/100, minTail-1)
	var acc uint64
	for i, c := range counts {
		acc += c
		if acc >= want {
			return upper(i)
		}
	}
	return upper(len(counts) - 1)
}
