package voice

// End-to-end tests of make-outgoing-call-v2 on real peers: a REST-style
// execution (runner.Launch, as POST /v2/Flows/{Sid}/Executions does) whose
// call the Dialer places to baresip registered with us as a desk phone, to
// sipp UAS scenarios behind an IP trunk, or to nobody; machine detection
// against baresip playing an espeak greeting; and the crash rule.

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

const outFlow = "FW000000000000000000000000000000c1"

// outDef calls the contact from the flow's address; answered says a
// sentence on the call and ends (hang-up).
func outDef(callProps string) string {
	return `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "call"}]},
  {"name": "call", "type": "make-outgoing-call-v2", "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"` + callProps + `},
   "transitions": [{"event": "answered", "next": "hello"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}]},
  {"name": "hello", "type": "say-play", "properties": {"say": "Hello. This is the switchboard calling you about your appointment tomorrow."}, "transitions": [{"event": "audioComplete"}]}]}`
}

// dialing is a phone with a running Dialer.
func dialing(t *testing.T, def string, opts ...func(*sip.Config)) (*phone, *Dialer) {
	t.Helper()
	p := newPhone(t, opts...)
	p.addFlow(t, outFlow, def)
	return p, runDialer(t, p)
}

// runDialer runs a Dialer for p until the test ends.
func runDialer(t *testing.T, p *phone) *Dialer {
	t.Helper()
	d := &Dialer{Service: p.svc, SIP: p.sip, Poll: 200 * time.Millisecond}
	p.svc.Runner.OnCalls(d.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("dialer did not stop")
		}
	})
	return d
}

// launch starts the flow for contact to from from, as the REST API does.
func launch(t *testing.T, p *phone, from, to string) {
	t.Helper()
	_, err := p.svc.Runner.Launch(context.Background(), outFlow, engine.Trigger{Event: engine.EventIncomingRequest, Contact: to, Channel: from,
		InitiatedBy: "FR00000000000000000000000000000001"})
	require.NoError(t, err)
}

// startDeskPhone runs baresip registered with us as user (digest),
// auto-answering; it plays in (8 kHz) as its microphone and dumps what it
// hears.
func startDeskPhone(t *testing.T, p *phone, user, pass string, in []int16) *baresip {
	t.Helper()
	bin := siptest.RequireTool(t, "baresip", "baresip-core")
	p.sip.SetUsers([]sip.User{{Username: user, Password: pass}})
	if in == nil {
		in = make([]int16, 8000*10)
	}
	dir, cons := baresipDir(t, in, "<sip:"+user+"@127.0.0.1:"+strconv.Itoa(p.port)+">;auth_pass="+pass+";regint=60;answermode=auto\n")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-f", dir, "-t", "35")
	logf, err := os.Create(filepath.Join(dir, "baresip.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	siptest.OwnGroup(cmd)
	require.NoError(t, cmd.Start())
	b := &baresip{dir: dir, cons: cons, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(b.done) }()
	t.Cleanup(func() {
		_ = siptest.KillGroup(cmd, true)
		<-b.done
		cancel()
	})
	deadline := time.Now().Add(5 * time.Second)
	for len(p.sip.Registrations()) == 0 {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "baresip.log"))
			t.Fatalf("baresip did not register; log:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return b
}

// waitOutIdle waits until no outbound call, RTP port or active execution is
// left.
func (p *phone) waitOutIdle(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for p.sip.OutboundCalls() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d outbound calls left", p.sip.OutboundCalls())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.waitIdle(t, outFlow, time.Until(deadline)+time.Second)
}

// TestOutboundCallDeskPhone: the execution calls desk phone "desk1"
// (baresip registered with us, auto-answer): answered with CallStatus
// in-progress; the widget's send_digits 1w2 reach the phone as RFC 4733
// events, in order; the call is recorded (record); then the flow says its sentence on that call — baresip
// hears over a second of speech — and hangs up.
func TestOutboundCallDeskPhone(t *testing.T) {
	p, _ := dialing(t, outDef(`, "timeout": 10, "send_digits": "1w2", "record": true`))
	b := startDeskPhone(t, p, "desk1", "pw1", nil)
	launch(t, p, "+15550001000", "desk1")
	p.waitEnded(t, outFlow, 20*time.Second)
	x, steps := path(t, p.st, outFlow)
	require.Equal(t, []string{"Trigger.incomingRequest>call", "call.answered>hello", "hello.audioComplete>Ended"}, steps)
	out := x.Context.Widget("call")
	require.Equal(t, "in-progress", out["CallStatus"])
	require.Equal(t, "desk1", out["To"])
	require.Regexp(t, `^CA[0-9a-f]{32}$`, out["CallSid"])
	require.NotContains(t, out, "AnsweredBy", "no machine detection asked for")
	p.waitOutIdle(t, 5*time.Second)
	heard := b.quit(t)
	var loud []int16
	for i := 0; i+160 <= len(heard); i += 160 {
		if rmsDBFS(heard[i:i+160]) > -40 {
			loud = append(loud, heard[i:i+160]...)
		}
	}
	t.Logf("desk phone heard %d ms of sound", len(loud)/8)
	blog, err := os.ReadFile(filepath.Join(b.dir, "baresip.log"))
	require.NoError(t, err)
	one, two := strings.Index(string(blog), "received event: '1'"), strings.Index(string(blog), "received event: '2'")
	require.True(t, one >= 0 && two > one, "send_digits 1w2 not received in order; log:\n%s", blog)
	// record: the whole call, both sides, in one stereo WAV (16-bit):
	// about 5 s (the digits, the sentence).
	wavs, err := filepath.Glob(filepath.Join(p.dir, "recordings", "*.wav"))
	require.NoError(t, err)
	require.Len(t, wavs, 1)
	fi, err := os.Stat(wavs[0])
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(2*2*8000*3), "recording shorter than 3 s of stereo")
	require.GreaterOrEqual(t, len(loud), 8000, "less than 1 s of the prompt heard")
	row, err := p.st.OutboundCallBySID(context.Background(), out["CallSid"].(string))
	require.NoError(t, err)
	require.Equal(t, store.CallInProgress, row.Status)
	require.True(t, row.Resumed)
	require.NotEmpty(t, row.SIPCallID)
}

// farEnd is a sipp UAS scenario from sip/testdata/sipp behind an IP trunk.
type farEnd struct {
	port int
	done chan struct{}
	rc   int
	out  strings.Builder
}

func startFarEnd(t *testing.T, scenario string) *farEnd {
	t.Helper()
	bin := siptest.RequireTool(t, "sipp", "sip-tester")
	f := &farEnd{port: siptest.FreePort(t), done: make(chan struct{})}
	sf, err := filepath.Abs(filepath.Join("..", "..", "sip", "testdata", "sipp", scenario))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(f.port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(siptest.FreePort(t)), "-m", "1", "-nostdin", "-timeout", "15s", "-timeout_error")
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &f.out, &f.out
	require.NoError(t, cmd.Start())
	go func() {
		defer close(f.done)
		defer cancel()
		var ee *exec.ExitError
		if err := cmd.Wait(); errors.As(err, &ee) {
			f.rc = ee.ExitCode()
		} else if err != nil {
			f.rc = -1
		}
	}()
	t.Cleanup(func() { cancel(); <-f.done })
	deadline := time.Now().Add(3 * time.Second)
	for {
		pc, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(f.port))
		if err != nil {
			break // sipp has it
		}
		pc.Close()
		require.True(t, time.Now().Before(deadline), "sipp UAS did not bind")
		time.Sleep(20 * time.Millisecond)
	}
	return f
}

func (f *farEnd) wait(t *testing.T) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		t.Fatal("sipp UAS did not finish")
	}
	require.Equal(t, 0, f.rc, f.out.String())
}

const trunkSID = "TK000000000000000000000000000000a1"

// viaTrunk makes addr an IP trunk (no registration) whose number is
// +15550001000, in the store (for the dialer's choice) and in the SIP
// server.
func viaTrunk(addr string) func(*sip.Config) {
	return func(c *sip.Config) {
		c.Trunks = []sip.Trunk{{Key: trunkSID, Name: "sippy", Registrar: addr}}
	}
}

func storeTrunk(t *testing.T, p *phone, addr string) {
	t.Helper()
	_, err := p.st.CreateTrunk(context.Background(), store.Trunk{SID: trunkSID, FriendlyName: "sippy", Registrar: addr,
		Numbers: []string{"+15550001000"}})
	require.NoError(t, err)
}

// TestOutboundCallTrunkResults: through the trunk that owns the From
// number, a sipp UAS answers 486 (busy) or rings past the widget's timeout
// (our CANCEL; noAnswer); a destination that is neither a number, a
// registered desk phone nor a URI fails at once.
func TestOutboundCallTrunkResults(t *testing.T) {
	tests := []struct {
		name, scenario, to, timeout, event, status string
	}{
		{"busy", "uas_busy.xml", "+15557770001", "10", "busy", "busy"},
		{"no answer", "uas_ring_cancel.xml", "+15557770002", "1", "noAnswer", "no-answer"},
		{"unknown user", "", "nobody", "10", "failed", "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noGoroutineLeaks(t)
			addr := "127.0.0.1:9" // discard: nothing is sent there
			var far *farEnd
			if tc.scenario != "" {
				far = startFarEnd(t, tc.scenario)
				addr = "127.0.0.1:" + strconv.Itoa(far.port)
			}
			p, _ := dialing(t, outDef(`, "timeout": `+tc.timeout), viaTrunk(addr))
			storeTrunk(t, p, addr)
			start := time.Now()
			launch(t, p, "+15550001000", tc.to)
			p.waitEnded(t, outFlow, 15*time.Second)
			x, steps := path(t, p.st, outFlow)
			require.Equal(t, []string{"Trigger.incomingRequest>call", "call." + tc.event + ">Ended"}, steps)
			out := x.Context.Widget("call")
			require.Equal(t, tc.status, out["CallStatus"])
			row, err := p.st.OutboundCallBySID(context.Background(), out["CallSid"].(string))
			require.NoError(t, err)
			require.Equal(t, tc.status, row.Status)
			t.Logf("%s after %s: %s", tc.status, time.Since(start).Round(time.Millisecond), row.ErrorMessage)
			if far != nil {
				far.wait(t)
			} else {
				require.Contains(t, row.ErrorMessage, "neither a number")
			}
			p.waitOutIdle(t, 5*time.Second)
		})
	}
}

// TestOutboundCallMachineDetection: baresip, as the desk phone, answers
// with espeak audio: a long voicemail greeting is machine_start, a short
// "Hello?" and then silence is a person; either way the flow goes on on
// the call.
func TestOutboundCallMachineDetection(t *testing.T) {
	tests := []struct {
		name string
		in   []int16
		want string
	}{
		{"voicemail greeting", cat(speak(t, machineGreeting), silence(8*time.Second)), AnsweredMachineStart},
		{"person says hello", cat(silence(400*time.Millisecond), speak(t, humanHello), silence(12*time.Second)), AnsweredHuman},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := dialing(t, outDef(`, "timeout": 10, "detect_answering_machine": true, "machine_detection": "Enable"`))
			b := startDeskPhone(t, p, "desk1", "pw1", tc.in)
			launch(t, p, "+15550001000", "desk1")
			p.waitEnded(t, outFlow, 30*time.Second)
			x, steps := path(t, p.st, outFlow)
			require.Equal(t, []string{"Trigger.incomingRequest>call", "call.answered>hello", "hello.audioComplete>Ended"}, steps)
			out := x.Context.Widget("call")
			t.Logf("AnsweredBy %v after %v ms", out["AnsweredBy"], out["MachineDetectionDuration"])
			require.Equal(t, tc.want, out["AnsweredBy"])
			ms, err := strconv.Atoi(out["MachineDetectionDuration"].(string))
			require.NoError(t, err)
			require.True(t, ms >= 1200 && ms <= 6000, "MachineDetectionDuration %d ms", ms)
			p.waitOutIdle(t, 5*time.Second)
			b.quit(t)
		})
	}
}

// TestOutboundCallLeftDialingIsNotRedialled: a call row a dead process left
// dialing (claimed, never finished) becomes failed when the dialer starts:
// the execution follows failed and no INVITE reaches the trunk.
func TestOutboundCallLeftDialingIsNotRedialled(t *testing.T) {
	far, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer far.Close()
	addr := far.LocalAddr().String()
	p := newPhone(t, viaTrunk(addr))
	p.addFlow(t, outFlow, outDef(`, "timeout": 10`))
	storeTrunk(t, p, addr)
	launch(t, p, "+15550001000", "+15557770003")
	// The dead process's claim.
	ctx := context.Background()
	var row *store.OutboundCall
	deadline := time.Now().Add(5 * time.Second)
	for row == nil {
		row, err = p.st.ClaimOutboundCall(ctx, time.Now(), time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			require.True(t, time.Now().Before(deadline), "no call queued")
			time.Sleep(20 * time.Millisecond)
			continue
		}
		require.NoError(t, err)
	}
	require.Equal(t, store.CallDialing, row.Status)

	runDialer(t, p)
	p.waitEnded(t, outFlow, 10*time.Second)
	x, steps := path(t, p.st, outFlow)
	require.Equal(t, []string{"Trigger.incomingRequest>call", "call.failed>Ended"}, steps)
	require.Equal(t, "failed", x.Context.Widget("call")["CallStatus"])
	got, err := p.st.OutboundCallBySID(ctx, row.SID)
	require.NoError(t, err)
	require.Equal(t, store.CallFailed, got.Status)
	require.Equal(t, errAbandoned, got.ErrorMessage)
	require.True(t, got.Resumed)
	// Nothing was sent to the trunk.
	require.NoError(t, far.SetReadDeadline(time.Now().Add(time.Second)))
	n, _, err := far.ReadFrom(make([]byte, 2048))
	require.Error(t, err, "the trunk got %d bytes: the call was placed again", n)
}

// TestOutboundCallFarEndHangsUp: a sipp UAS behind the trunk answers with
// PCMA, talks, and hangs up 1.5 s later, in the middle of the flow's
// sentence: the execution ends there (hang-up), as an inbound caller's
// would, and the prompt is not played out.
func TestOutboundCallFarEndHangsUp(t *testing.T) {
	noGoroutineLeaks(t)
	far := startFarEnd(t, "uas_answer_bye.xml")
	addr := "127.0.0.1:" + strconv.Itoa(far.port)
	p, _ := dialing(t, outDef(`, "timeout": 10`), viaTrunk(addr))
	storeTrunk(t, p, addr)
	launch(t, p, "+15550001000", "+15557770004")
	p.waitEnded(t, outFlow, 15*time.Second)
	x, steps := path(t, p.st, outFlow)
	require.GreaterOrEqual(t, len(steps), 2, "%v", steps)
	require.Equal(t, []string{"Trigger.incomingRequest>call", "call.answered>hello"}, steps[:2])
	for _, s := range steps {
		require.NotEqual(t, "hello.audioComplete>Ended", s, "the prompt ran to its end after the BYE: %v", steps)
	}
	require.Equal(t, engine.EndHangup, x.EndReason, "steps %v", steps)
	far.wait(t)
	p.waitOutIdle(t, 5*time.Second)
}

// noGoroutineLeaks checks, after every later cleanup (the dialer, the SIP
// server, the runner), that the goroutines are back to where they were.
// Call it first in a test.
func noGoroutineLeaks(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d, were %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
	})
}

// TestDialerTarget: how a widget's to becomes a leg: a sip: URI as it is; a
// number through the trunk that owns from, else the first usable trunk
// (registered, or an IP trunk); nothing usable is a clear error.
func TestDialerTarget(t *testing.T) {
	p := newPhone(t, func(c *sip.Config) {
		c.Trunks = []sip.Trunk{
			{Key: "TK1", Name: "reg", Registrar: "127.0.0.1:9", Username: "u", Password: "p"}, // never registers
			{Key: "TK2", Name: "ip", Registrar: "127.0.0.1:9"},
			{Key: "TK3", Name: "owner", Registrar: "127.0.0.1:9", Username: "u3", Password: "p"},
		}
	})
	ctx := context.Background()
	for _, tr := range []store.Trunk{
		{SID: "TK1", FriendlyName: "reg", Registrar: "127.0.0.1:9", Username: "u"},
		{SID: "TK2", FriendlyName: "ip", Registrar: "127.0.0.1:9"},
		{SID: "TK3", FriendlyName: "owner", Registrar: "127.0.0.1:9", Username: "u3", Numbers: []string{"+15550003333"}},
	} {
		_, err := p.st.CreateTrunk(ctx, tr)
		require.NoError(t, err)
	}
	d := &Dialer{Service: p.svc, SIP: p.sip}
	tests := []struct {
		from, to string
		want     sip.DialRequest
		err      string
	}{
		{"+15550001000", "sip:alice@192.0.2.7:5070", sip.DialRequest{URI: "sip:alice@192.0.2.7:5070"}, ""},
		{"+15550001000", " SIP:bob@example.com ", sip.DialRequest{URI: "SIP:bob@example.com"}, ""},
		{"+15550003333", "+15557770001", sip.DialRequest{Trunk: "TK3", Number: "+15557770001"}, ""},
		{"+15550001000", "5557770001", sip.DialRequest{Trunk: "TK2", Number: "5557770001"}, ""},
		{"+15550001000", "desk9", sip.DialRequest{}, "neither a number"},
		{"+15550001000", "+1 555", sip.DialRequest{}, "neither a number"},
	}
	for _, tc := range tests {
		t.Run(tc.to, func(t *testing.T) {
			got, err := d.target(ctx, tc.from, tc.to)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	// Without an IP trunk or a registered one, a number has no way out.
	p2 := newPhone(t)
	_, err := p2.st.CreateTrunk(ctx, store.Trunk{SID: "TK1", FriendlyName: "reg", Registrar: "127.0.0.1:9", Username: "u"})
	require.NoError(t, err)
	_, err = (&Dialer{Service: p2.svc, SIP: p2.sip}).target(ctx, "+15550001000", "+15557770001")
	require.ErrorContains(t, err, "no trunk to call +15557770001")
}
