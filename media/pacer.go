package media

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The pacer sends every session's 20 ms frames from a few shared goroutines
// instead of one ticker per session (voice.md §2.5: per-call tickers reached
// p99 20 ms at 800 calls; one shared tick sent everything in one burst).
//
// Design: one timing wheel per CPU (GOMAXPROCS, at most 8). A wheel has 20
// slots of 1 ms. At Start a session gets the least loaded (wheel, slot) pair,
// so sessions are spread evenly over the 20 ms period and over the CPUs. A
// wheel's goroutine sleeps until epoch+n·1ms on the monotonic clock (absolute
// schedule, no drift), then visits the sessions of every slot whose tick has
// come (catching up at most one revolution when it woke late). A visited
// session works out from its own media clock (start + k·20 ms) how many
// frames are due and sends them; the RTP timestamp is ts0 + k·samples, never
// derived from when the packet actually left.
//
// Slot lists are copy-on-write behind atomic pointers: the hot loop takes no
// pacer lock. A wheel's goroutine exits when its last session leaves and is
// started again by the next Start.
//
// Whoever is running serves an overdue tick. Go's scheduler has no
// priorities: an execution trace of the 600-call bench showed the wheel
// goroutine, woken on time, waiting 1–8 ms for a P behind a GC mark worker
// or on a P whose goroutine had entered a syscall, and ticks whose timer
// only sysmon noticed because both Ps were busy. Meanwhile the RTP readers
// (rxloop_linux.go) kept running: every call's peer sends 50 packets a
// second whatever we do. So a reader, between two batches, serves any
// wheel whose tick is more than helpAfter overdue (helpDue), exactly as the
// wheel's goroutine would have; a wheel is served by one goroutine at a
// time (serving), and the goroutine that comes second finds nothing due.
// A session's own clock says which frames are due, so who sends them
// changes nothing on the wire.

const (
	frameDur   = 20 * time.Millisecond
	slotDur    = time.Millisecond
	wheelSlots = int(frameDur / slotDur)
	// maxBurst is how many due frames a late session sends at once; when more
	// are due, all but the newest are skipped (timestamp still advances).
	maxBurst = 3
	// helpAfter is how overdue a tick must be before a reader serves it
	// instead of the wheel's goroutine, which on a calm box wakes within
	// tens of µs: the readers pay one clock read per batch until then.
	helpAfter = 250 * time.Microsecond
)

// epoch anchors every monotonic reading in this package.
var epoch = time.Now()

// monoNow is the monotonic time since epoch (immune to wall-clock steps).
func monoNow() time.Duration { return time.Since(epoch) }

type wheel struct {
	p       *pacer
	slots   [wheelSlots]atomic.Pointer[[]*Session]
	counts  [wheelSlots]int // guarded by p.mu
	total   int             // guarded by p.mu
	running bool            // guarded by p.mu

	active  atomic.Bool  // running, for helpDue, which takes no pacer lock
	next    atomic.Int64 // the next tick to serve; written with serving held
	serving sync.Mutex   // held while a goroutine serves the wheel's ticks
}

type pacer struct {
	mu     sync.Mutex
	wheels []*wheel
	hist   histogram
	wake   wakeHist
}

var defaultPacer = newPacer(runtime.GOMAXPROCS(0))

func newPacer(n int) *pacer {
	n = min(max(n, 1), 8)
	p := &pacer{}
	for range n {
		w := &wheel{p: p}
		for i := range w.slots {
			empty := []*Session{}
			w.slots[i].Store(&empty)
		}
		p.wheels = append(p.wheels, w)
	}
	return p
}

// add places s on the least loaded slot. begin gets the monotonic time of
// its frame 0, which falls on that slot's tick at least one tick from now,
// and runs (with p.mu held; it may take s.mu) before any wheel can see s:
// a session published first and clocked after was visited, when the
// starting goroutine was descheduled in between, with a zero start, so it
// skipped every frame since the process began and then sent its first two
// frames back to back (a 20 ms deviation at each such call start).
func (p *pacer) add(s *Session, begin func(start time.Duration)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bw *wheel
	bs := 0
	for _, w := range p.wheels {
		for i := range w.counts {
			if bw == nil || w.counts[i] < bw.counts[bs] {
				bw, bs = w, i
			}
		}
	}
	now := monoNow()
	tick := int64((now+slotDur)/slotDur) + 1
	// first tick >= tick whose slot is bs
	r := int(tick % int64(wheelSlots))
	tick += int64((bs - r + wheelSlots) % wheelSlots)
	begin(time.Duration(tick) * slotDur)

	old := *bw.slots[bs].Load()
	nl := make([]*Session, len(old), len(old)+1)
	copy(nl, old)
	nl = append(nl, s)
	bw.slots[bs].Store(&nl)
	bw.counts[bs]++
	bw.total++
	s.wheel, s.slot = bw, bs
	if !bw.running {
		bw.running = true
		bw.serving.Lock() // a helper that saw the last run active may still hold it
		bw.next.Store(int64(now/slotDur) + 1)
		bw.serving.Unlock()
		bw.active.Store(true)
		go bw.run()
	}
}

func (p *pacer) remove(s *Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := s.wheel
	if w == nil {
		return
	}
	old := *w.slots[s.slot].Load()
	nl := make([]*Session, 0, len(old))
	for _, x := range old {
		if x != s {
			nl = append(nl, x)
		}
	}
	if len(nl) == len(old) {
		return
	}
	w.slots[s.slot].Store(&nl)
	w.counts[s.slot]--
	w.total--
	s.wheel = nil
}

// stopIfIdle ends the wheel goroutine when no session is left on it.
func (w *wheel) stopIfIdle() bool {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.total == 0 {
		w.running = false
		w.active.Store(false)
		return true
	}
	return false
}

func (w *wheel) run() {
	idleTicks := 0
	tk := newTicker(time.Duration(w.next.Load()) * slotDur)
	defer tk.stop()
	for {
		if h := testWheelHold.Load(); h != nil {
			(*h)()
		}
		tk.waitUntil(time.Duration(w.next.Load()) * slotDur)
		w.serving.Lock()
		visited, served := w.serveDue()
		w.serving.Unlock()
		if !served {
			continue // a reader served the tick meanwhile (helpDue)
		}
		if visited == 0 {
			idleTicks++
			if idleTicks >= wheelSlots && w.stopIfIdle() {
				return
			}
		} else {
			idleTicks = 0
		}
	}
}

// serveDue visits the sessions of every slot whose tick has come (catching
// up at most one revolution when late) and reports how many it visited and
// whether any tick was due; w.serving held.
func (w *wheel) serveDue() (visited int, served bool) {
	next := w.next.Load()
	woke := monoNow()
	cur := int64(woke / slotDur)
	if next > cur {
		return 0, false
	}
	for t := max(next, cur-int64(wheelSlots)+1); t <= cur; t++ {
		w.p.wake.record(woke - time.Duration(t)*slotDur) // every tick served, late or not
	}
	if cur-next >= int64(wheelSlots) {
		next = cur - int64(wheelSlots) + 1 // one revolution visits everyone
	}
	for ; next <= cur; next++ {
		visited += w.runSlot(int(next % int64(wheelSlots)))
	}
	w.next.Store(next)
	return visited, true
}

// helpDue serves every wheel whose tick is more than helpAfter overdue,
// unless another goroutine is serving it. The RTP readers call it between
// batches, holding no lock.
func (p *pacer) helpDue() {
	lim := int64((monoNow() - helpAfter) / slotDur)
	for _, w := range p.wheels {
		if !w.active.Load() || w.next.Load() > lim || !w.serving.TryLock() {
			continue
		}
		if w.active.Load() {
			w.serveDue()
		}
		w.serving.Unlock()
	}
}

// pacerHelpOff stops the readers from serving overdue pacer ticks
// (helpDue): only tests that show what the help does set it.
var pacerHelpOff atomic.Bool

// testWheelHold, when set, runs in every wheel goroutine before each wait:
// tests block it there to stand for a wheel that gets no CPU.
var testWheelHold atomic.Pointer[func()]

func (w *wheel) runSlot(i int) int {
	list := *w.slots[i].Load()
	for _, s := range list {
		s.tick(&w.p.hist)
	}
	for _, s := range list {
		s.housekeep()
	}
	return len(list)
}

// histogram is a lock-free histogram of send-interval deviation from 20 ms in
// 50 µs buckets up to 100 ms, plus an overflow bucket.
type histogram struct {
	buckets [histBuckets + 1]atomic.Uint64
	count   atomic.Uint64
	max     atomic.Int64
	late    atomic.Uint64
	skipped atomic.Uint64
}

// wakeHist counts how late the wheels served their 1 ms ticks, in coarseRes
// buckets, since the process started: one sample per tick of a running
// wheel (about 1,000 a second per wheel) whatever the number of calls, the
// ticks a late wake catches up included (a starved wheel wakes rarely, and
// the send deviation histogram records nothing for the frames it skips, so
// counting wakes alone would hide the worst lateness). Never reset: the
// load guard (loadguard.go) reads recent windows as differences of two
// snapshots, so the wheels pay one atomic add per wake.
type wakeHist struct {
	counts [coarseBuckets + 1]atomic.Uint64
}

const (
	coarseRes     = 250 * time.Microsecond
	coarseBuckets = int(10 * time.Millisecond / coarseRes)
)

func (h *wakeHist) record(late time.Duration) {
	h.counts[min(max(int(late/coarseRes), 0), coarseBuckets)].Add(1)
}

// snapshot copies the counts into dst.
func (h *wakeHist) snapshot(dst *[coarseBuckets + 1]uint64) {
	for i := range h.counts {
		dst[i] = h.counts[i].Load()
	}
}

const (
	histRes     = 50 * time.Microsecond
	histBuckets = int(100 * time.Millisecond / histRes)
)

func (h *histogram) record(dev time.Duration) {
	if dev < 0 {
		dev = -dev
	}
	i := int(dev / histRes)
	if i > histBuckets {
		i = histBuckets
	}
	h.buckets[i].Add(1)
	h.count.Add(1)
	for {
		m := h.max.Load()
		if int64(dev) <= m || h.max.CompareAndSwap(m, int64(dev)) {
			break
		}
	}
}

func (h *histogram) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.count.Store(0)
	h.max.Store(0)
	h.late.Store(0)
	h.skipped.Store(0)
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	var counts [histBuckets + 1]uint64
	var total uint64
	for i := range h.buckets {
		counts[i] = h.buckets[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	if want >= total {
		want = total - 1
	}
	var acc uint64
	for i, c := range counts {
		acc += c
		if acc > want {
			if i == histBuckets {
				return time.Duration(h.max.Load())
			}
			return time.Duration(i+1) * histRes
		}
	}
	return time.Duration(h.max.Load())
}

// PacerStatistics describes the shared pacer since the process started (or
// the last ResetPacerStats).
type PacerStatistics struct {
	Wheels   int           // timing wheels (one goroutine each while in use)
	Sessions int           // sessions currently paced
	Frames   uint64        // send intervals measured
	Late     uint64        // frames sent more than one frame late (in a burst)
	Skipped  uint64        // frames skipped because more than maxBurst were due
	P50      time.Duration // send-interval deviation from 20 ms (50 µs resolution)
	P99      time.Duration
	P999     time.Duration
	Max      time.Duration
}

// PacerStats reports the shared pacer's send-interval deviation histogram.
func PacerStats() PacerStatistics { return defaultPacer.stats() }

// ResetPacerStats clears the pacer histogram (for load measurements).
func ResetPacerStats() { defaultPacer.hist.reset() }

func (p *pacer) stats() PacerStatistics {
	p.mu.Lock()
	n := 0
	for _, w := range p.wheels {
		n += w.total
	}
	p.mu.Unlock()
	h := &p.hist
	return PacerStatistics{
		Wheels:   len(p.wheels),
		Sessions: n,
		Frames:   h.count.Load(),
		Late:     h.late.Load(),
		Skipped:  h.skipped.Load(),
		P50:      h.quantile(0.50),
		P99:      h.quantile(0.99),
		P999:     h.quantile(0.999),
		Max:      time.Duration(h.max.Load()),
	}
}
