package voice

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

// bridgeBenchDef puts every caller through to one number behind the trunk;
// the caller hanging up ends the flow (connect.hangup).
const bridgeBenchDef = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "connect"}]},
  {"name": "connect", "type": "connect-call-to", "properties": {"noun": "number", "to": "+15550002222", "timeout": 20, "caller_id": "{{contact.channel.address}}"},
   "transitions": [{"event": "callCompleted"}, {"event": "hangup"}]}]}`

const bridgeBenchTrunk = "TK0000000000000000000000000000be0c"

// TestBenchBridgedCalls is the bridged-call half of `make bench-voice`:
// the voice stack in this process (store, runner, voice service, SIP
// server, RTP ports) with a flow Trigger → connect-call-to a number; the
// number goes out through an IP trunk to a sipp far end on loopback that
// answers and streams PCMU; a sipp caller places N calls at a rate, each
// streaming PCMU for its whole life, so every bridge relays 50 packets/s
// each way. It only runs with SWITCHBOARD_BENCH_BRIDGE=1:
//
//	SWITCHBOARD_BENCH_BRIDGE=1 go test ./app/voice -run TestBenchBridgedCalls -v -timeout 30m
//
// Knobs (environment): SWITCHBOARD_BENCH_BRIDGE_CALLS (rows, default
// 50,200,500), SWITCHBOARD_BENCH_BRIDGE_HOLD (measured plateau, default
// 20s), SWITCHBOARD_BENCH_BRIDGE_CPS (ramp rate, default 100),
// SWITCHBOARD_BENCH_BRIDGE_RUNS (runs per row, default 3).
//
// Relay latency is media.RelayStats: a packet's arrival on one leg (kernel
// receive timestamp) to its write on the other, over every packet relayed
// in the plateau. Relayed ÷ expected compares that count with 50
// packets/s × 2 directions × bridges up × plateau: both directions flowing
// without loss is 100 %.
func TestBenchBridgedCalls(t *testing.T) {
	if os.Getenv("SWITCHBOARD_BENCH_BRIDGE") != "1" {
		t.Skip("load benchmark: set SWITCHBOARD_BENCH_BRIDGE=1 (make bench-voice)")
	}
	sippBin := siptest.RequireTool(t, "sipp", "sip-tester")
	raiseNoFile(t)
	calls := envInts(t, "SWITCHBOARD_BENCH_BRIDGE_CALLS", []int{50, 200, 500})
	hold := envDuration(t, "SWITCHBOARD_BENCH_BRIDGE_HOLD", 20*time.Second)
	cps := envInts(t, "SWITCHBOARD_BENCH_BRIDGE_CPS", []int{100})
	runs := envInts(t, "SWITCHBOARD_BENCH_BRIDGE_RUNS", []int{3})
	// Stream phase: real phones start their 20 ms clocks at random moments,
	// so by default each sipp stream starts after a uniform 0–20 ms pause.
	// "aligned" keeps sipp's own timing: calls started at exactly 100 CPS
	// fall into two 10 ms slots, so half the streams send in the same
	// instant (the worst case, and what this benchmark measured before).
	phase := os.Getenv("SWITCHBOARD_BENCH_BRIDGE_PHASE")
	if phase == "" {
		phase = "random"
	}
	require.Contains(t, []string{"random", "aligned"}, phase, "SWITCHBOARD_BENCH_BRIDGE_PHASE is random or aligned")
	require.Len(t, cps, 1, "SWITCHBOARD_BENCH_BRIDGE_CPS is one rate")
	require.Len(t, runs, 1, "SWITCHBOARD_BENCH_BRIDGE_RUNS is one count")
	b := newBridgeBench(t, sippBin)
	b.phase = phase

	// Warm-up: one bridged call opens the database's connections, the
	// pacer and sipp's stream threads.
	w := b.run(t, 1, 2*time.Second, 10)
	require.Zero(t, w.failed(), "warm-up call failed: %+v; log: %s", w, b.logPath)
	require.Greater(t, w.relay.Packets, uint64(0), "warm-up call relayed nothing: log %s", b.logPath)

	var rows [][]bridgeRun
	for _, n := range calls {
		var row []bridgeRun
		for i := range runs[0] {
			r := b.run(t, n, hold, cps[0])
			t.Logf("N=%d run %d: %s", n, i+1, r.summary())
			row = append(row, r)
		}
		rows = append(rows, row)
	}
	table := renderBridgeTable(rows, hold, cps[0], phase)
	fmt.Println()
	fmt.Print(table)
	out := filepath.Join(b.outDir, "bench-bridge.md")
	require.NoError(t, os.WriteFile(out, []byte(table), 0o644))
	fmt.Printf("\ntable: %s\nlog (warn and above): %s (%d lines)\n", out, b.logPath, countLines(b.logPath))
}

type bridgeBench struct {
	sippBin string
	st      *store.Store
	db      *sql.DB
	srv     *sip.Server
	port    int // our SIP port
	uasPort int // the far end's
	stream  string
	outDir  string
	logPath string
	events  *bridgeEvents
	flows   int
	phase   string // "random" or "aligned": when each sipp stream starts
}

// bridgeEvents counts connect-call-to's bridges from its log records.
type bridgeEvents struct {
	bridged, ended atomic.Int64
	mu             sync.Mutex
	ends           map[string]int // bridge ended: End
}

// bridgeLog is a slog.Handler that counts the Info records of bridges
// starting and ending and passes Warn and above on to the log file.
type bridgeLog struct {
	ev   *bridgeEvents
	next slog.Handler
}

func (h *bridgeLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *bridgeLog) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case "connect-call-to: bridged":
		h.ev.bridged.Add(1)
	case "connect-call-to: bridge ended":
		h.ev.ended.Add(1)
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "end" {
				h.ev.mu.Lock()
				h.ev.ends[a.Value.String()]++
				h.ev.mu.Unlock()
				return false
			}
			return true
		})
	}
	if r.Level >= slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *bridgeLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &bridgeLog{ev: h.ev, next: h.next.WithAttrs(as)}
}

func (h *bridgeLog) WithGroup(name string) slog.Handler {
	return &bridgeLog{ev: h.ev, next: h.next.WithGroup(name)}
}

func newBridgeBench(t *testing.T, sippBin string) *bridgeBench {
	ctx := context.Background()
	outDir, err := os.MkdirTemp("", "switchboard-bench-bridge-")
	require.NoError(t, err)
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.FileName)+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	logPath := filepath.Join(outDir, "switchboard.log")
	lf, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { lf.Close() })
	ev := &bridgeEvents{ends: map[string]int{}}
	log := slog.New(&bridgeLog{ev: ev, next: slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelWarn})})

	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	// 5,000 RTP/RTCP pairs below the ephemeral range; sipp's stream ports
	// are above it (-mp).
	ports := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 20000, 29999)
	v := &Service{Store: st, Runner: r, Ports: ports, Prompts: &PromptLibrary{MediaDir: filepath.Join(dir, "media")},
		AccountSID: "AC00000000000000000000000000000001", Log: log}
	port := siptest.FreePort(t)
	srv, err := sip.NewServer(sip.Config{Listen: "127.0.0.1:" + strconv.Itoa(port), Router: v, Handler: v.Handle,
		Logger: log, MaxCalls: 5000})
	require.NoError(t, err)
	v.SIP = srv // connect-call-to's outbound legs, as serve wires it
	sctx, cancel := context.WithCancel(ctx)
	require.NoError(t, srv.Start(sctx))
	t.Cleanup(func() { cancel(); srv.Close() })
	uasPort := siptest.FreePort(t)
	srv.SetTrunks([]sip.Trunk{{Key: bridgeBenchTrunk, Name: "far", Registrar: "127.0.0.1:" + strconv.Itoa(uasPort)}})

	// What both ends stream: 2 s of a 1 kHz tone at -13 dBFS, raw μ-law,
	// looped by sipp.
	pcm := make([]int16, 16000)
	for i := range pcm {
		pcm[i] = int16(math.Round(0.22 * 32767 * math.Sin(2*math.Pi*1000*float64(i)/8000)))
	}
	ul := make([]byte, len(pcm))
	g711.Ulaw.Encode(ul, pcm)
	stream := filepath.Join(dir, "tone.ul")
	require.NoError(t, os.WriteFile(stream, ul, 0o644))
	return &bridgeBench{sippBin: sippBin, st: st, db: db, srv: srv, port: port, uasPort: uasPort, stream: stream,
		outDir: outDir, logPath: logPath, events: ev}
}

// bridgeRun is one run of n calls.
type bridgeRun struct {
	n                   int
	bridged             int // bridges that started in the run
	upMin, upMax        int // bridges up during the plateau
	upMean              float64
	uacOK, uacFailed    int
	uasOK, uasFailed    int
	timeouts            int // bridges ended by a media timeout
	hangups             int // executions that ended with connect.hangup (the caller hung up while bridged)
	executions          int
	window              time.Duration
	relay               media.RelayStatistics
	pacer               media.PacerStatistics
	cpu, uacCPU, uasCPU float64 // % of one core
	schedP99            time.Duration
	gcs                 uint32
	gcPause             time.Duration
	rss0, rssMax        int64
	goroutines          int
	note                string
}

// failed counts calls that did not go through as they should: a sipp
// failure on either side, a call that was never bridged, a bridge that
// ended on a media timeout, an execution that did not end by the
// caller's hang-up.
func (r bridgeRun) failed() int {
	return max(r.uacFailed+r.uasFailed, r.n-r.bridged, r.n-r.hangups) + r.timeouts
}

// relayedPct is relayed packets ÷ what both directions of every bridge
// up should have sent in the plateau.
func (r bridgeRun) relayedPct() float64 {
	exp := 2 * 50 * r.upMean * r.window.Seconds()
	if exp == 0 {
		return 0
	}
	return 100 * float64(r.relay.Packets) / exp
}

func (r bridgeRun) kbPerBridge() float64 {
	return float64(r.rssMax-r.rss0) / 1024 / float64(max(r.upMax, 1))
}

func (r bridgeRun) summary() string {
	return fmt.Sprintf("bridged %d, up %d–%d, failed %d (uac %d/%d ok/failed, uas %d/%d, media timeouts %d, hangups %d of %d executions), "+
		"relay p50/p99/p999/max %s/%s/%s/%s over %d packets (%.1f %% of expected), CPU %.0f %% (sipp uac %.0f, uas %.0f), "+
		"sched p99 %s, %d GCs (%s paused), RSS %d→%d MB, goroutines %d%s",
		r.bridged, r.upMin, r.upMax, r.failed(), r.uacOK, r.uacFailed, r.uasOK, r.uasFailed, r.timeouts, r.hangups, r.executions,
		fmtMs(r.relay.P50), fmtMs(r.relay.P99), fmtMs(r.relay.P999), fmtMs(r.relay.Max), r.relay.Packets, r.relayedPct(),
		r.cpu, r.uacCPU, r.uasCPU, fmtMs(r.schedP99), r.gcs, r.gcPause.Round(time.Microsecond), r.rss0>>20, r.rssMax>>20, r.goroutines, r.note)
}

func fmtMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

func (b *bridgeBench) newFlow(t *testing.T) string {
	b.flows++
	flowSID := fmt.Sprintf("FW%032x", 0xb1d60000+b.flows)
	v := schema.Validate([]byte(bridgeBenchDef))
	require.True(t, v.Valid(), "%v", v.Errors)
	_, err := b.st.CreateFlow(context.Background(), store.NewFlow{SID: flowSID, FriendlyName: "bridge bench", Status: store.StatusPublished,
		Definition: json.RawMessage(bridgeBenchDef), Valid: true})
	require.NoError(t, err)
	return flowSID
}

// sipp starts one sipp with the scenario from testdata/sipp (STREAM and
// HOLD_MS replaced) and args, bounded by timeout.
func (b *bridgeBench) sipp(t *testing.T, scenario string, holdMs int, timeout time.Duration, args ...string) *sippRun {
	raw, err := os.ReadFile(filepath.Join("testdata", "sipp", scenario))
	require.NoError(t, err)
	dir := t.TempDir()
	sf := filepath.Join(dir, scenario)
	start := ""
	if b.phase == "random" {
		start = `<pause distribution="uniform" min="0" max="20"/>`
	}
	text := strings.NewReplacer("STREAM", b.stream, "HOLD_MS", strconv.Itoa(holdMs), "<!--PHASE-->", start).Replace(string(raw))
	require.NoError(t, os.WriteFile(sf, []byte(text), 0o644))
	stat := filepath.Join(dir, "stat.csv")
	args = append([]string{"-sf", sf, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin",
		"-timeout", strconv.Itoa(int(timeout.Seconds())) + "s", "-timeout_error", "-trace_err",
		"-trace_stat", "-stf", stat, "-fd", "1"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	// sipp gets the hard open-files limit (a stream socket per call).
	cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", `ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, b.sippBin}, args...)...)
	cmd.Dir = dir
	r := &sippRun{cmd: cmd, dir: dir, stat: stat, done: make(chan struct{}), cancel: cancel}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	go func() {
		r.err = cmd.Wait()
		r.output = []byte(out.String())
		close(r.done)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// run places n calls at rate cps, each bridged for the ramp, the plateau
// (hold, measured once every bridge is up) and a margin, then hung up by
// the caller.
func (b *bridgeBench) run(t *testing.T, n int, hold time.Duration, cps int) bridgeRun {
	flowSID := b.newFlow(t)
	ramp := time.Duration(n) * time.Second / time.Duration(cps)
	holdMs := int((ramp + hold + 5*time.Second) / time.Millisecond)
	bound := 2*ramp + hold + 90*time.Second
	res := bridgeRun{n: n, rss0: settledRSS()}
	bridged0 := b.events.bridged.Load()
	b.events.mu.Lock()
	timeouts0 := b.events.ends[string(media.EndMediaTimeout)]
	b.events.mu.Unlock()

	uas := b.sipp(t, "bridge_uas.xml", 0, bound, "-p", strconv.Itoa(b.uasPort), "-mp", "40000", "-m", strconv.Itoa(n))
	time.Sleep(300 * time.Millisecond) // the far end binds
	uac := b.sipp(t, "bridge_uac.xml", holdMs, bound, "127.0.0.1:"+strconv.Itoa(b.port), "-s", flowSID,
		"-p", strconv.Itoa(siptest.FreePort(t)), "-mp", "50000",
		"-r", strconv.Itoa(cps), "-l", strconv.Itoa(n), "-m", strconv.Itoa(n))

	up := func() int { return int(b.events.bridged.Load() - b.events.ended.Load()) }
	deadline := time.Now().Add(ramp + 30*time.Second)
ramping:
	for up() < n && time.Now().Before(deadline) {
		select {
		case <-uac.done:
			res.note = "; the caller's sipp ended during the ramp"
			break ramping
		case <-uas.done:
			res.note = "; the far end's sipp ended during the ramp"
			break ramping
		case <-time.After(100 * time.Millisecond):
		}
	}
	if u := up(); u < n {
		res.note += fmt.Sprintf("; only %d of %d bridges up after the ramp", u, n)
	}
	time.Sleep(time.Second) // past the last bridge's first packets

	// The plateau.
	var sum, samples int
	res.upMin = 1 << 30
	media.ResetRelayStats()
	media.ResetPacerStats()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	sched0 := schedLatency()
	cpu0, uac0, uas0, t0 := procCPU(os.Getpid()), procCPU(uac.pid()), procCPU(uas.pid()), time.Now()
	uacLast, uasLast := uac0, uas0
	tick := time.NewTicker(250 * time.Millisecond)
plateau:
	for time.Since(t0) < hold {
		select {
		case <-uac.done:
			break plateau
		case <-tick.C:
		}
		u := up()
		res.upMin, res.upMax = min(res.upMin, u), max(res.upMax, u)
		sum += u
		samples++
		res.rssMax = max(res.rssMax, vmRSS())
		res.goroutines = max(res.goroutines, runtime.NumGoroutine())
		if c := procCPU(uac.pid()); c > 0 {
			uacLast = c
		}
		if c := procCPU(uas.pid()); c > 0 {
			uasLast = c
		}
	}
	tick.Stop()
	res.window = time.Since(t0)
	res.relay, res.pacer = media.RelayStats(), media.PacerStats()
	res.schedP99 = histQuantile(sched0, schedLatency(), 0.99)
	runtime.ReadMemStats(&ms1)
	res.gcs, res.gcPause = ms1.NumGC-ms0.NumGC, time.Duration(ms1.PauseTotalNs-ms0.PauseTotalNs)
	res.cpu = 100 * float64(procCPU(os.Getpid())-cpu0) / float64(res.window)
	res.uacCPU = 100 * float64(uacLast-uac0) / float64(res.window)
	res.uasCPU = 100 * float64(uasLast-uas0) / float64(res.window)
	if samples > 0 {
		res.upMean = float64(sum) / float64(samples)
	} else {
		res.upMin = 0
	}

	res.uacOK, res.uacFailed = uac.wait(t)
	// Every call the far end got has had its BYE once the caller's sipp
	// is done; give its last 200s a moment, then stop it.
	select {
	case <-uas.done:
	case <-time.After(10 * time.Second):
		uas.cancel()
	}
	res.uasOK, res.uasFailed = uas.wait(t)
	b.settleBridges(t)
	res.bridged = int(b.events.bridged.Load() - bridged0)
	b.events.mu.Lock()
	res.timeouts = b.events.ends[string(media.EndMediaTimeout)] - timeouts0
	b.events.mu.Unlock()
	ctx := context.Background()
	require.NoError(t, b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM executions WHERE flow_sid = ?`, flowSID).Scan(&res.executions))
	require.NoError(t, b.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT execution_sid) FROM steps
		WHERE flow_sid = ? AND transitioned_from = 'connect' AND name = 'hangup'`, flowSID).Scan(&res.hangups))
	return res
}

// settleBridges waits until every call and outbound leg has ended.
func (b *bridgeBench) settleBridges(t *testing.T) {
	deadline := time.Now().Add(60 * time.Second)
	for (b.srv.ActiveCalls() > 0 || b.srv.OutboundCalls() > 0) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if a, o := b.srv.ActiveCalls(), b.srv.OutboundCalls(); a+o > 0 {
		t.Logf("%d calls and %d outbound legs still up 60 s after sipp ended", a, o)
	}
}

// spread is "min / median / max" of f over a row's runs (one value alone
// when there is one run); both voice benchmarks' tables use it.
func spread[R any](runs []R, f func(R) float64, prec int) string {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	s := func(x float64) string { return strconv.FormatFloat(x, 'f', prec, 64) }
	if len(v) == 1 {
		return s(v[0])
	}
	return s(v[0]) + " / " + s(v[len(v)/2]) + " / " + s(v[len(v)-1])
}

func renderBridgeTable(rows [][]bridgeRun, hold time.Duration, cps int, phase string) string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var sb strings.Builder
	fmt.Fprintf(&sb, "## make bench-voice: bridged calls (%s, GOMAXPROCS %d, %s, %d CPS ramp, %s plateau, %d runs per row, stream phase %s)\n\n",
		time.Now().Format(time.DateTime), runtime.GOMAXPROCS(0), runtime.Version(), cps, hold.Round(time.Second), len(rows[0]), phase)
	sb.WriteString("| bridged calls (legs) | bridges up in plateau | failed | relay p50 ms | relay p99 ms | relay p999 ms | relay max ms | relayed ÷ expected % | CPU % | sipp caller CPU % | sipp far end CPU % | sched p99 ms | GC pause ms | KB per bridge | goroutines |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, runs := range rows {
		fmt.Fprintf(&sb, "| %d (%d) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			runs[0].n, 2*runs[0].n,
			spread(runs, func(r bridgeRun) float64 { return float64(r.upMin) }, 0),
			spread(runs, func(r bridgeRun) float64 { return float64(r.failed()) }, 0),
			spread(runs, func(r bridgeRun) float64 { return ms(r.relay.P50) }, 2),
			spread(runs, func(r bridgeRun) float64 { return ms(r.relay.P99) }, 2),
			spread(runs, func(r bridgeRun) float64 { return ms(r.relay.P999) }, 2),
			spread(runs, func(r bridgeRun) float64 { return ms(r.relay.Max) }, 2),
			spread(runs, bridgeRun.relayedPct, 1),
			spread(runs, func(r bridgeRun) float64 { return r.cpu }, 0),
			spread(runs, func(r bridgeRun) float64 { return r.uacCPU }, 0),
			spread(runs, func(r bridgeRun) float64 { return r.uasCPU }, 0),
			spread(runs, func(r bridgeRun) float64 { return ms(r.schedP99) }, 2),
			spread(runs, func(r bridgeRun) float64 { return ms(r.gcPause) }, 2),
			spread(runs, bridgeRun.kbPerBridge, 0),
			spread(runs, func(r bridgeRun) float64 { return float64(r.goroutines) }, 0))
	}
	sb.WriteString("\nCells are min / median / max over the runs. Relay latency: a packet's kernel receive timestamp on one leg to its write on the other, ")
	sb.WriteString("every packet relayed in the plateau (50 µs buckets). Relayed ÷ expected: relayed packets ÷ (2 directions × 50/s × bridges up × plateau). ")
	sb.WriteString("Failed: sipp failures on either side, calls never bridged, bridges ended by a media timeout, executions that did not end by the caller's hang-up. ")
	sb.WriteString("CPU: % of one core over the plateau. ")
	sb.WriteString("Sched p99: how long this process's goroutines waited to run. GC pause: total stop-the-world in the plateau. ")
	sb.WriteString("KB per bridge: RSS growth over the settled start ÷ bridges up. ")
	sb.WriteString("Stream phase random: each sipp stream starts after a uniform 0–20 ms pause, as phones' clocks do; aligned: sipp's own timing, half the streams in one instant.\n")
	return sb.String()
}
