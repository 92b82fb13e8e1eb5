package voice

// connect-call-to against real peers on loopback: baresip as the caller and
// as a desk phone registered with us (auto-answer), sipp as a far end
// behind a trunk (busy, ringing without answer) and as a caller. Each test
// ends with no SIP call, RTP port, outbound leg, active execution or extra
// goroutine left.

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

const connectFlow = "FW00000000000000000000000000000090"

// connectDef is trigger → connect-call-to (props) → a goodbye after the
// dialled leg ends; the caller hanging up ends the flow.
func connectDef(props string) string {
	return `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "connect"}]},
  {"name": "connect", "type": "connect-call-to", "properties": {"caller_id": "{{contact.channel.address}}", ` + props + `},
   "transitions": [{"event": "callCompleted", "next": "after"}, {"event": "hangup"}]},
  {"name": "after", "type": "say-play", "properties": {"say": "Goodbye."}, "transitions": [{"event": "audioComplete"}]}]}`
}

// softphone is a baresip for connect tests: it sends a sine tone of hz and
// dumps what it hears; account is its accounts line; args go to baresip
// (e.g. -s for a SIP trace in its log).
func startSoftphone(t *testing.T, account string, hz float64, args ...string) *baresip {
	t.Helper()
	bin := siptest.RequireTool(t, "baresip", "baresip-core")
	tone := make([]int16, 8000*30)
	for i := range tone {
		tone[i] = int16(math.Round(0.25 * 32767 * math.Sin(2*math.Pi*hz*float64(i)/8000)))
	}
	dir, cons := baresipDir(t, tone, account+"\n")
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	cmd := exec.CommandContext(ctx, bin, append([]string{"-f", dir, "-t", "40"}, args...)...)
	siptest.OwnGroup(cmd)
	logf, err := os.Create(filepath.Join(dir, "baresip.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	b := &baresip{dir: dir, cons: cons, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(b.done) }()
	t.Cleanup(func() {
		_ = siptest.KillGroup(cmd, true)
		<-b.done
		cancel()
	})
	time.Sleep(500 * time.Millisecond) // console binds
	return b
}

func (b *baresip) log() string {
	l, _ := os.ReadFile(filepath.Join(b.dir, "baresip.log"))
	return string(l)
}

// waitLog waits for s in baresip's log.
func (b *baresip) waitLog(t *testing.T, s string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(b.log(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("baresip log lacks %q after %s:\n%s", s, d, b.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startDesk registers a baresip desk phone as user with us; it answers at
// once and sends a tone of hz.
func startDesk(t *testing.T, p *phone, user string, hz float64) *baresip {
	t.Helper()
	p.sip.SetUsers([]sip.User{{Username: user, Password: "pw-" + user}})
	b := startSoftphone(t, "<sip:"+user+"@127.0.0.1:"+strconv.Itoa(p.port)+">;auth_pass=pw-"+user+";regint=60;answermode=auto", hz)
	deadline := time.Now().Add(5 * time.Second)
	for len(p.sip.Registrations()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("desk phone did not register; log:\n%s", b.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return b
}

// startCaller is a baresip that calls nobody until told; it sends hz.
func startCaller(t *testing.T, hz float64) *baresip {
	return startSoftphone(t, "<sip:+15550001111@127.0.0.1>;regint=0", hz)
}

// toneMs is how many milliseconds of pcm are a tone of hz: 100 ms windows
// louder than -30 dBFS whose zero-crossing frequency is within 15 Hz.
func toneMs(pcm []int16, hz float64) int {
	const w = 800
	n := 0
	for i := 0; i+w <= len(pcm); i += w {
		if rmsDBFS(pcm[i:i+w]) > -30 && math.Abs(zeroCrossHz(pcm[i:i+w], 8000)-hz) <= 15 {
			n++
		}
	}
	return n * 100
}

// sippUAS starts a sipp far end from sip/testdata/sipp and returns its port
// and a wait for its exit code and logs.
func sippUAS(t *testing.T, scenario string) (int, func() (int, string)) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "sip", "testdata", "sipp", scenario))
	require.NoError(t, err)
	return sippUASText(t, scenario, string(src))
}

// sippUASText is sippUAS with the scenario's text (saved as name).
func sippUASText(t *testing.T, scenario, xml string) (int, func() (int, string)) {
	t.Helper()
	bin := siptest.RequireTool(t, "sipp", "sip-tester")
	dir := t.TempDir()
	sf := filepath.Join(dir, scenario)
	require.NoError(t, os.WriteFile(sf, []byte(xml), 0o644))
	port := siptest.FreePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(siptest.FreePort(t)), "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err")
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		rc := 0
		if ee, ok := err.(*exec.ExitError); ok {
			rc = ee.ExitCode()
		}
		done <- rc
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); cancel() })
	time.Sleep(300 * time.Millisecond) // sipp binds
	return port, func() (int, string) {
		var rc int
		select {
		case rc = <-done:
		case <-time.After(35 * time.Second):
			t.Fatal("sipp far end did not finish")
		}
		logs := out.String()
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".log") {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				logs += "\n--- " + e.Name() + " ---\n" + string(b)
			}
		}
		return rc, logs
	}
}

// connectPhone is newPhone with outbound legs enabled and the connect
// flow published.
func connectPhone(t *testing.T, props string) *phone {
	t.Helper()
	var v *Service
	p := newPhoneWith(t, func(s *Service) { v = s })
	v.SIP = p.sip
	p.addFlow(t, connectFlow, connectDef(props))
	return p
}

// settle waits until nothing of the call is left, goroutines included.
func (p *phone) settle(t *testing.T, goroutines int) {
	t.Helper()
	p.waitIdle(t, connectFlow, 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for p.sip.OutboundCalls() != 0 || runtime.NumGoroutine() > goroutines+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("left behind: %d outbound legs, %d goroutines (were %d)\n%s", p.sip.OutboundCalls(),
				runtime.NumGoroutine(), goroutines, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConnectDeskPhone: a baresip caller (1 kHz) reaches a flow that
// rings desk1, a baresip desk phone registered with us (440 Hz), and a
// number behind a trunk (sipp, rings) at once, with record on. The desk
// phone answers first; the number gets our CANCEL. Each hears the other's tone; the caller's RFC 4733 digit
// reaches the desk phone; the desk phone hangs up: callCompleted with
// DialCallStatus completed, a duration and the B leg's CA sid; the
// recording is stereo with the caller left and the far end right.
func TestConnectDeskPhone(t *testing.T) {
	p := connectPhone(t, `"noun": "number-multi", "to": "desk1, +15550002222", "timeout": 10, "record": true`)
	port, wait := sippUAS(t, "uas_ring_cancel.xml")
	trunkTo(p, port)
	desk := startDesk(t, p, "desk1", 440)
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	desk.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(1500 * time.Millisecond)
	caller.send(t, "/sndcode 5")
	time.Sleep(1500 * time.Millisecond)
	desk.send(t, "/hangup")
	p.waitEnded(t, connectFlow, 10*time.Second)
	deskLog := desk.log()
	heardByDesk, heardByCaller := desk.quit(t), caller.quit(t)

	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	w := x.Context.Widget("connect")
	require.Equal(t, "completed", w["DialCallStatus"])
	require.Regexp(t, `^CA[0-9a-f]{32}$`, w["DialCallSid"])
	dur, err := strconv.Atoi(fmt.Sprint(w["DialCallDuration"]))
	require.NoError(t, err)
	require.GreaterOrEqual(t, dur, 2)
	require.LessOrEqual(t, dur, 6)

	fromCaller, fromDesk := toneMs(heardByDesk, 1000), toneMs(heardByCaller, 440)
	t.Logf("desk heard %d ms of the caller's 1 kHz; caller heard %d ms of the desk's 440 Hz", fromCaller, fromDesk)
	require.GreaterOrEqual(t, fromCaller, 1500, "the caller's tone at the desk phone")
	require.GreaterOrEqual(t, fromDesk, 1500, "the desk phone's tone at the caller")
	require.Contains(t, deskLog, "received event: '5' (end=1)", "the caller's RFC 4733 digit did not reach the desk phone")
	require.Contains(t, deskLog, "Call established: sip:+15550001111@", "the caller's number as caller ID")
	rc, logs := wait()
	require.Equal(t, 0, rc, "the ringing number did not get our CANCEL: %s", logs)

	// The recording: the API's URL, caller left, far end right.
	url, _ := w["RecordingUrl"].(string)
	require.Contains(t, url, "/Recordings/RE")
	rsid := url[strings.LastIndex(url, "/")+1:]
	b, err := os.ReadFile(p.svc.Recordings.Path(rsid))
	require.NoError(t, err)
	require.Greater(t, len(b), 44)
	require.Equal(t, byte(2), b[22], "two channels")
	require.Equal(t, "data", string(b[36:40]))
	var left, right []int16
	for i := 44; i+3 < len(b); i += 4 {
		left = append(left, int16(uint16(b[i])|uint16(b[i+1])<<8))
		right = append(right, int16(uint16(b[i+2])|uint16(b[i+3])<<8))
	}
	t.Logf("recording %d ms: left %d ms of 1 kHz, %d ms of 440 Hz; right %d ms of 440 Hz, %d ms of 1 kHz", len(left)/8,
		toneMs(left, 1000), toneMs(left, 440), toneMs(right, 440), toneMs(right, 1000))
	require.GreaterOrEqual(t, toneMs(left, 1000), 1500, "left is the caller")
	require.GreaterOrEqual(t, toneMs(right, 440), 1500, "right is the far end")
	require.Zero(t, toneMs(left, 440), "the far end leaks into the caller's channel")
	require.Zero(t, toneMs(right, 1000), "the caller leaks into the far end's channel")
	p.settle(t, g)
}

// TestConnectCallerHangsUp: the caller hangs up while bridged to the desk
// phone: the widget's hangup path, and the desk phone gets our BYE.
func TestConnectCallerHangsUp(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "desk2"`)
	desk := startDesk(t, p, "desk2", 440)
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	desk.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(time.Second)
	caller.send(t, "/hangup")
	p.waitEnded(t, connectFlow, 10*time.Second)
	desk.waitLog(t, "session closed", 5*time.Second)

	_, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.hangup>Ended"}, steps)
	p.settle(t, g)
}

// trunkTo points an IP trunk (no registration) at a far end on port.
func trunkTo(p *phone, port int) {
	p.sip.SetTrunks([]sip.Trunk{{Key: "TK00000000000000000000000000000001", Name: "far", Registrar: "127.0.0.1:" + strconv.Itoa(port)}})
}

// TestConnectBusy: a sipp caller; the number goes out through the trunk to
// a sipp far end that answers 486: callCompleted with DialCallStatus busy.
func TestConnectBusy(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "+15550002222"`)
	port, wait := sippUAS(t, "uas_busy.xml")
	trunkTo(p, port)
	g := runtime.NumGoroutine()

	rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", connectFlow)
	require.Equal(t, 0, rc, logs)
	rc, logs = wait()
	require.Equal(t, 0, rc, logs)
	p.waitEnded(t, connectFlow, 5*time.Second)
	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	require.Equal(t, "busy", x.Context.Widget("connect")["DialCallStatus"])
	p.settle(t, g)
}

// TestConnectNoAnswer: a number through the trunk rings and never answers; after the widget's 2 s timeout it sees
// our CANCEL; the caller heard the 425 Hz ringback meanwhile;
// callCompleted with DialCallStatus no-answer.
func TestConnectNoAnswer(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "+15550002222", "timeout": 2`)
	port, wait := sippUAS(t, "uas_ring_cancel.xml")
	trunkTo(p, port)
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	start := time.Now()
	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	p.waitEnded(t, connectFlow, 15*time.Second)
	t.Logf("ended after %s", time.Since(start))
	rc, logs := wait()
	require.Equal(t, 0, rc, "sipp did not see our CANCEL: %s", logs)
	heard := caller.quit(t)

	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	require.Equal(t, "no-answer", x.Context.Widget("connect")["DialCallStatus"])
	// The 2 s of ringing: the ringback's 1 s of tone.
	rb := toneMs(heard, 425)
	t.Logf("caller heard %d ms of 425 Hz ringback", rb)
	require.GreaterOrEqual(t, rb, 800, "ringback")
	p.settle(t, g)
}

// TestConnectEarlyMedia: the far end behind the trunk answers 183 with SDP
// and plays speech before its 200: the caller hears that early media
// (ringback stops when it comes), then the answered call; the caller hangs up and the
// far end gets our BYE (sipp waits for it).
func TestConnectEarlyMedia(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "+15550002222"`)
	port, wait := sippUAS(t, "uas_early_media.xml")
	trunkTo(p, port)
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	caller.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(2500 * time.Millisecond)
	caller.send(t, "/hangup")
	p.waitEnded(t, connectFlow, 10*time.Second)
	rc, logs := wait()
	require.Equal(t, 0, rc, "the far end did not get our BYE: %s", logs)
	heard := caller.quit(t)

	_, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.hangup>Ended"}, steps)
	// The far end answers 800 ms after its 183: what the caller heard
	// before that is its early speech (the silence around is -72 dBFS), and
	// ringback only until the 183 came (not its whole 1 s tone).
	early := math.Inf(-1)
	for i := 0; i+2000 <= min(len(heard), 6000); i += 2000 {
		early = math.Max(early, rmsDBFS(heard[i:i+2000]))
	}
	t.Logf("loudest 250 ms before the answer: %.1f dBFS; %d ms of 425 Hz", early, toneMs(heard, 425))
	require.Less(t, toneMs(heard, 425), 500, "ringback went on over early media")
	require.Greater(t, early, -55.0, "the caller heard no early media")
	p.settle(t, g)
}

// TestConnectNothingToDial: targets that cannot be dialled (a number with
// no trunk configured, a conference, a desk phone that is not registered)
// give callCompleted with DialCallStatus failed at once, and the flow goes
// on with the caller.
func TestConnectNothingToDial(t *testing.T) {
	for _, tc := range []struct{ name, props string }{
		{"number without trunk", `"noun": "number", "to": "+15550002222"`},
		{"conference", `"noun": "conference", "to": "CF00000000000000000000000000000001"`},
		{"unregistered desk phone", `"noun": "client", "to": "nobody"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := connectPhone(t, tc.props)
			g := runtime.NumGoroutine()
			rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", connectFlow)
			require.Equal(t, 0, rc, logs)
			p.waitEnded(t, connectFlow, 5*time.Second)
			x, steps := path(t, p.st, connectFlow)
			require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
			require.Equal(t, "failed", x.Context.Widget("connect")["DialCallStatus"])
			p.settle(t, g)
		})
	}
}
