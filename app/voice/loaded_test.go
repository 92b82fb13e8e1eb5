package voice

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/mediatest"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

// loadPeers checks the real peers the load tests need and raises the
// open-files limit.
func loadPeers(t *testing.T) string {
	t.Helper()
	sippBin := siptest.RequireTool(t, "sipp", "sip-tester")
	siptest.RequireTool(t, "espeak-ng", "espeak-ng")
	if _, err := os.Stat(dtmfPcap); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("%s: %v (apt-get install -y sip-tester)", dtmfPcap, err)
		}
		t.Skipf("%s: %v (apt-get install -y sip-tester)", dtmfPcap, err)
	}
	raiseNoFile(t)
	return sippBin
}

// TestDigitsOnLoadedBox: 50 sipp calls into the gather → split flow, each
// pressing 1 by RFC 4733 (sipp plays dtmf_2833_1.pcap: start, updates and
// three end packets), while CPU burners keep every core busy. Every call's
// execution must take the keypress branch: no digit is lost however late
// the box runs.
func TestDigitsOnLoadedBox(t *testing.T) {
	b := newBench(t, loadPeers(t))
	defer os.RemoveAll(b.outDir)
	w := b.cps(t, 1, time.Second, "warm-up") // synthesises and caches the prompts
	require.Zero(t, w.failed, "warm-up call failed; log: %s", b.logPath)

	const calls = 50
	stop := mediatest.BurnCPU(t, 2*runtime.GOMAXPROCS(0))
	flowSID := b.newFlow(t)
	media.ResetPacerStats()
	s := b.startSipp(t, flowSID, 1500, 500, 25, calls, calls, 40*time.Second)
	ok, failed := s.wait(t)
	stop()
	b.settle(t)
	execs, keyed := b.digits(t, flowSID)
	p := media.PacerStats()
	t.Logf("%d calls under %d burners: %d ok, %d failed; %d executions, %d took the key; pacer p99 %v, late %d, skipped %d",
		calls, 2*runtime.GOMAXPROCS(0), ok, failed, execs, keyed, p.P99, p.Late, p.Skipped)
	require.Equal(t, calls, ok+failed, "sipp calls")
	require.Equal(t, ok, execs, "executions of the calls sipp completed")
	require.Equal(t, execs, keyed, "executions that lost the key press")
	require.GreaterOrEqual(t, ok, calls*9/10, "calls completed under load (log %s)", b.logPath)
}

// TestAdmissionFlood: 100 calls in progress (the gather → split flow, media
// both ways: sipp echoes every RTP packet), then a flood of new INVITEs at
// 200 a second (SWITCHBOARD_FLOOD_CPS), whose refused callers ACK the 503
// as RFC 3261 asks (flood_call.xml). The appliance's admission (the load
// guard and its learned rate, refusing statelessly in sip/admit.go) must
// refuse part of the flood with 503 and Retry-After, every one of the 100
// must complete and take its key press, and the pacing p99 over the flood
// must stay ≤ 3 ms (issue 15), judged when the box was quiet before the
// flood (the baseline, below). The pacer's histogram counts every call's
// frames, the flood calls' too: stricter than the 100 alone.
//
// It is the one timed assertion in the tests, so make test runs it alone
// on the box, after the parallel unit tests (the load-test target);
// SWITCHBOARD_FLOOD_NO_GUARD=1 measures without admission (then nothing
// is refused and the bar is not asserted).
func TestAdmissionFlood(t *testing.T) {
	if raceDetector {
		t.Skip("its bar is timing, which -race slows several times over: run it without -race (make load-test)")
	}
	sippBin := loadPeers(t)
	guard := media.NewLoadGuard(nil)
	gctx, gcancel := context.WithCancel(context.Background())
	gdone := make(chan struct{})
	go func() { defer close(gdone); guard.Run(gctx) }()
	t.Cleanup(func() { gcancel(); <-gdone })
	// The guard is armed once the 100 are up: how they got there is not
	// this test's subject, and a CI box busy with other processes may
	// rightly refuse some of the ramp.
	var armed atomic.Bool
	b := newBenchWith(t, sippBin, func(c *sip.Config) {
		c.Overloaded = func() bool { return armed.Load() && guard.Overloaded() }
		c.Admit = armedRate{guard: guard, armed: &armed}
		c.RetryAfter = 5 * time.Second
	})
	defer os.RemoveAll(b.outDir)
	w := b.cps(t, 1, time.Second, "warm-up")
	require.Zero(t, w.failed, "warm-up call failed; log: %s", b.logPath)

	// The 100: ramp at 50 a second; each hears 2 s of prompt, presses 1
	// and stays on the line (the flow keeps talking) until well after the
	// flood.
	const calls = 100
	floodCPS := 200
	if v, err := strconv.Atoi(os.Getenv("SWITCHBOARD_FLOOD_CPS")); err == nil {
		floodCPS = v
	}
	noGuard := os.Getenv("SWITCHBOARD_FLOOD_NO_GUARD") == "1" // for comparison runs (then nothing is refused)
	inProgress := b.newFlow(t)
	hundred := b.startSipp(t, inProgress, 2000, 25000, 50, calls, calls, 60*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for b.srv.ActiveCalls() < calls && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, calls, b.srv.ActiveCalls(), "calls up before the flood (guard %+v)", guard.Reading())
	// Baseline: the 100 calls' own pacing past their setup, until the
	// guard admits (it may still hold from the ramp). A baseline already
	// past half the budget means the box is not quiet (other processes, a
	// shared CI host's neighbours), and no admission can keep a budget the
	// box breaks with no flood at all: measure again, up to 4 times, for a
	// quiet moment (the 100 stay on the line 25 s). Without one, the flood
	// still runs and every call, refusal and digit is still checked, but
	// the flood's timing is not judged (the log says so).
	time.Sleep(2500 * time.Millisecond)
	for i := 0; guard.Overloaded() && i < 100; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	const quietBar = 1500 * time.Microsecond
	var before media.PacerStatistics
	for try := 0; try < 4; try++ {
		media.ResetPacerStats()
		time.Sleep(2 * time.Second)
		before = media.PacerStats()
		if before.P99 <= quietBar {
			break
		}
		t.Logf("baseline p99 %v > %v: the box is not quiet; measuring again", before.P99, quietBar)
	}

	armed.Store(!noGuard)
	media.ResetPacerStats()
	flood := b.startScenario(t, "flood_call.xml", b.newFlow(t), 300, 500, floodCPS, 2000, 5*floodCPS, 30*time.Second)
	floodOK, floodFailed := flood.wait(t)
	during := media.PacerStats()
	dropped := b.srv.Dropped()
	refused := dropped[sip.DropOverload] + dropped[sip.DropAdmitRate]

	ok, failed := hundred.wait(t)
	b.settle(t)
	execs, keyed := b.digits(t, inProgress)
	t.Logf("before the flood: p99 %v p999 %v (%d frames); during: p99 %v p999 %v max %v (%d frames, late %d, skipped %d)",
		before.P99, before.P999, before.Frames, during.P99, during.P999, during.Max, during.Frames, during.Late, during.Skipped)
	t.Logf("flood: %d admitted and completed, %d failed, %d refused 503 (%d overload, %d admission_rate; learned rate now %.1f/s); the 100: %d ok, %d failed, %d executions, %d keyed",
		floodOK, floodFailed, refused, dropped[sip.DropOverload], dropped[sip.DropAdmitRate], guard.AdmitRate(), ok, failed, execs, keyed)

	require.True(t, noGuard || refused > 0, "no INVITE of the flood was refused (guard %+v)", guard.Reading())
	require.Equal(t, calls, ok, "the 100 calls in progress completed (log %s)", b.logPath)
	require.Equal(t, calls, execs)
	require.Equal(t, calls, keyed, "the 100 calls' key presses")
	switch {
	case noGuard:
	case before.P99 > quietBar:
		t.Logf("TIMING NOT JUDGED: the box was not quiet before the flood (baseline p99 %v > %v in 4 tries); during it p99 %v", before.P99, quietBar, during.P99)
	default:
		require.LessOrEqual(t, during.P99, 3*time.Millisecond,
			"pacing p99 during the flood (before it: %v): this test must run alone, without -race", before.P99)
	}
}

// armedRate is the guard's learned rate once the test arms admission.
type armedRate struct {
	guard *media.LoadGuard
	armed *atomic.Bool
}

func (r armedRate) TakeCall() bool     { return !r.armed.Load() || r.guard.TakeCall() }
func (r armedRate) AdmitRate() float64 { return r.guard.AdmitRate() }

// TestKeyBeforeTheACK: callers press 1 (RFC 4733) as soon as the 200 OK
// reaches them, as the appliance sees a quick caller whose ACK it handles
// late on a loaded box:
//   - key_before_ack.xml sends the ACK 300 ms after the key: the answerer
//     must take media once it has sent its answer (RFC 3264 §5.1); with the
//     media started only once the ACK had come, the key was dropped as RTP
//     from nowhere;
//   - bye_before_ack.xml hangs up 300 ms after the key, its BYE ahead of its
//     ACK: the call was answered and the flow must hear the key, then the
//     hang-up; it used to count as never answered, its key unread;
//   - bye_before_info.xml presses 1 as SIP INFO 200 ms after the ACK and
//     hangs up at once, the BYE reaching the appliance 50 ms before the
//     INFO (reordered on the way, or the INFO's goroutine run late): the
//     BYE is handled only after the requests numbered before it (sip
//     reqorder.go), so the key is queued ahead of the hang-up.
//
// Every execution must take the key press.
func TestKeyBeforeTheACK(t *testing.T) {
	b := newBench(t, loadPeers(t))
	defer os.RemoveAll(b.outDir)
	w := b.cps(t, 1, time.Second, "warm-up") // synthesises and caches the prompts
	require.Zero(t, w.failed, "warm-up call failed; log: %s", b.logPath)

	for _, scenario := range []string{"key_before_ack.xml", "bye_before_ack.xml", "bye_before_info.xml"} {
		t.Run(strings.TrimSuffix(scenario, ".xml"), func(t *testing.T) {
			const calls = 5
			flowSID := b.newFlow(t)
			s := b.startScenario(t, scenario, flowSID, 0, 500, 5, calls, calls, 30*time.Second)
			ok, failed := s.wait(t)
			b.settle(t)
			execs, keyed := b.digits(t, flowSID)
			t.Logf("%d calls: %d ok, %d failed; %d executions, %d took the key", calls, ok, failed, execs, keyed)
			require.Equal(t, calls, ok, "calls completed (log %s)", b.logPath)
			require.Equal(t, calls, execs, "executions")
			require.Equal(t, execs, keyed, "executions that lost the key sent before the ACK")
		})
	}
}
