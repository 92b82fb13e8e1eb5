package voice

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

// benchFlow is the ivr flow made for load: the menu waits 30 s for a key,
// and sales loops its sentence (99 times, about 5 minutes) so that a caller on hold keeps hearing
// audio (every call streams RTP for its whole life, not idle silence).
const benchFlow = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "menu"}]},
  {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "Press one for sales, two for support.", "number_of_digits": 1, "timeout": 30, "finish_on_key": "#", "stop_gather": true},
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech"}, {"event": "timeout", "next": "bye"}]},
  {"name": "route", "type": "split-based-on", "properties": {"input": "{{widgets.menu.Digits}}"}, "transitions": [
    {"event": "noMatch", "next": "bye"},
    {"event": "match", "next": "sales", "conditions": [{"friendly_name": "one", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]}]},
  {"name": "sales", "type": "say-play", "properties": {"say": "Connecting you to sales. Please hold, your call is important to us.", "loop": 99}, "transitions": [{"event": "audioComplete"}]},
  {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye."}, "transitions": [{"event": "audioComplete"}]}]}`

const dtmfPcap = "/usr/share/sip-tester/dtmf_2833_1.pcap"

// TestBenchVoice is `make bench-voice`: the whole voice stack in this
// process (store, runner, SIP server, RTP ports, TTS prompts) under sipp
// load, printed as one Markdown table. It only runs with
// SWITCHBOARD_BENCH_VOICE=1:
//
//	SWITCHBOARD_BENCH_VOICE=1 go test ./app/voice -run TestBenchVoice -v -timeout 30m
//
// Knobs (environment): SWITCHBOARD_BENCH_CALLS (concurrency rows,
// default 200,600,1000,2000), SWITCHBOARD_BENCH_HOLD (plateau per row, default
// 60s), SWITCHBOARD_BENCH_CPS (rates, default 100,250,500),
// "none" skips a phase), SWITCHBOARD_BENCH_CPS_FOR (seconds per rate, default 20s),
// SWITCHBOARD_BENCH_CPUPROFILE (write a CPU profile of the whole run there),
// SWITCHBOARD_BENCH_TRACE (write an execution trace of the whole run there),
// SWITCHBOARD_BENCH_GOROUTINES (write the goroutine profile at the first
// concurrency row's plateau there), SWITCHBOARD_BENCH_AFTER (quiet time
// before the last row, RSS after the load vs idle; default 60s, 0 skips it),
// SWITCHBOARD_BENCH_SMAPS (copy /proc/self/smaps there at the end, after
// the RSS readings), SWITCHBOARD_BENCH_HEAPPROFILE (write the heap profile there once the
// calls of each CPS row have ended: the last row's is left; and to .after
// at the end of the quiet time; to .plateau with the goroutine profile;
// to .idle after the warm-up, the base to compare .after with; it samples
// every 16 KB allocated then).
func TestBenchVoice(t *testing.T) {
	if os.Getenv("SWITCHBOARD_BENCH_VOICE") != "1" {
		t.Skip("load benchmark: set SWITCHBOARD_BENCH_VOICE=1 (make bench-voice)")
	}
	sippBin := siptest.RequireTool(t, "sipp", "sip-tester")
	siptest.RequireTool(t, "espeak-ng", "espeak-ng")
	if _, err := os.Stat(dtmfPcap); err != nil {
		t.Fatalf("%s: %v (apt-get install sip-tester)", dtmfPcap, err)
	}
	raiseNoFile(t)
	if os.Getenv("SWITCHBOARD_BENCH_HEAPPROFILE") != "" {
		// One sample per 16 KB allocated instead of 512 KB: the after-load
		// profile's few MB held over idle are then attributed, not guessed.
		runtime.MemProfileRate = 16 << 10
	}
	// As the appliance wires them (app/voicewire.go): finished
	// transactions held 8 s instead of 32 s, and memory handed back to the
	// OS 30 s after a load (started below, once the store is open). SWITCHBOARD_BENCH_TXHOLD=0 keeps sipgo's 64·T1,
	// SWITCHBOARD_BENCH_RELEASE=0 leaves memory to the Go runtime.
	if d := envDuration(t, "SWITCHBOARD_BENCH_TXHOLD", 8*time.Second); d > 0 {
		sip.SetFinishedTransactionHold(d) // left so: restoring it could race with transactions still timing out
	}
	// As the appliance wires it (app/voicewire.go): the load guard refuses
	// new calls while a call is up and the media path falls behind, so an
	// offered rate beyond the box shows as refused calls, not as every
	// call degraded. SWITCHBOARD_BENCH_GUARD=0 measures without it.
	var b *bench
	// The learned admission rate shapes the offered-CPS rows only: the
	// concurrency rows measure N calls held, and their ramp is the bench's
	// own, not an offered load to be shaped.
	var admitOn atomic.Bool
	if os.Getenv("SWITCHBOARD_BENCH_GUARD") == "0" {
		b = newBench(t, sippBin)
	} else {
		guard := media.NewLoadGuard(nil)
		gctx, gcancel := context.WithCancel(context.Background())
		gdone := make(chan struct{})
		go func() { defer close(gdone); guard.Run(gctx) }()
		t.Cleanup(func() { gcancel(); <-gdone })
		var srv atomic.Pointer[sip.Server]
		b = newBenchWith(t, sippBin, func(c *sip.Config) {
			c.Overloaded = func() bool {
				s := srv.Load()
				return s != nil && s.ActiveCalls() > 0 && guard.Overloaded()
			}
			c.Admit = benchAdmit{guard: guard, srv: &srv, on: &admitOn}
		})
		srv.Store(b.srv)
	}
	if os.Getenv("SWITCHBOARD_BENCH_RELEASE") != "0" {
		// The store's connection caches go back with the Go heap, as
		// app/voicewire.go wires it.
		rctx, rcancel := context.WithCancel(context.Background())
		rdone := make(chan struct{})
		go func() {
			defer close(rdone)
			media.ReleaseMemoryAfterLoad(rctx, 30*time.Second, nil, b.st.ReleaseIdleMemory)
		}()
		t.Cleanup(func() { rcancel(); <-rdone })
	}
	if p := os.Getenv("SWITCHBOARD_BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		require.NoError(t, err)
		require.NoError(t, pprof.StartCPUProfile(f))
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if p := os.Getenv("SWITCHBOARD_BENCH_TRACE"); p != "" {
		f, err := os.Create(p)
		require.NoError(t, err)
		require.NoError(t, trace.Start(f))
		defer func() { trace.Stop(); f.Close() }()
	}

	calls := envInts(t, "SWITCHBOARD_BENCH_CALLS", []int{200, 600, 1000, 2000})
	rates := envInts(t, "SWITCHBOARD_BENCH_CPS", []int{100, 250, 500})
	hold := envDuration(t, "SWITCHBOARD_BENCH_HOLD", 60*time.Second)
	cpsFor := envDuration(t, "SWITCHBOARD_BENCH_CPS_FOR", 20*time.Second)
	after := envDuration(t, "SWITCHBOARD_BENCH_AFTER", time.Minute)
	b.goroutineProfile = os.Getenv("SWITCHBOARD_BENCH_GOROUTINES")
	runs := envInts(t, "SWITCHBOARD_BENCH_RUNS", []int{3})
	require.Len(t, runs, 1, "SWITCHBOARD_BENCH_RUNS is one count")

	// Warm-up: one call synthesises and caches the prompts, opens the
	// database's connections and starts the pacer.
	w := b.cps(t, 1, time.Second, "warm-up")
	require.Zero(t, w.failed, "warm-up call failed; log: %s", b.logPath)
	idleRSS := settledRSS()
	idleMem := goMemory()
	if p := os.Getenv("SWITCHBOARD_BENCH_HEAPPROFILE"); p != "" {
		// The base for the .after profile (go tool pprof -base).
		if f, err := os.Create(p + ".idle"); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}

	// Each row runs runs[0] times; the table shows min / median / max.
	var groups [][]benchRow
	for _, n := range calls {
		var g []benchRow
		for i := range runs[0] {
			r := b.concurrency(t, n, hold)
			t.Logf("%s run %d: p99 %s, failed %d, refused %d, lost %d of %d", r.phase, i+1, r.pacer.P99, r.failed, r.refused, r.lost, r.executions)
			g = append(g, r)
		}
		groups = append(groups, g)
	}
	best := 0
	admitOn.Store(true)
	for _, rate := range rates {
		var g []benchRow
		for i := range runs[0] {
			r := b.cps(t, rate, cpsFor, fmt.Sprintf("offered %d CPS", rate))
			t.Logf("%s run %d: p99 %s, admitted %d, failed %d, refused %d, lost %d of %d", r.phase, i+1, r.pacer.P99, r.calls, r.failed, r.refused, r.lost, r.executions)
			g = append(g, r)
		}
		groups = append(groups, g)
		if admittedKeepTime(g) {
			best = rate
		}
	}
	table := renderTable(groups, best)
	if after > 0 {
		// What the appliance keeps after a busy hour: RSS as the process
		// leaves it (no forced GC or FreeOSMemory here), against idle.
		// The bench's own read-only connection (b.db: digits and lost
		// paths, read after every row) is not the appliance's: its page
		// cache goes before the quiet time.
		b.db.SetMaxIdleConns(0)
		time.Sleep(after)
		rss := vmRSS()
		if p := os.Getenv("SWITCHBOARD_BENCH_HEAPPROFILE"); p != "" {
			runtime.GC() // after the RSS reading: the quiet box is measured as left
			if f, err := os.Create(p + ".after"); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
		table += fmt.Sprintf("\nRSS %s after the load ended vs idle (after the warm-up call): %d MB vs %d MB (%+.0f%%); Go's share then: %s; at idle: %s\n",
			after, rss>>20, idleRSS>>20, 100*float64(rss-idleRSS)/float64(max(idleRSS, 1)), goMemory(), idleMem)
		// What of it is garbage and free pages Go has not yet handed back
		// (the rest is live, the runtime's own, or outside Go).
		tidy := settledRSS()
		table += fmt.Sprintf("After a forced GC and FreeOSMemory: %d MB (%+.0f%% of idle); %s\n",
			tidy>>20, 100*float64(tidy-idleRSS)/float64(max(idleRSS, 1)), goMemory())
		if p := os.Getenv("SWITCHBOARD_BENCH_SMAPS"); p != "" {
			// The process's mappings then, to tell whose the memory outside
			// Go is (SQLite's allocator, thread stacks, ...).
			if raw, err := os.ReadFile("/proc/self/smaps"); err == nil {
				_ = os.WriteFile(p, raw, 0o644)
			}
		}
	}
	fmt.Println()
	fmt.Print(table)
	out := filepath.Join(b.outDir, "bench-voice.md")
	require.NoError(t, os.WriteFile(out, []byte(table), 0o644))
	fmt.Printf("\ntable: %s\nlog (warn and above): %s (%d lines)\n", out, b.logPath, countLines(b.logPath))
}

// admittedKeepTime: in every run the admitted calls kept pacing p99 ≤ 3 ms,
// none failed (refused ones aside) and no digit was lost.
func admittedKeepTime(g []benchRow) bool {
	for _, r := range g {
		if r.failed > 0 || r.lost > 0 || r.calls == 0 || r.pacer.P99 > 3*time.Millisecond {
			return false
		}
	}
	return len(g) > 0
}

type bench struct {
	sippBin string
	st      *store.Store
	db      *sql.DB
	srv     *sip.Server
	ports   *media.PortPool
	port    int
	outDir  string
	logPath string
	flows   int

	goroutineProfile string // where to write the first plateau's goroutines
}

type benchRow struct {
	phase      string
	sustained  string
	pacer      media.PacerStatistics
	cpu, sipp  float64 // % of one core
	kbPerCall  float64
	gPerCall   float64 // goroutines added per call up
	heapPerKB  float64 // live heap added per call up, KB
	calls      int     // successful sipp calls
	failed     int     // failed sipp calls, refused ones not counted
	refused    int     // INVITEs the load guard answered 503
	lost       int
	executions int
	note       string
	noPlateau  bool // the ramp never reached its calls: no pacing or memory figures
}

func newBench(t *testing.T, sippBin string) *bench { return newBenchWith(t, sippBin, nil) }

// newBenchWith is newBench with a say in the SIP server's configuration
// (the load tests add the load guard).
func newBenchWith(t *testing.T, sippBin string, configure func(*sip.Config)) *bench {
	ctx := context.Background()
	outDir, err := os.MkdirTemp("", "switchboard-bench-voice-")
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
	log := slog.New(slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelWarn}))

	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	// As serve wires it: a disk cache of synthesised speech.
	cache, err := tts.NewCache(filepath.Join(dir, "prompts"), 64<<20)
	require.NoError(t, err)
	speech, err := tts.New(tts.Options{Cache: cache, Logger: log})
	require.NoError(t, err)
	// 5,000 RTP/RTCP pairs below the ephemeral range sipp's sockets use.
	ports := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 20000, 29999)
	v := &Service{Store: st, Runner: r, Ports: ports,
		Prompts: &PromptLibrary{TTS: speech, MediaDir: filepath.Join(dir, "media")},
		Recordings: &RecordingStore{Dir: filepath.Join(dir, "recordings"), BaseURL: func() string { return "http://127.0.0.1:8080" },
			Account: "AC00000000000000000000000000000001"},
		AccountSID: "AC00000000000000000000000000000001", Log: log}
	port := siptest.FreePort(t)
	cfg := sip.Config{Listen: "127.0.0.1:" + strconv.Itoa(port), Router: v, Handler: v.Handle,
		Logger: log, MaxCalls: 5000}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := sip.NewServer(cfg)
	require.NoError(t, err)
	sctx, cancel := context.WithCancel(ctx)
	require.NoError(t, srv.Start(sctx))
	t.Cleanup(func() { cancel(); srv.Close() })
	return &bench{sippBin: sippBin, st: st, db: db, srv: srv, ports: ports, port: port, outDir: outDir, logPath: logPath}
}

// newFlow publishes a fresh copy of the bench flow, so each row counts its
// own executions.
func (b *bench) newFlow(t *testing.T) string {
	b.flows++
	flowSID := fmt.Sprintf("FW%032x", 0xbe0c0000+b.flows)
	require.True(t, schema.Validate([]byte(benchFlow)).Valid(), "%v", schema.Validate([]byte(benchFlow)).Errors)
	_, err := b.st.CreateFlow(context.Background(), store.NewFlow{SID: flowSID, FriendlyName: "bench", Status: store.StatusPublished,
		Definition: json.RawMessage(benchFlow), Valid: true})
	require.NoError(t, err)
	return flowSID
}

// sippRun is one running sipp.
type sippRun struct {
	cmd    *exec.Cmd
	dir    string
	stat   string
	done   chan struct{}
	err    error
	output []byte
	cancel context.CancelFunc
}

// startSipp runs bench_call.xml against flowSID: promptMs of prompt, the
// key press, holdMs on the line, BYE.
func (b *bench) startSipp(t *testing.T, flowSID string, promptMs, holdMs, rate, limit, total int, timeout time.Duration) *sippRun {
	return b.startScenario(t, "bench_call.xml", flowSID, promptMs, holdMs, rate, limit, total, timeout)
}

// startScenario is startSipp with another scenario of testdata/sipp.
func (b *bench) startScenario(t *testing.T, scenario, flowSID string, promptMs, holdMs, rate, limit, total int, timeout time.Duration) *sippRun {
	raw, err := os.ReadFile(filepath.Join("testdata", "sipp", scenario))
	require.NoError(t, err)
	dir := t.TempDir()
	sf := filepath.Join(dir, scenario)
	text := strings.NewReplacer("PCAP", dtmfPcap, "HOLD_MS", strconv.Itoa(holdMs)).Replace(string(raw))
	require.NoError(t, os.WriteFile(sf, []byte(text), 0o644))
	stat := filepath.Join(dir, "stat.csv")
	args := []string{"127.0.0.1:" + strconv.Itoa(b.port), "-sf", sf, "-s", flowSID, "-i", "127.0.0.1",
		"-p", strconv.Itoa(siptest.FreePort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(siptest.FreePort(t)), "-rtp_echo",
		"-d", strconv.Itoa(promptMs), "-r", strconv.Itoa(rate), "-l", strconv.Itoa(limit), "-m", strconv.Itoa(total),
		"-nostdin", "-timeout", strconv.Itoa(int(timeout.Seconds())) + "s", "-timeout_error", "-trace_err",
		"-trace_stat", "-stf", stat, "-fd", "1"}
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	// sipp gets the hard open-files limit (a socket per call at most).
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

// wait returns successful and failed calls from sipp's statistics.
func (r *sippRun) wait(t *testing.T) (ok, failed int) {
	<-r.done
	r.cancel()
	var ee *exec.ExitError
	if r.err != nil && !errors.As(r.err, &ee) {
		t.Fatalf("sipp: %v\n%s", r.err, r.output)
	}
	f, err := os.Open(r.stat)
	require.NoError(t, err, "sipp wrote no statistics:\n%s", r.output)
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(recs), 2, "sipp statistics: %s", r.stat)
	head, last := recs[0], recs[len(recs)-1]
	col := func(name string) int {
		for i, h := range head {
			if h == name && i < len(last) {
				v, _ := strconv.Atoi(strings.TrimSpace(last[i]))
				return v
			}
		}
		t.Fatalf("sipp statistics have no column %s", name)
		return 0
	}
	ok, failed = col("SuccessfulCall(C)"), col("FailedCall(C)")
	if failed > 0 {
		logs, _ := filepath.Glob(filepath.Join(r.dir, "*errors.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			if len(b) > 2000 {
				b = b[:2000]
			}
			t.Logf("sipp %s (first 2000 bytes):\n%s", filepath.Base(l), b)
		}
	}
	return ok, failed
}

// pid of sipp itself (bash execs it).
func (r *sippRun) pid() int { return r.cmd.Process.Pid }

// concurrency ramps to n calls, holds them for `hold` and measures the
// plateau.
func (b *bench) concurrency(t *testing.T, n int, hold time.Duration) benchRow {
	flowSID := b.newFlow(t)
	rate := max(n/10, 50) // a 10 s ramp
	ramp := time.Duration(n) * time.Second / time.Duration(rate)
	const promptMs = 2000
	// Every call stays until the last one is up, plus the plateau and a
	// margin at both ends.
	holdMs := int((ramp + hold + 10*time.Second) / time.Millisecond)
	rss0 := settledRSS()
	g0, heap0 := runtime.NumGoroutine(), heapAfterGC()
	refused0 := refusedCalls(b.srv)
	s := b.startSipp(t, flowSID, promptMs, holdMs, rate, n, n, ramp+hold+2*time.Minute)

	deadline := time.Now().Add(ramp + 30*time.Second)
	peak := 0
	for b.srv.ActiveCalls() < n && time.Now().Before(deadline) {
		peak = max(peak, b.srv.ActiveCalls())
		select {
		case <-s.done:
			if refused := int(refusedCalls(b.srv) - refused0); refused > 0 {
				// The guard refused part of the ramp and sipp ran out of
				// calls before n were up (a hold shorter than the ramp's
				// deadline): a row of refusals, with no plateau to measure.
				return b.rampRefused(t, s, flowSID, n, rate, peak, refused)
			}
			t.Fatalf("sipp ended during the ramp:\n%s", s.output)
		case <-time.After(100 * time.Millisecond):
		}
	}
	up := b.srv.ActiveCalls()
	if up < n {
		t.Logf("concurrency %d: only %d calls up after the ramp", n, up)
	}
	time.Sleep(3 * time.Second) // past every call's prompt start and key press
	if b.goroutineProfile != "" {
		if f, err := os.Create(b.goroutineProfile); err == nil {
			_ = pprof.Lookup("goroutine").WriteTo(f, 1)
			f.Close()
		}
		b.goroutineProfile = ""
		if p := os.Getenv("SWITCHBOARD_BENCH_HEAPPROFILE"); p != "" {
			runtime.GC()
			if f, err := os.Create(p + ".plateau"); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	// Per call: one reading at the plateau, before the measured window (the
	// forced GC stalls nothing the window sees), divided by the calls up then.
	up = max(b.srv.ActiveCalls(), 1)
	gPerCall := float64(runtime.NumGoroutine()-g0) / float64(up)
	heapPerKB := float64(heapAfterGC()-heap0) / 1024 / float64(up)
	plateauRSS := vmRSS()
	kbPerCall := float64(plateauRSS-rss0) / 1024 / float64(up)
	plateauMem := fmt.Sprintf("RSS %d MB at the plateau: %s", plateauRSS>>20, goMemory())
	m := b.measure(s, hold, rss0)
	ok, failed := s.wait(t)
	b.settle(t)
	execs, keyed := b.digits(t, flowSID)
	refused := int(refusedCalls(b.srv) - refused0)
	failed = max(failed-refused, 0)
	return benchRow{refused: refused, phase: fmt.Sprintf("concurrency %d", n), sustained: fmt.Sprintf("%d calls × %s", m.minActive, hold.Round(time.Second)),
		pacer: m.pacer, cpu: m.cpu, sipp: m.sippCPU, kbPerCall: kbPerCall, gPerCall: gPerCall, heapPerKB: heapPerKB,
		calls: ok, failed: failed, executions: execs, lost: execs - keyed,
		note: fmt.Sprintf("ramp %d CPS; RSS %d→%d MB; goroutines %d; %d GCs; sched p99 %s; stalls %d; %s", rate, rss0>>20, m.rssMax>>20, m.goroutines, m.gcs, m.schedP99, m.stalls, plateauMem)}
}

// rampRefused is the row of a concurrency ramp that the load guard refused
// in part and that ended before n calls were up: what was admitted,
// refused and lost, and no pacing figures (there was no plateau).
func (b *bench) rampRefused(t *testing.T, s *sippRun, flowSID string, n, rate, peak, refused int) benchRow {
	ok, failed := s.wait(t)
	b.settle(t)
	execs, keyed := b.digits(t, flowSID)
	t.Logf("concurrency %d: sipp ended during the ramp; %d refused, at most %d calls up", n, refused, peak)
	return benchRow{refused: refused, phase: fmt.Sprintf("concurrency %d", n),
		sustained: fmt.Sprintf("not reached: at most %d calls up", peak), noPlateau: true,
		calls: ok, failed: max(failed-refused, 0), executions: execs, lost: execs - keyed,
		note: fmt.Sprintf("ramp %d CPS refused in part; no plateau, so no pacing figures", rate)}
}

// cps runs short calls (answer, 300 ms of prompt, key press, 500 ms more,
// BYE: about 1 s each) at rate calls per second for d.
func (b *bench) cps(t *testing.T, rate int, d time.Duration, phase string) benchRow {
	flowSID := b.newFlow(t)
	total := max(int(float64(rate)*d.Seconds()), 1)
	rss0 := settledRSS()
	heap0 := heapAfterGC()
	refused0 := refusedCalls(b.srv)
	start := time.Now()
	s := b.startSipp(t, flowSID, 300, 500, rate, max(rate*4, 10), total, d+2*time.Minute)
	m := b.measure(s, 0, rss0)
	ok, failed := s.wait(t)
	elapsed := time.Since(start)
	b.settle(t)
	held := heapAfterGC() - heap0 // what ended calls still hold (finished transactions)
	if p := os.Getenv("SWITCHBOARD_BENCH_HEAPPROFILE"); p != "" && phase != "warm-up" {
		// What the calls left behind once every one has ended: finished
		// transactions and dialogs still held, caches, maps that never shrink.
		runtime.GC()
		if f, err := os.Create(p); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	execs, keyed := b.digits(t, flowSID)
	achieved := float64(ok) / max(elapsed.Seconds()-1, 1) // less one call's length
	refused := int(refusedCalls(b.srv) - refused0)
	failed = max(failed-refused, 0)
	return benchRow{refused: refused, phase: phase, sustained: fmt.Sprintf("%.0f CPS × %d calls (peak %d up)", achieved, total, m.maxActive),
		pacer: m.pacer, cpu: m.cpu, sipp: m.sippCPU, kbPerCall: float64(m.rssMax-rss0) / 1024 / float64(max(m.maxActive, 1)),
		calls: ok, failed: failed, executions: execs, lost: execs - keyed,
		note: fmt.Sprintf("RSS %d→%d MB (KB/call: growth ÷ peak calls up); live heap still held once every call had ended %.1f MB; %d GCs; sched p99 %s; stalls %d",
			rss0>>20, m.rssMax>>20, float64(held)/(1<<20), m.gcs, m.schedP99, m.stalls)}
}

type measurement struct {
	pacer                media.PacerStatistics
	cpu, sippCPU         float64
	rssMax               int64
	minActive, maxActive int
	goroutines           int
	gcs                  uint32
	gcPause              time.Duration
	stalls               int           // samples in which most sessions sent a frame late
	schedP99             time.Duration // goroutine scheduling latency in the window
}

// schedLatency reads the runtime's histogram of how long goroutines waited
// to run.
func schedLatency() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// histQuantile is quantile q of the difference b - a of two readings.
func histQuantile(a, b *metrics.Float64Histogram, q float64) time.Duration {
	if a == nil || b == nil || len(a.Counts) != len(b.Counts) {
		return 0
	}
	var total uint64
	for i := range b.Counts {
		total += b.Counts[i] - a.Counts[i]
	}
	if total == 0 {
		return 0
	}
	want, acc := uint64(q*float64(total)), uint64(0)
	for i := range b.Counts {
		acc += b.Counts[i] - a.Counts[i]
		if acc > want {
			return time.Duration(b.Buckets[i+1] * float64(time.Second))
		}
	}
	return 0
}

// measure resets the pacer histogram, then samples for d (or until sipp
// ends when d is 0): CPU of this process and of sipp, peak RSS, and the
// fewest and most calls up.
func (b *bench) measure(s *sippRun, d time.Duration, rss0 int64) measurement {
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	media.ResetPacerStats()
	sched0 := schedLatency()
	var late uint64
	m := measurement{minActive: 1 << 30}
	cpu0, sipp0, t0 := procCPU(os.Getpid()), procCPU(s.pid()), time.Now()
	var sippLast time.Duration
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-s.done: // the CPS run ended (or a concurrency run ended early: the row shows it)
			break loop
		case <-tick.C:
		}
		a := b.srv.ActiveCalls()
		m.minActive, m.maxActive = min(m.minActive, a), max(m.maxActive, a)
		m.rssMax = max(m.rssMax, vmRSS())
		if c := procCPU(s.pid()); c > 0 {
			sippLast = c
		}
		ps := media.PacerStats()
		if ps.Late+ps.Skipped-late > uint64(max(ps.Sessions/2, 1)) {
			m.stalls++
		}
		late = ps.Late + ps.Skipped
		if g := runtime.NumGoroutine(); g > m.goroutines {
			m.goroutines = g
		}
		if d > 0 && time.Since(t0) >= d {
			break loop
		}
	}
	el := time.Since(t0)
	m.pacer = media.PacerStats()
	runtime.ReadMemStats(&ms1)
	m.schedP99 = histQuantile(sched0, schedLatency(), 0.99)
	m.gcs, m.gcPause = ms1.NumGC-ms0.NumGC, time.Duration(ms1.PauseTotalNs-ms0.PauseTotalNs)
	m.cpu = 100 * float64(procCPU(os.Getpid())-cpu0) / float64(el)
	m.sippCPU = 100 * float64(sippLast-sipp0) / float64(el)
	if m.minActive == 1<<30 {
		m.minActive = 0
	}
	_ = rss0
	return m
}

// settle waits until every call has ended (and its execution was saved).
func (b *bench) settle(t *testing.T) {
	deadline := time.Now().Add(60 * time.Second)
	for b.srv.ActiveCalls() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if a := b.srv.ActiveCalls(); a > 0 {
		t.Logf("%d calls still up 60 s after sipp ended", a)
	}
}

// digits counts the flow's executions and those that took the key press.
func (b *bench) digits(t *testing.T, flowSID string) (execs, keyed int) {
	ctx := context.Background()
	require.NoError(t, b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM executions WHERE flow_sid = ?`, flowSID).Scan(&execs))
	require.NoError(t, b.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT execution_sid) FROM steps
		WHERE flow_sid = ? AND transitioned_from = 'menu' AND name = 'keypress'`, flowSID).Scan(&keyed))
	if keyed < execs {
		t.Logf("executions without the key press: %s", b.lostPaths(ctx, t, flowSID))
	}
	return execs, keyed
}

// lostPaths says where the executions that did not take the key press went
// instead: their steps' transitions in order and their status, grouped.
func (b *bench) lostPaths(ctx context.Context, t *testing.T, flowSID string) string {
	rows, err := b.db.QueryContext(ctx, `SELECT paths, status, COUNT(*) FROM (
		SELECT e.status AS status, (SELECT COALESCE(group_concat(s.transitioned_from || '.' || s.name, ' → '), 'no steps') FROM
			(SELECT transitioned_from, name FROM steps WHERE execution_sid = e.sid ORDER BY seq) s) AS paths
		FROM executions e WHERE e.flow_sid = ? AND NOT EXISTS (SELECT 1 FROM steps WHERE execution_sid = e.sid
			AND transitioned_from = 'menu' AND name = 'keypress'))
		GROUP BY paths, status ORDER BY COUNT(*) DESC LIMIT 5`, flowSID)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var paths, status string
		var n int
		if err := rows.Scan(&paths, &status, &n); err != nil {
			return err.Error()
		}
		out = append(out, fmt.Sprintf("%d × %s (%s)", n, paths, status))
	}
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	return strings.Join(out, "; ")
}

func renderTable(groups [][]benchRow, bestCPS int) string {
	var sb strings.Builder
	runs := 0
	if len(groups) > 0 {
		runs = len(groups[0])
	}
	fmt.Fprintf(&sb, "## make bench-voice (%s, GOMAXPROCS %d, %s, %d runs per row)\n\n", time.Now().Format(time.DateTime), runtime.GOMAXPROCS(0), runtime.Version(), runs)
	sb.WriteString("| phase | sustained (median run) | p50 ms | p99 ms | p999 ms | max ms | late; skipped frames | CPU % | sipp CPU % | KB per call | goroutines per call | live heap KB per call | calls ok | failed | refused (503) | digits lost | notes (median run) |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		// Pacing, CPU and memory come from the runs that had a plateau
		// (a run whose ramp was refused has none: "—", not a zero).
		var m []benchRow
		for _, r := range g {
			if !r.noPlateau {
				m = append(m, r)
			}
		}
		measured := func(f func(benchRow) float64, prec int) string {
			if len(m) == 0 {
				return "—"
			}
			return spread(m, f, prec)
		}
		// The median run by p99 gives the text cells.
		byP99 := slices.Clone(m)
		if len(byP99) == 0 {
			byP99 = slices.Clone(g)
		}
		slices.SortFunc(byP99, func(a, b benchRow) int { return cmp.Compare(a.pacer.P99, b.pacer.P99) })
		med := byP99[len(byP99)/2]
		lost, execs := 0, 0
		for _, r := range g {
			lost += r.lost
			execs += r.executions
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s; %s | %s | %s | %s | %s | %s | %s | %s | %s | %d of %d | %s |\n",
			med.phase, med.sustained,
			measured(func(r benchRow) float64 { return ms(r.pacer.P50) }, 2),
			measured(func(r benchRow) float64 { return ms(r.pacer.P99) }, 2),
			measured(func(r benchRow) float64 { return ms(r.pacer.P999) }, 2),
			measured(func(r benchRow) float64 { return ms(r.pacer.Max) }, 2),
			measured(func(r benchRow) float64 { return float64(r.pacer.Late) }, 0),
			measured(func(r benchRow) float64 { return float64(r.pacer.Skipped) }, 0),
			measured(func(r benchRow) float64 { return r.cpu }, 0),
			measured(func(r benchRow) float64 { return r.sipp }, 0),
			measured(func(r benchRow) float64 { return r.kbPerCall }, 0),
			measured(func(r benchRow) float64 { return r.gPerCall }, 2),
			measured(func(r benchRow) float64 { return r.heapPerKB }, 0),
			spread(g, func(r benchRow) float64 { return float64(r.calls) }, 0),
			spread(g, func(r benchRow) float64 { return float64(r.failed) }, 0),
			spread(g, func(r benchRow) float64 { return float64(r.refused) }, 0),
			lost, execs, med.note)
	}
	fmt.Fprintf(&sb, "\nHighest offered CPS at which, in every run, the admitted calls kept pacing p99 ≤ 3 ms, none failed and no digit was lost: %d\n", bestCPS)
	sb.WriteString("Cells are min / median / max over the runs; digits lost add up every run. ")
	sb.WriteString("Deviation: |send interval − 20 ms| over every RTP packet sent in the window (50 µs buckets). CPU: % of one core; ")
	sb.WriteString("KB per call: RSS growth ÷ calls up (concurrency rows: RSS, goroutines and live heap after a GC read once at the plateau, before the measured window, ÷ the calls up then; CPS rows: peak RSS growth ÷ peak calls up). Refused: INVITEs the load guard answered 503 + Retry-After (not counted as failed). ")
	sb.WriteString("Digits lost: admitted calls' executions that did not take menu.keypress.\n")
	return sb.String()
}

// procCPU is utime+stime of a process.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)       // field 14
	k, _ := strconv.ParseInt(f[12], 10, 64)       // field 15
	return time.Duration(u+k) * time.Second / 100 // CLK_TCK is 100 on Linux
}

// vmRSS is this process's resident set in bytes.
func vmRSS() int64 { return procStatus("VmRSS:") }

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// goMemory says where Go's own memory sits (no GC forced): what RSS holds
// beyond it is outside Go's heap and stacks (SQLite's allocator, the
// binary, thread stacks).
func goMemory() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mb := func(v uint64) float64 { return float64(v) / (1 << 20) }
	other := ms.Sys - ms.HeapSys - ms.StackSys
	goRSS := ms.HeapInuse + ms.HeapIdle - ms.HeapReleased + ms.StackInuse + other
	start := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(start)
	var startKB uint64
	if start[0].Value.Kind() == metrics.KindUint64 {
		startKB = start[0].Value.Uint64() >> 10
	}
	return fmt.Sprintf("heap in use %.1f MB, heap free not returned %.1f MB, goroutine stacks %.1f MB (new ones start at %d KB), runtime other %.1f MB; anonymous memory outside Go at most %.1f MB; file-backed (the binary's pages, shared libraries) %.1f MB",
		mb(ms.HeapInuse), mb(ms.HeapIdle-ms.HeapReleased), mb(ms.StackInuse), startKB, mb(other), mb(uint64(max(procStatus("RssAnon:")-int64(goRSS), 0))),
		mb(uint64(procStatus("RssFile:"))))
}

// heapAfterGC is the live heap: what a full GC leaves allocated.
func heapAfterGC() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// settledRSS returns RSS after a GC that hands freed memory back.
func settledRSS() int64 {
	debug.FreeOSMemory()
	return vmRSS()
}

func envInts(t *testing.T, name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	if v == "none" {
		return out
	}
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(t, err, "%s=%q", name, v)
		out = append(out, n)
	}
	return out
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "%s=%q", name, v)
	return d
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	r := bufio.NewReader(f)
	for {
		_, err := r.ReadString('\n')
		if err == io.EOF {
			return n
		}
		if err != nil {
			return n
		}
		n++
	}
}

// benchAdmit is the guard's learned admission rate asked only while a call
// is up, as app/voicewire.go wires it.
type benchAdmit struct {
	guard *media.LoadGuard
	srv   *atomic.Pointer[sip.Server]
	on    *atomic.Bool // the offered-CPS rows
}

func (a benchAdmit) TakeCall() bool {
	s := a.srv.Load()
	return !a.on.Load() || s == nil || s.ActiveCalls() == 0 || a.guard.TakeCall()
}
func (a benchAdmit) AdmitRate() float64 { return a.guard.AdmitRate() }

// refusedCalls are the INVITEs answered 503 + Retry-After by the load guard
// or the learned admission rate.
func refusedCalls(s *sip.Server) uint64 {
	d := s.Dropped()
	return d[sip.DropOverload] + d[sip.DropAdmitRate]
}
