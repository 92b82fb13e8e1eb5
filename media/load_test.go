package media

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad is the pacing load tool. It is skipped unless MEDIA_LOAD lists
// session counts, e.g.
//
//	MEDIA_LOAD=200,600,1000 MEDIA_LOAD_SECONDS=10 go test -run TestLoad -v -timeout 10m ./media/
//
// For each N (even) it opens N sessions on loopback in pairs that talk to
// each other (symmetric RTP, so every session also receives 50 packets/s
// through the receive path and an audio tap), plays a long prompt on all of them, and
// after a 2 s ramp measures for T seconds: CPU % of one core from
// /proc/self/stat, the pacer's send-interval deviation, allocations per
// packet (every allocation in the process divided by packets sent) and RSS
// per session (VmRSS growth over the idle baseline / N).
//
// MEDIA_LOAD_GARBAGE_MB=40 keeps a pointer-rich heap of that size and
// replaces it at ~50 MB/s, so GC cycles and their mark workers run during
// the window as they do in the appliance. MEDIA_LOAD_HELP=0 turns off the
// RTP readers' help to the pacer (pacer.go, helpDue); MEDIA_LOAD_HELP=alt
// turns it off and on every half second and prints the send deviation of
// each mode, so that whatever else the box does falls on both alike.
func TestLoad(t *testing.T) {
	spec := os.Getenv("MEDIA_LOAD")
	if spec == "" {
		t.Skip("set MEDIA_LOAD=200,600,1000 (and MEDIA_LOAD_SECONDS) to run the load tool")
	}
	secs := 10
	if os.Getenv("MEDIA_LOAD_HELP") == "0" { // the wheels alone, without the readers' help (pacer.go)
		pacerHelpOff.Store(true)
		defer pacerHelpOff.Store(false)
	}
	if v, err := strconv.Atoi(os.Getenv("MEDIA_LOAD_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	var rows []string
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 || n%2 != 0 {
			t.Fatalf("bad MEDIA_LOAD entry %q", f)
		}
		rows = append(rows, runLoad(t, n, time.Duration(secs)*time.Second))
	}
	fmt.Printf("\nGOMAXPROCS=%d, %d s per row, pairs of sessions on loopback (each sends and receives 50 pps)\n", runtime.GOMAXPROCS(0), secs)
	fmt.Println("| sessions | CPU % of one core | p50 / p99 / p999 / max send-interval deviation | late / skipped frames | allocs per packet | RSS per session | packets sent / received |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

func runLoad(t *testing.T, n int, dur time.Duration) string {
	runtime.GC()
	rss0 := vmRSS()
	pool := NewPortPool(loopback, 30000, 30000+2*n+200)
	ss := make([]*Session, n)
	for i := range ss {
		s, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		ss[i] = s
	}
	var received atomic.Uint64
	for i, s := range ss {
		s.SetAudioHandler(func(pt uint8, ts uint32, payload []byte) { received.Add(1) })
		if err := s.Start(ss[i^1].LocalAddr(), 0, 8000, 101); err != nil {
			t.Fatal(err)
		}
	}
	frame := make([]byte, 160)
	for i := range frame {
		frame[i] = byte(i)
	}
	prompt := make([][]byte, int((dur+10*time.Second)/frameDur))
	for i := range prompt {
		prompt[i] = frame
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Play(ctx, prompt) }()
	}
	if mb, _ := strconv.Atoi(os.Getenv("MEDIA_LOAD_GARBAGE_MB")); mb > 0 {
		// A heap like the appliance's (pointer-rich, mb MB live) replaced
		// slowly, so GC cycles (and their mark workers) run during the window.
		type node struct {
			next *node
			pad  [6]*int
			buf  [64]byte
		}
		live := make([]*node, mb*1024*1024/128)
		gctx, gstop := context.WithCancel(ctx)
		defer gstop()
		go func() {
			tk := time.NewTicker(time.Millisecond)
			defer tk.Stop()
			for i := 0; ; i++ {
				select {
				case <-gctx.Done():
					return
				case <-tk.C:
				}
				for j := range 400 { // ~50 MB/s
					k := (i*400 + j) % len(live)
					live[k] = &node{next: live[(k+1)%len(live)]}
				}
			}
		}()
	}
	time.Sleep(2 * time.Second) // ramp

	ResetPacerStats()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	sent0, recv0 := totalSent(ss), received.Load()
	cpu0, wall0 := cpuTicks(), time.Now()
	if os.Getenv("MEDIA_LOAD_HELP") == "alt" {
		alternateHelp(t, dur)
	} else {
		time.Sleep(dur)
	}
	cpu1, wall := cpuTicks(), time.Since(wall0)
	sent1, recv1 := totalSent(ss), received.Load()
	runtime.ReadMemStats(&ms1)
	ps := PacerStats()
	rss1 := vmRSS()

	cancel()
	wg.Wait()
	for _, s := range ss {
		_ = s.Close()
	}
	packets := sent1 - sent0
	cpu := float64(cpu1-cpu0) / 100 / wall.Seconds() * 100 // CLK_TCK = 100
	allocs := float64(ms1.Mallocs-ms0.Mallocs) / float64(max(packets, 1))
	rssPer := float64(rss1-rss0) / float64(n)
	return fmt.Sprintf("| %d | %.0f %% | %s / %s / %s / %s | %d / %d | %.3f | %.0f KB | %d / %d |",
		n, cpu, fmtMs(ps.P50), fmtMs(ps.P99), fmtMs(ps.P999), fmtMs(ps.Max), ps.Late, ps.Skipped,
		allocs, rssPer, packets, recv1-recv0)
}

func fmtMs(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func totalSent(ss []*Session) uint64 {
	var n uint64
	for _, s := range ss {
		s.mu.Lock()
		n += s.sentPackets
		s.mu.Unlock()
	}
	return n
}

// cpuTicks is utime+stime of this process in clock ticks.
func cpuTicks() uint64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+2:]
	f := strings.Fields(s)
	// fields after the command: state is f[0], utime is field 14 => f[11]
	u, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return u + st
}

// vmRSS is the resident set in KB.
func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	return 0
}

// alternateHelp runs the window in half-second turns, the readers' help to
// the pacer (pacer.go, helpDue) off and on in turn, and logs the send
// deviation of each mode: whatever else the box does falls on both alike.
func alternateHelp(t *testing.T, dur time.Duration) {
	defer pacerHelpOff.Store(false)
	var by [2][histBuckets + 1]uint64
	var late, skipped [2]uint64
	h := &defaultPacer.hist
	for i := 0; time.Duration(i)*500*time.Millisecond < dur; i++ {
		mode := i % 2 // 0: help off, 1: on
		pacerHelpOff.Store(mode == 0)
		var b0 [histBuckets + 1]uint64
		for k := range b0 {
			b0[k] = h.buckets[k].Load()
		}
		l0, s0 := h.late.Load(), h.skipped.Load()
		time.Sleep(500 * time.Millisecond)
		for k := range b0 {
			by[mode][k] += h.buckets[k].Load() - b0[k]
		}
		late[mode] += h.late.Load() - l0
		skipped[mode] += h.skipped.Load() - s0
	}
	q := func(c *[histBuckets + 1]uint64, p float64) string {
		var total, acc uint64
		for _, n := range c {
			total += n
		}
		for k, n := range c {
			acc += n
			if total > 0 && acc > uint64(p*float64(total)) {
				return fmtMs(time.Duration(k+1) * histRes)
			}
		}
		return "—"
	}
	for mode, name := range []string{"wheels alone", "readers help"} {
		fmt.Printf("| %s | %s / %s / %s | %d / %d |\n", name, q(&by[mode], .5), q(&by[mode], .99), q(&by[mode], .999), late[mode], skipped[mode])
	}
}
