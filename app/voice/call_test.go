package voice

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

// ivr is the say + gather + split flow callers reach in these tests.
const ivr = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "menu"}]},
  {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "Press one for sales, two for support.", "number_of_digits": 1, "timeout": 5, "finish_on_key": "#", "stop_gather": true},
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech"}, {"event": "timeout", "next": "bye"}]},
  {"name": "route", "type": "split-based-on", "properties": {"input": "{{widgets.menu.Digits}}"}, "transitions": [
    {"event": "noMatch", "next": "bye"},
    {"event": "match", "next": "sales", "conditions": [{"friendly_name": "one", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]}]},
  {"name": "sales", "type": "say-play", "properties": {"say": "Connecting you to sales."}, "transitions": [{"event": "audioComplete"}]},
  {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye."}, "transitions": [{"event": "audioComplete"}]}]}`

const ivrFlow = "FW00000000000000000000000000000077"

// freeRTPRange returns an even base port of n ports free on loopback: other
// test processes on the machine (benchmarks) may hold whole ranges, and a
// pool whose every port is taken answers 503.
func freeRTPRange(t *testing.T, n int) int { return siptest.FreeUDPRange(t, n) }

type phone struct {
	st   *store.Store
	sip  *sip.Server
	svc  *Service
	port int
	dir  string
	rtp  [2]int // the media port range
}

// newPhone starts the whole voice stack on loopback: store, runner, SIP
// server, RTP port pool, TTS prompts and recordings. Options may change the
// SIP server's Config (trunks, allow-list) before it starts.
func newPhone(t *testing.T, opts ...func(*sip.Config)) *phone {
	return newPhoneWith(t, nil, opts...)
}

// newPhoneWith is newPhone with a change to the Service before any call
// can arrive.
func newPhoneWith(t *testing.T, service func(*Service), opts ...func(*sip.Config)) *phone {
	t.Helper()
	siptest.RequireTool(t, "espeak-ng", "espeak-ng")
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.True(t, schema.Validate([]byte(ivr)).Valid(), "%v", schema.Validate([]byte(ivr)).Errors)
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: ivrFlow, FriendlyName: "ivr", Status: store.StatusPublished, Definition: json.RawMessage(ivr), Valid: true})
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	speech, err := tts.New(tts.Options{})
	require.NoError(t, err)
	rtpBase := freeRTPRange(t, 200)
	v := &Service{Store: st, Runner: r, Ports: media.NewPortPool(netip.MustParseAddr("127.0.0.1"), rtpBase, rtpBase+200),
		Prompts: &PromptLibrary{TTS: speech, MediaDir: filepath.Join(dir, "media")},
		Recordings: &RecordingStore{Dir: filepath.Join(dir, "recordings"), BaseURL: func() string { return "http://127.0.0.1:8080" },
			Account: "AC00000000000000000000000000000001"},
		AccountSID: "AC00000000000000000000000000000001", Log: log}
	if service != nil {
		service(v)
	}
	port := siptest.FreePort(t)
	cfg := sip.Config{Listen: "127.0.0.1:" + strconv.Itoa(port), Router: v, Handler: v.Handle, Logger: log}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := sip.NewServer(cfg)
	require.NoError(t, err)
	sctx, cancel := context.WithCancel(ctx)
	require.NoError(t, srv.Start(sctx))
	t.Cleanup(func() { cancel(); srv.Close() })
	return &phone{st: st, sip: srv, svc: v, port: port, dir: dir, rtp: [2]int{rtpBase, rtpBase + 200}}
}

// sipp runs a scenario from testdata/sipp with PCAP replaced, dialling
// service, and returns its exit code and logs.
func (p *phone) sipp(t *testing.T, scenario, pcap, service string, extra ...string) (int, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sipp", scenario))
	require.NoError(t, err)
	return runSipp(t, "127.0.0.1:"+strconv.Itoa(p.port), scenario, strings.ReplaceAll(string(b), "PCAP", pcap), service, extra...)
}

// noEcho among runSipp's extra arguments drops -rtp_echo (a caller that
// sends only its own audio).
const noEcho = "<no -rtp_echo>"

// runSipp runs the scenario text xml (saved as name) against target.
func runSipp(t *testing.T, target, name, xml, service string, extra ...string) (int, string) {
	t.Helper()
	echo := []string{"-rtp_echo"}
	var rest []string
	for _, a := range extra {
		if a == noEcho {
			echo = nil
		} else {
			rest = append(rest, a)
		}
	}
	bin := siptest.RequireTool(t, "sipp", "sip-tester")
	dir := t.TempDir()
	sf := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(sf, []byte(xml), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{target, "-sf", sf, "-s", service, "-i", "127.0.0.1",
		"-p", strconv.Itoa(siptest.FreePort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(siptest.FreePort(t))}, echo...)
	args = append(append(args, "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err"), rest...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	rc := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sipp: %v", err)
	}
	logs := string(out)
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".log") {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				logs += "\n--- " + e.Name() + " ---\n" + string(b)
			}
		}
	}
	return rc, logs
}

// path lists an execution's steps as widget.event>next, oldest first.
func path(t *testing.T, st *store.Store, flowSID string) (engine.Execution, []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := st.Executions(ctx, flowSID, store.ExecutionFilter{}, store.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	x, err := st.Execution(ctx, rows[0].SID)
	require.NoError(t, err)
	steps, err := st.Steps(ctx, x.SID)
	require.NoError(t, err)
	var out []string
	for _, s := range steps {
		out = append(out, s.TransitionedFrom+"."+s.Name+">"+s.TransitionedTo)
	}
	return *x, out
}

func TestCallPressOneRFC4733(t *testing.T) {
	p := newPhone(t)
	rc, logs := p.sipp(t, "ivr_dtmf.xml", "/usr/share/sip-tester/dtmf_2833_1.pcap", ivrFlow, "-d", "1500")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, []string{"Trigger.incomingCall>menu", "menu.keypress>route", "route.match>sales", "sales.audioComplete>Ended"}, steps)
	call := x.Context.Trigger()["call"].(map[string]any)
	require.Equal(t, "+15550001111", call["From"])
	require.Equal(t, "inbound", call["Direction"])
}

// TestCallByNumberAndTimeout: a number from the numbers table reaches its
// flow; a caller who presses nothing goes down the timeout path; an unknown
// number is refused with 404.
func TestCallByNumberAndTimeout(t *testing.T) {
	p := newPhone(t)
	_, err := p.st.CreateNumber(context.Background(), store.Number{SID: "PN00000000000000000000000000000001", PhoneNumber: "1000", VoiceFlowSID: ivrFlow})
	require.NoError(t, err)
	// The caller presses nothing: the gather's 5 s timeout fires and the
	// flow says goodbye and hangs up.
	rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", "1000")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, []string{"Trigger.incomingCall>menu", "menu.timeout>bye", "bye.audioComplete>Ended"}, steps)

	rc, logs = p.sipp(t, "ivr_dtmf.xml", "/usr/share/sip-tester/dtmf_2833_1.pcap", "9999", "-d", "500")
	require.NotEqual(t, 0, rc)
	require.Contains(t, logs, "404")
}

// TestCallRecordedDualChannel: the record-call widget records the whole
// call in stereo on one time grid: the caller on the left (sipp plays a
// speech pcap into a voicemail) and what the caller hears on the right (the
// beep). Our own RTP echoed back is not the caller: the test runs with
// sipp echoing and the left channel must still be only the caller.
func TestCallRecordedDualChannel(t *testing.T) {
	p := newPhone(t)
	recorded := strings.Replace(voicemail, `"next": "vm"}]},`, `"next": "rec"}]},
  {"name": "rec", "type": "record-call", "properties": {"record_call": true, "recording_channels": "dual"}, "transitions": [{"event": "success", "next": "vm"}, {"event": "failed", "next": "vm"}]},`, 1)
	const flowSID = "FW00000000000000000000000000000079"
	p.addFlow(t, flowSID, recorded)
	rc, logs := p.sipp(t, "voicemail_pcma.xml", "/usr/share/sip-tester/g711a.pcap", flowSID, "-d", "3500")
	require.Equal(t, 0, rc, logs)
	_, steps := path(t, p.st, flowSID)
	require.Equal(t, []string{"Trigger.incomingCall>rec", "rec.success>vm"}, steps[:2])

	files, err := filepath.Glob(filepath.Join(p.dir, "recordings", "RE*.wav"))
	require.NoError(t, err)
	var stereo []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if len(b) > 44 && b[22] == 2 {
			stereo = b
		}
	}
	require.NotNil(t, stereo, "a two-channel recording among %v", files)
	require.Equal(t, "data", string(stereo[36:40]))
	var left, right float64
	n := 0
	for i := 44; i+3 < len(stereo); i += 4 {
		l := float64(int16(uint16(stereo[i]) | uint16(stereo[i+1])<<8))
		r := float64(int16(uint16(stereo[i+2]) | uint16(stereo[i+3])<<8))
		left += l * l
		right += r * r
		n++
	}
	require.Greater(t, n, 8000, "more than a second recorded")
	require.Greater(t, left/float64(n), 1000.0, "the caller's speech is on the left")
	require.Greater(t, right/float64(n), 100.0, "the beep is on the right")
}

// TestCallSurvivesJunkRTP: while a call runs, every media port of the range
// is sprayed with junk (wrong payload types, truncated, oversized, not RTP,
// a foreign source's packets); the call still completes on the caller's
// key press.
func TestCallSurvivesJunkRTP(t *testing.T) {
	p := newPhone(t)
	stop := make(chan struct{})
	sprayed := make(chan int)
	go func() {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			sprayed <- 0
			return
		}
		defer c.Close()
		junk := [][]byte{
			{0x80, 0x12, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0xff, 0xff}, // RTP, payload type 18 (G.729)
			{0x80, 0x00, 0, 2}, // truncated header
			append([]byte{0x80, 0x00, 0, 3, 0, 0, 0, 2, 0, 0, 0, 9}, make([]byte, 1400)...), // large PCMU from a stranger
			[]byte("INVITE sip:x SIP/2.0\r\n\r\n"),                                          // not RTP at all
			{0x80, 0x65, 0, 4, 0, 0, 0, 3, 0, 0, 0, 9, 1, 0x80, 0, 160},                     // telephone-event "1" from a stranger
		}
		n := 0
		for {
			select {
			case <-stop:
				sprayed <- n
				return
			default:
			}
			for port := p.rtp[0]; port < p.rtp[1]; port++ {
				for _, j := range junk {
					_, _ = c.WriteTo(j, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
					n++
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	rc, logs := p.sipp(t, "ivr_dtmf.xml", "/usr/share/sip-tester/dtmf_2833_2.pcap", ivrFlow, "-d", "1500")
	close(stop)
	n := <-sprayed
	require.Greater(t, n, 1000, "junk was sent")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	// 2 is not sales: the split's noMatch says goodbye. A stranger's "1"
	// must not have been taken.
	require.Equal(t, []string{"Trigger.incomingCall>menu", "menu.keypress>route", "route.noMatch>bye", "bye.audioComplete>Ended"}, steps)
}

// TestCallVanishesWithoutBye: a caller whose media stops and who never sends
// BYE is hung up after the media timeout; the execution ends and the media
// port is released.
func TestCallVanishesWithoutBye(t *testing.T) {
	p := newPhoneWith(t, func(v *Service) { v.MediaTimeout = time.Second })
	start := time.Now()
	rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", ivrFlow, noEcho) // sends no RTP at all
	require.Equal(t, 0, rc, "we hang up with BYE: %s", logs)
	require.Less(t, time.Since(start), 4*time.Second, "hung up by the media timeout, not the gather's 5 s")
	p.waitIdle(t, ivrFlow, 5*time.Second)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, []string{"Trigger.incomingCall>menu", "menu.hangup>Ended"}, steps)
	require.Equal(t, engine.EndHangup, x.EndReason)
}

// TestCallRefusedWhenTheFlowCannotRun: a flow with no published revision
// refuses the call (480) before answering, and leaves no execution.
func TestCallRefusedWhenTheFlowCannotRun(t *testing.T) {
	p := newPhone(t)
	const draft = "FW00000000000000000000000000000080"
	_, err := p.st.CreateFlow(context.Background(), store.NewFlow{SID: draft, FriendlyName: "draft", Status: store.StatusDraft,
		Definition: json.RawMessage(ivr), Valid: true})
	require.NoError(t, err)
	rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", draft)
	require.NotEqual(t, 0, rc)
	require.Contains(t, logs, "480")
	n, err := p.st.CountExecutions(context.Background(), "")
	require.NoError(t, err)
	require.Zero(t, n)
	p.waitIdle(t, draft, 5*time.Second)
}

// stepEvents are the events of an execution's steps by the widget they
// left (the flow has one execution).
func stepEvents(t *testing.T, st *store.Store, flowSID string) map[string][]engine.Event {
	t.Helper()
	x, _ := path(t, st, flowSID)
	steps, err := st.Steps(context.Background(), x.SID)
	require.NoError(t, err)
	out := map[string][]engine.Event{}
	for _, s := range steps {
		out[s.TransitionedFrom] = append(out[s.TransitionedFrom], s.Events...)
	}
	return out
}
