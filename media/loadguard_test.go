package media

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/mediatest"
)

func quietGuard() *LoadGuard { return NewLoadGuard(slog.New(slog.NewTextHandler(io.Discard, nil))) }

// pacerCounts is a cumulative coarse histogram with n frames at dev.
func pacerCounts(prev *[coarseBuckets + 1]uint64, n uint64, dev time.Duration) *[coarseBuckets + 1]uint64 {
	c := *prev
	c[min(int(dev/coarseRes), coarseBuckets)] += n
	return &c
}

func TestLoadGuardDecides(t *testing.T) {
	type step struct {
		frames uint64
		dev    time.Duration
		want   bool
		calm   uint64 // more ticks in the same sample, on time
	}
	hiccup := func(late uint64, want bool) step { // a 100-tick sample (one wheel) with a few late ticks
		return step{late, 5 * time.Millisecond, want, 100 - late}
	}
	calm := func(n int) []step {
		s := make([]step, n)
		for i := range s {
			s[i] = step{1000, 100 * time.Microsecond, false, 0}
		}
		return s
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"idle box admits", calm(30)},
		{"too few ticks to judge", []step{{5, 5 * time.Millisecond, false, 0}, {5, 5 * time.Millisecond, false, 0}}},
		// 30 late ticks: the short window's p99, well under 1 % of the long one.
		{"one late short window is not a trend", append(append(calm(10), step{30, enterPacerShort, false, 0}), step{1000, 100 * time.Microsecond, false, 0})},
		{"two late short windows refuse", append(calm(10), step{30, enterPacerShort, false, 0}, step{30, enterPacerShort, true, 0})},
		// 100 ms of late ticks are 10 % of the long window: its p99 is late
		// at once (a trend by itself).
		{"late ticks refuse through the long window", append(calm(10), step{1000, enterPacer, true, 0})},
		{"just under the thresholds admits", append(calm(10), step{1000, enterPacer - coarseRes - time.Microsecond, false, 0})},
		{"a few late ticks in a second admit", append(calm(10), step{5, 9 * time.Millisecond, false, 0})},
		// A hiccup of the wheel (a GC pause, the box busy elsewhere for a
		// few ms) makes two late ticks: not the box falling behind, however
		// often it repeats, until the tail holds three.
		{"two late ticks in each short window admit", append(calm(10), hiccup(2, false), hiccup(2, false), hiccup(2, false))},
		{"three late ticks in two short windows refuse", append(calm(10), hiccup(3, false), hiccup(3, true))},
		// Calls just began (or the guard just started): the long window
		// spans one sample, which is a short window and needs a second.
		{"a long window of one sample is not a trend", []step{{1000, enterPacer, false, 0}, {1000, enterPacer, false, 0}, {1000, enterPacerShort, false, 0}, {1000, enterPacerShort, true, 0}}},
		{"a long window of half its samples refuses by itself", []step{{1000, enterPacer, false, 0}, {1000, enterPacer, false, 0}, {1000, enterPacer, false, 0}, {1000, enterPacer, false, 0}, {1000, enterPacer, true, 0}}},
		{"idle wheels do not count towards the long window", append([]step{{0, 0, false, 0}, {0, 0, false, 0}, {0, 0, false, 0}, {0, 0, false, 0}}, step{1000, enterPacer, false, 0})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := quietGuard()
			var cum [coarseBuckets + 1]uint64
			now := time.Duration(0)
			for i, s := range tc.steps {
				cum = *pacerCounts(&cum, s.frames, s.dev)
				cum = *pacerCounts(&cum, s.calm, 100*time.Microsecond)
				now += guardSample
				g.sample(now, &cum, nil)
				if got := g.Overloaded(); got != s.want {
					t.Fatalf("step %d (%d frames at %v): overloaded %v, want %v (%+v)", i, s.frames, s.dev, got, s.want, g.Reading())
				}
			}
		})
	}
}

// TestLoadGuardHysteresis: once refusing, the guard admits again only after
// the long window has been calm for guardHold, not on the first calm sample.
func TestLoadGuardHysteresis(t *testing.T) {
	g := quietGuard()
	var cum [coarseBuckets + 1]uint64
	now := time.Duration(0)
	feed := func(dev time.Duration) bool {
		cum = *pacerCounts(&cum, 1000, dev)
		now += guardSample
		g.sample(now, &cum, nil)
		return g.Overloaded()
	}
	for range 5 {
		feed(100 * time.Microsecond)
	}
	feed(enterPacerShort)
	if !feed(enterPacerShort) {
		t.Fatal("late frames did not refuse")
	}
	calmAt := time.Duration(-1)
	for i := range 60 {
		if !feed(100 * time.Microsecond) {
			calmAt = time.Duration(i+1) * guardSample
			break
		}
	}
	// The late samples leave the 1 s window after guardWindow-1 samples;
	// then guardHold more must pass.
	if min := guardHold + (guardWindow-1)*guardSample; calmAt < min || calmAt > min+3*guardSample {
		t.Fatalf("admitted again after %v of calm, want about %v", calmAt, min)
	}
}

// TestLoadGuardIdleBoxAdmits runs the real guard beside 40 paced sessions
// and nothing else: it must not refuse while the calls' own pacing is fine.
// A shared CI box can be busy with other processes; when the guard refused,
// the sessions' own send-deviation p99 over the same period (PacerStats,
// a measurement independent of the guard's) must show the calls were
// indeed late, else the guard refused an idle box.
func TestLoadGuardIdleBoxAdmits(t *testing.T) {
	p := testPool(t, 40)
	for range 20 {
		a, b := openSession(t, p), openSession(t, p)
		must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
		must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
		a.SetIdle(true)
		b.SetIdle(true)
	}
	time.Sleep(3 * guardSample) // past the sessions' start
	ResetPacerStats()
	g := quietGuard()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.Run(ctx) }()
	defer func() { cancel(); <-done }()
	refused := 0
	var at GuardReading
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		if g.Overloaded() && refused == 0 {
			at = g.Reading()
		}
		if g.Overloaded() {
			refused++
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := PacerStats()
	t.Logf("guard %+v; sessions' send deviation p99 %v, p999 %v, max %v", g.Reading(), st.P99, st.P999, st.Max)
	if refused > 0 && st.P99 < enterPacer && st.P999 < enterPacerShort {
		t.Fatalf("refused %d polls (first at %+v) while the calls' own pacing was fine: p99 %v, p999 %v", refused, at, st.P99, st.P999)
	}
}

// TestLoadGuardRefusesUnderBurners loads every core with CPU burners beside
// paced sessions: the guard must start refusing, and admit again once the
// burners stop.
func TestLoadGuardRefusesUnderBurners(t *testing.T) {
	p := testPool(t, 40)
	for range 20 {
		a, b := openSession(t, p), openSession(t, p)
		must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
		must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
		a.SetIdle(true)
		b.SetIdle(true)
	}
	g := quietGuard()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(3 * guardSample)
	stop := mediatest.BurnCPU(t, 4*runtime.GOMAXPROCS(0))
	waitUntil(t, 10*time.Second, "refusing under burners", g.Overloaded)
	t.Logf("loaded: %+v", g.Reading())
	stop()
	// Admitting again needs a calm box; a shared CI box may stay busy with
	// other processes, which the sessions' own pacing then shows.
	ResetPacerStats()
	deadline := time.Now().Add(10 * time.Second)
	for g.Overloaded() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if st := PacerStats(); g.Overloaded() && st.P99 < enterPacer && st.P999 < enterPacerShort {
		t.Fatalf("still refusing 10 s after the burners stopped (%+v) while the calls' own pacing was fine: p99 %v, p999 %v", g.Reading(), st.P99, st.P999)
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLoadGuardBusyGate: late ticks while the process itself is nearly idle
// are the box's neighbours, which refusing calls cannot help: the guard
// admits. The same lateness with the process busy refuses, and when the
// process goes idle again (its calls refused) the guard admits again after
// its hold even though the ticks stay late.
func TestLoadGuardBusyGate(t *testing.T) {
	g := quietGuard()
	g.haveCPU = true
	var cum [coarseBuckets + 1]uint64
	now := time.Duration(0)
	cores := time.Duration(runtime.GOMAXPROCS(0))
	feed := func(share float64) bool {
		cum = *pacerCounts(&cum, 1000, enterPacerShort)
		g.cpuCum += time.Duration(share * float64(guardSample*cores))
		now += guardSample
		g.sample(now, &cum, nil)
		return g.Overloaded()
	}
	for i := range 20 {
		if feed(0.05) {
			t.Fatalf("sample %d: refused late ticks while the process used 5%% of its cores (%+v)", i, g.Reading())
		}
	}
	refusedAt := -1
	for i := range 5 {
		if feed(0.6) {
			refusedAt = i
			break
		}
	}
	if refusedAt < 0 || refusedAt > 1 {
		t.Fatalf("busy and late: refused at sample %d, want within 2 (%+v)", refusedAt, g.Reading())
	}
	admitted := time.Duration(-1)
	for i := range 60 {
		if !feed(0.05) {
			admitted = time.Duration(i+1) * guardSample
			break
		}
	}
	// The long CPU window falls under busyShare within a few samples; then
	// guardHold more must pass.
	if admitted < guardHold || admitted > guardHold+guardWindow*guardSample {
		t.Fatalf("admitted again after %v of an idle process, want between %v and %v (%+v)", admitted, guardHold, guardHold+guardWindow*guardSample, g.Reading())
	}
}
