package media

import (
	"context"
	"encoding/binary"
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

// TestBridgeLoad is the bridge load tool. It is skipped unless BRIDGE_LOAD
// lists bridge counts, e.g.
//
//	BRIDGE_LOAD=50,200,500 BRIDGE_LOAD_SECONDS=10 go test -run TestBridgeLoad -v -timeout 10m ./media/
//
// For each N it opens N bridges on loopback. A bridge is two legs (the
// sessions under test, bridged) and two phones (sessions of the same
// package playing a prompt of 20 ms frames into their leg and receiving
// what the other phone sent), so every leg receives and relays 50 packets/s
// each way. After a 2 s ramp it measures for T seconds: relay latency (a
// packet's read on one leg to its write on the other), end-to-end latency
// (a phone's scheduled send time to the other phone's receive, so pacer
// lateness, two loopback hops and both receive goroutines' scheduling are
// in it), CPU % of one core for the whole process (phones included; with
// BRIDGE_LOAD_BASELINE=1 a row of the phones talking directly, no bridge,
// is added to show their share), allocations per relayed packet and RSS
// per bridge. BRIDGE_LOAD_TRANSCODE=1 makes the far-end legs A-law;
// BRIDGE_LOAD_READERS=session reads each socket on a goroutine of its own
// (the path before the shared readers, for comparison).
func TestBridgeLoad(t *testing.T) {
	spec := os.Getenv("BRIDGE_LOAD")
	if spec == "" {
		t.Skip("set BRIDGE_LOAD=50,200,500 (and BRIDGE_LOAD_SECONDS) to run the bridge load tool")
	}
	secs := 10
	if v, err := strconv.Atoi(os.Getenv("BRIDGE_LOAD_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	transcode := os.Getenv("BRIDGE_LOAD_TRANSCODE") == "1"
	if os.Getenv("BRIDGE_LOAD_READERS") == "session" {
		old := sharedReaders
		sharedReaders = false
		defer func() { sharedReaders = old }()
	}
	var rows []string
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("bad BRIDGE_LOAD entry %q", f)
		}
		if os.Getenv("BRIDGE_LOAD_BASELINE") == "1" {
			rows = append(rows, runBridgeLoad(t, n, time.Duration(secs)*time.Second, false, transcode))
		}
		rows = append(rows, runBridgeLoad(t, n, time.Duration(secs)*time.Second, true, transcode))
	}
	fmt.Printf("\nGOMAXPROCS=%d, %d s per row, transcode=%v, shared readers=%v\n", runtime.GOMAXPROCS(0), secs, transcode, sharedReaders)
	fmt.Println("| bridges | mode | relay p50 / p99 / p999 / max | end-to-end p50 / p99 / max | CPU % of one core (per bridge) | allocs per relayed packet | RSS per bridge | relayed / resyncs / fills | datagrams per recvmmsg |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

func runBridgeLoad(t *testing.T, n int, dur time.Duration, bridged, transcode bool) string {
	runtime.GC()
	rss0 := vmRSS()
	pool := NewPortPool(loopback, 24000, 24000+8*n+400)
	open := func() *Session {
		s, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	type call struct {
		a, b, pa, pb *Session
		tsOffAB      atomic.Uint32 // the a→b relay's timestamp offset, once known
		ready        atomic.Bool
	}
	calls := make([]*call, n)
	var e2e histogram
	ptB := uint8(0)
	if transcode {
		ptB = 8
	}
	for i := range calls {
		c := &call{pa: open(), pb: open()}
		if bridged {
			c.a, c.b = open(), open()
			must(t, c.a.Start(c.pa.LocalAddr(), 0, 8000, 101))
			must(t, c.b.Start(c.pb.LocalAddr(), ptB, 8000, 101))
			must(t, c.pa.Start(c.a.LocalAddr(), 0, 8000, 101))
			must(t, c.pb.Start(c.b.LocalAddr(), ptB, 8000, 101))
		} else {
			must(t, c.pa.Start(c.pb.LocalAddr(), 0, 8000, 101))
			must(t, c.pb.Start(c.pa.LocalAddr(), 0, 8000, 101))
		}
		// pb hears pa: from the relayed timestamp, work out which of pa's
		// frames it is and when pa's pacer was due to send it.
		c.pb.SetAudioHandler(func(_ uint8, ts uint32, _ []byte) {
			now := monoNow()
			off := uint32(0)
			if bridged {
				if !c.ready.Load() {
					return
				}
				off = c.tsOffAB.Load()
			}
			idx := int64(int32(ts-off-c.pa.ts0)) / 160
			e2e.record(now - (c.pa.start + time.Duration(idx)*frameDur))
		})
		calls[i] = c
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if bridged {
		for _, c := range calls {
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = Bridge(ctx, c.a, c.b, BridgeOptions{}) }()
		}
	}
	frames := make([][]byte, int((dur+10*time.Second)/frameDur))
	for i := range frames {
		f := make([]byte, 160)
		for j := range f {
			f[j] = byte(0x10 + j%64)
		}
		binary.BigEndian.PutUint32(f, uint32(i))
		frames[i] = f
	}
	for _, c := range calls {
		for _, s := range []*Session{c.pa, c.pb} {
			wg.Add(1)
			go func() { defer wg.Done(); _ = s.Play(ctx, frames) }()
		}
	}
	time.Sleep(2 * time.Second) // ramp
	if bridged {
		for _, c := range calls {
			r := c.a.relayOut.Load()
			if r == nil {
				t.Fatal("bridge not running")
			}
			c.b.mu.Lock()
			c.tsOffAB.Store(r.tsOff)
			ok := r.synced
			c.b.mu.Unlock()
			c.ready.Store(ok)
		}
	}
	ResetPacerStats()
	ResetRelayStats()
	e2e.reset()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	relay0, rs0, fill0 := relayCounts(calls, func(c *call) (*Session, *Session) { return c.a, c.b })
	reads0, dgrams0 := rxTallies()
	cpu0, wall0 := cpuTicks(), time.Now()
	time.Sleep(dur)
	cpu1, wall := cpuTicks(), time.Since(wall0)
	relay1, rs1, fill1 := relayCounts(calls, func(c *call) (*Session, *Session) { return c.a, c.b })
	reads1, dgrams1 := rxTallies()
	runtime.ReadMemStats(&ms1)
	rs := RelayStats()
	rss1 := vmRSS()
	cancel()
	wg.Wait()
	for _, c := range calls {
		for _, s := range []*Session{c.a, c.b, c.pa, c.pb} {
			if s != nil {
				_ = s.Close()
			}
		}
	}
	cpu := float64(cpu1-cpu0) / 100 / wall.Seconds() * 100
	mode := "phones only"
	relayCol, allocCol := "–", "–"
	if bridged {
		mode = "bridged"
		relayCol = fmt.Sprintf("%s / %s / %s / %s", fmtMs(rs.P50), fmtMs(rs.P99), fmtMs(rs.P999), fmtMs(rs.Max))
		allocCol = fmt.Sprintf("%.3f", float64(ms1.Mallocs-ms0.Mallocs)/float64(max(relay1-relay0, 1)))
	}
	return fmt.Sprintf("| %d | %s | %s | %s / %s / %s | %.0f %% (%.2f %%) | %s | %.0f KB | %d / %d / %d | %.2f |",
		n, mode, relayCol, fmtMs(e2e.quantile(0.5)), fmtMs(e2e.quantile(0.99)), fmtMs(time.Duration(e2e.max.Load())),
		cpu, cpu/float64(n), allocCol, float64(rss1-rss0)/float64(n), relay1-relay0, rs1-rs0, fill1-fill0,
		float64(dgrams1-dgrams0)/float64(max(reads1-reads0, 1)))
}

// relayCounts sums relayed packets, resyncs and fills of every bridge.
func relayCounts[C any](calls []C, legs func(C) (*Session, *Session)) (pkts, resyncs, fills uint64) {
	for _, c := range calls {
		a, b := legs(c)
		for _, s := range []*Session{a, b} {
			if s == nil {
				continue
			}
			if r := s.relayOut.Load(); r != nil {
				pkts += r.packets.Load()
				resyncs += r.resyncs.Load()
				fills += r.fills.Load()
			}
		}
	}
	return
}
