package voice

// Real-peer tests beyond call_test.go: sipp variants (SIP INFO, in-band and
// PCMA callers, a caller that never ACKs, voicemail, a DTMF flood), calls
// through a kamailio registrar/proxy, and baresip as a softphone that must
// really hear our prompts. Every peer is skipped when its tool is missing
// (failed with SWITCHBOARD_REQUIRE_VOICE=1), bound to loopback and free
// ports, and bounded by a context timeout.

import (
	"context"
	"encoding/json"
	"math"
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

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

var pressOne = []string{"Trigger.incomingCall>menu", "menu.keypress>route", "route.match>sales", "sales.audioComplete>Ended"}

// addFlow publishes another flow in the phone's store.
func (p *phone) addFlow(t *testing.T, sid, def string) {
	t.Helper()
	res := schema.Validate([]byte(def))
	require.True(t, res.Valid(), "%v", res.Errors)
	_, err := p.st.CreateFlow(context.Background(), store.NewFlow{SID: sid, FriendlyName: sid, Status: store.StatusPublished,
		Definition: json.RawMessage(def), Valid: true})
	require.NoError(t, err)
}

// waitIdle waits until no call, no RTP port and no active execution is left.
func (p *phone) waitIdle(t *testing.T, flowSID string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(d)
	for {
		active, err := p.st.Executions(ctx, flowSID, store.ExecutionFilter{Status: "active"}, store.Page{Limit: 10})
		require.NoError(t, err)
		calls, ports := p.sip.ActiveCalls(), p.svc.Ports.InUse()
		if calls == 0 && ports == 0 && len(active) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not idle after %s: %d calls, %d RTP ports, %d active executions", d, calls, ports, len(active))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCallPressOneSIPInfo: the caller presses 1 by SIP INFO
// (application/dtmf-relay Signal=1); the split routes to sales.
func TestCallPressOneSIPInfo(t *testing.T) {
	p := newPhone(t)
	rc, logs := p.sipp(t, "ivr_info.xml", "", ivrFlow, "-d", "1000")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, pressOne, steps)
	require.Equal(t, "1", x.Context.Widget("menu")["Digits"])
	p.waitIdle(t, ivrFlow, 5*time.Second)
}

// writeInbandDigit writes a raw mu-law file: silence, 120 ms of DTMF "1" at
// the standard level, silence.
func writeInbandDigit(t *testing.T, digit byte) string {
	t.Helper()
	pcm := append(dtmf.Silence(300, 8000), dtmf.Tone(digit, 120, 8000)...)
	pcm = append(pcm, dtmf.Silence(600, 8000)...)
	ul := make([]byte, len(pcm))
	g711.Ulaw.Encode(ul, pcm)
	f := filepath.Join(t.TempDir(), "dtmf"+string(digit)+".ul")
	require.NoError(t, os.WriteFile(f, ul, 0o644))
	return f
}

// TestCallPressOneInband: the caller offers PCMU without telephone-event and
// sends an audible DTMF "1" (sipp rtp_stream of raw mu-law made with
// media/dtmf and media/g711); our Goertzel detector hears it.
func TestCallPressOneInband(t *testing.T) {
	p := newPhone(t)
	rc, logs := p.sipp(t, "ivr_inband.xml", writeInbandDigit(t, '1'), ivrFlow, "-d", "1000", noEcho)
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, pressOne, steps)
	p.waitIdle(t, ivrFlow, 5*time.Second)
}

// TestCallPCMAOnly: a caller offering only PCMA (and telephone-event) is
// answered with PCMA (the scenario checks our SDP) and the flow still works.
func TestCallPCMAOnly(t *testing.T) {
	p := newPhone(t)
	rc, logs := p.sipp(t, "ivr_pcma.xml", "/usr/share/sip-tester/dtmf_2833_1.pcap", ivrFlow, "-d", "1000")
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, pressOne, steps)
	p.waitIdle(t, ivrFlow, 5*time.Second)
}

// TestCallNeverAcked: with short SIP timers, a caller that never ACKs our 200
// is given up on: no execution stays active, the RTP port is released and
// the call count returns to 0.
func TestCallNeverAcked(t *testing.T) {
	// Restored last: cleanups run last-in first-out, after the server closes.
	t.Cleanup(func() { sip.SetTimers(500*time.Millisecond, 4*time.Second, 5*time.Second) })
	sip.SetTimers(20*time.Millisecond, 80*time.Millisecond, 100*time.Millisecond) // timer H = 64*T1 = 1.28 s
	p := newPhone(t)
	start := time.Now()
	_, logs := p.sipp(t, "ivr_noack.xml", "", ivrFlow, "-d", "3000")
	_ = logs // sipp's verdict does not matter: the caller is broken on purpose
	p.waitIdle(t, ivrFlow, 10*time.Second)
	require.Less(t, time.Since(start), 15*time.Second)
	rows, err := p.st.Executions(context.Background(), ivrFlow, store.ExecutionFilter{}, store.Page{Limit: 10})
	require.NoError(t, err)
	for _, r := range rows {
		x, err := p.st.Execution(context.Background(), r.SID)
		require.NoError(t, err)
		require.False(t, x.Active(), "execution %s left active", r.SID)
	}
}

const voicemailFlow = "FW00000000000000000000000000000078"

const voicemail = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "vm"}]},
  {"name": "vm", "type": "record-voicemail", "properties": {"play_beep": "true", "timeout": 2, "finish_on_key": "#", "max_length": 10},
   "transitions": [{"event": "recordingComplete"}, {"event": "noAudio"}, {"event": "hangup"}]}]}`

// TestCallVoicemailPCMA: a PCMA caller plays sipp's speech pcap after the
// beep and presses #: the execution gets RecordingUrl and RecordingDuration
// >= 1, and the WAV in the recordings directory decodes to audible audio.
func TestCallVoicemailPCMA(t *testing.T) {
	p := newPhone(t)
	p.addFlow(t, voicemailFlow, voicemail)
	rc, logs := p.sipp(t, "voicemail_pcma.xml", "/usr/share/sip-tester/g711a.pcap", voicemailFlow, "-d", "3500", noEcho)
	require.Equal(t, 0, rc, logs)
	x, steps := path(t, p.st, voicemailFlow)
	require.False(t, x.Active())
	require.Len(t, steps, 2, "%v", steps)
	require.Equal(t, "Trigger.incomingCall>vm", steps[0])
	out := x.Context.Widget("vm")
	t.Logf("vm outputs: %v (steps %v)", out, steps)
	require.Contains(t, []string{"vm.recordingComplete>Ended", "vm.hangup>Ended"}, steps[1])
	url, _ := out["RecordingUrl"].(string)
	require.Contains(t, url, "/Recordings/RE")
	dur, err := strconv.Atoi(out["RecordingDuration"].(string))
	require.NoError(t, err)
	// About 3.5 s of speech, then #: trimmed of leading/trailing silence.
	require.GreaterOrEqual(t, dur, 1)
	require.LessOrEqual(t, dur, 5)
	sidStr := url[strings.LastIndex(url, "/")+1:]
	pcm, err := audio.LoadFile(filepath.Join(p.dir, "recordings", sidStr+".wav"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(pcm), 8000, "recording shorter than 1 s")
	require.Greater(t, rmsDBFS(pcm), -40.0, "recording is silent")
	p.waitIdle(t, voicemailFlow, 5*time.Second)
}

// TestCallDTMFFlood: 60 SIP INFO digits in a burst (1 first) neither crash
// nor hang the call: the flow takes the 1, ignores the rest, and hangs up.
func TestCallDTMFFlood(t *testing.T) {
	p := newPhone(t)
	b, err := os.ReadFile(filepath.Join("testdata", "sipp", "ivr_info.xml"))
	require.NoError(t, err)
	x := string(b)
	i := strings.Index(x, "  <send retrans=\"500\"><![CDATA[\n\n      INFO")
	j := strings.Index(x, "  <recv response=\"200\"/>\n") + len("  <recv response=\"200\"/>\n")
	require.True(t, i > 0 && j > i)
	block := x[i:j]
	var flood strings.Builder
	keys := "1234567890*#"
	for n := 0; n < 60; n++ {
		blk := strings.Replace(block, "CSeq: 2 INFO", "CSeq: "+strconv.Itoa(n+2)+" INFO", 1)
		blk = strings.Replace(blk, "Signal=1", "Signal="+string(keys[n%len(keys)]), 1)
		flood.WriteString(blk)
	}
	rc, logs := runSipp(t, "127.0.0.1:"+strconv.Itoa(p.port), "flood.xml", x[:i]+flood.String()+x[j:], ivrFlow, "-d", "800")
	require.Equal(t, 0, rc, logs)
	xn, steps := path(t, p.st, ivrFlow)
	require.False(t, xn.Active())
	require.Equal(t, pressOne, steps)
	p.waitIdle(t, ivrFlow, 5*time.Second)
}

// rmsDBFS is the RMS level of pcm in dB relative to full scale (a full-scale
// sine is -3 dBFS).
func rmsDBFS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return math.Inf(-1)
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return 20 * math.Log10(math.Sqrt(sum/float64(len(pcm)))/32768)
}

// TestCallThroughKamailio: the appliance registers a trunk with kamailio
// (digest, user 5550009999); sipp calls that AOR through kamailio, which
// record-routes; the number reaches the ivr flow, the caller presses 1, and
// the flow's BYE comes back through the proxy. Only the trunk is admitted
// (empty allow-list), so the call is known as the trunk's.
func TestCallThroughKamailio(t *testing.T) {
	kamPort, kamLog := siptest.Kamailio(t)
	p := newPhone(t, func(c *sip.Config) {
		c.Allow = []netip.Prefix{}
		c.Trunks = []sip.Trunk{{Name: "kam", Registrar: "127.0.0.1:" + strconv.Itoa(kamPort), Username: "5550009999", Password: "secret"}}
	})
	_, err := p.st.CreateNumber(context.Background(), store.Number{SID: "PN00000000000000000000000000000009", PhoneNumber: "5550009999", VoiceFlowSID: ivrFlow})
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for p.sip.Trunks()[0].State != sip.TrunkRegistered {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(kamLog)
			t.Fatalf("trunk %+v\n%s", p.sip.Trunks()[0], b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "sipp", "ivr_dtmf_rr.xml"))
	require.NoError(t, err)
	xml := strings.NewReplacer("PCAP", "/usr/share/sip-tester/dtmf_2833_1.pcap", "KAMPORT", strconv.Itoa(kamPort)).Replace(string(b))
	rc, logs := runSipp(t, "127.0.0.1:"+strconv.Itoa(kamPort), "ivr_dtmf_rr.xml", xml, "5550009999", "-d", "1500")
	if rc != 0 {
		kb, _ := os.ReadFile(kamLog)
		t.Fatalf("sipp rc %d\n%s\nkamailio:\n%s", rc, logs, kb)
	}
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, pressOne, steps)
	call := x.Context.Trigger()["call"].(map[string]any)
	require.Equal(t, "kam", call["SipTrunk"])
	require.Equal(t, "+15550001111", call["From"])
	p.waitIdle(t, ivrFlow, 5*time.Second)
}

const (
	toneFlow = "FW00000000000000000000000000000079"
	sayFlow  = "FW0000000000000000000000000000007a"
)

// tone plays the test's 1 kHz file, then waits for one key.
const toneDef = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "tone"}]},
  {"name": "tone", "type": "say-play", "properties": {"play": "tone.wav"}, "transitions": [{"event": "audioComplete", "next": "menu"}]},
  {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "", "number_of_digits": 1, "timeout": 8},
   "transitions": [{"event": "keypress"}, {"event": "speech"}, {"event": "timeout"}]}]}`

const sayDef = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "hello"}]},
  {"name": "hello", "type": "say-play", "properties": {"say": "Hello. This is the switchboard speaking. Thank you for calling."}, "transitions": [{"event": "audioComplete"}]}]}`

// baresip is a softphone started for one test (voice.md §4.2): UDP
// console, sndfile dumping what it hears to WAV, aubridge so no sound card.
type baresip struct {
	dir  string
	cons int
	cmd  *exec.Cmd
	done chan struct{}
}

func startBaresip(t *testing.T) *baresip {
	t.Helper()
	bin := siptest.RequireTool(t, "baresip", "baresip-core")
	silence := make([]int16, 8000*10)
	dir, cons := baresipDir(t, silence, "<sip:tester@127.0.0.1>;regint=0;answermode=auto\n")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-f", dir, "-t", "35")
	logf, err := os.Create(filepath.Join(dir, "baresip.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	b := &baresip{dir: dir, cons: cons, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(b.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-b.done
		cancel()
	})
	time.Sleep(500 * time.Millisecond) // console binds
	return b
}

// send writes one console command.
func (b *baresip) send(t *testing.T, cmd string) {
	t.Helper()
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(b.cons))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(cmd + "\n"))
	require.NoError(t, err)
}

// quit stops baresip and returns the audio it received (dump-*-dec.wav).
func (b *baresip) quit(t *testing.T) []int16 {
	t.Helper()
	b.send(t, "/quit")
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
	m, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-dec.wav"))
	if len(m) == 0 {
		log, _ := os.ReadFile(filepath.Join(b.dir, "baresip.log"))
		t.Fatalf("baresip recorded nothing; log:\n%s", log)
	}
	pcm, err := audio.LoadFile(m[0])
	require.NoError(t, err)
	return pcm
}

// waitEnded waits for the flow's one execution to end.
func (p *phone) waitEnded(t *testing.T, flowSID string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		rows, err := p.st.Executions(context.Background(), flowSID, store.ExecutionFilter{Status: "ended"}, store.Page{Limit: 1})
		require.NoError(t, err)
		if len(rows) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution of %s not ended after %s", flowSID, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// loudest returns the samples of pcm's 20 ms windows within 6 dB of its
// loudest window (the prompt, without the silence around it).
func loudest(pcm []int16) []int16 {
	const w = 160
	top := math.Inf(-1)
	for i := 0; i+w <= len(pcm); i += w {
		top = math.Max(top, rmsDBFS(pcm[i:i+w]))
	}
	var out []int16
	for i := 0; i+w <= len(pcm); i += w {
		if rmsDBFS(pcm[i:i+w]) >= top-6 {
			out = append(out, pcm[i:i+w]...)
		}
	}
	return out
}

// zeroCrossHz estimates the frequency of a tone by its zero crossings.
func zeroCrossHz(pcm []int16, rate int) float64 {
	n := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(pcm)) / float64(rate))
}

// TestBaresipHearsPlayAndPressesKey: baresip dials a flow that plays a 2 s
// 1 kHz -10 dBFS WAV from the media directory and then gathers a key; it
// presses 5 from its console (RFC 4733). The flow gets the 5, and what
// baresip recorded from us is that tone: RMS within 2 dB of what we sent,
// 1 kHz +- 20 Hz, at least 1.5 s of it.
func TestBaresipHearsPlayAndPressesKey(t *testing.T) {
	p := newPhone(t)
	p.addFlow(t, toneFlow, toneDef)
	const peak = 0.316 * 32767 // -10 dBFS
	tone := make([]int16, 16000)
	for i := range tone {
		tone[i] = int16(math.Round(peak * math.Sin(2*math.Pi*1000*float64(i)/8000+0.3)))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(p.dir, "media"), 0o755))
	f, err := os.Create(filepath.Join(p.dir, "media", "tone.wav"))
	require.NoError(t, err)
	require.NoError(t, audio.EncodeWAV(f, 8000, 1, tone))
	require.NoError(t, f.Close())

	b := startBaresip(t)
	b.send(t, "/dial sip:"+toneFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	time.Sleep(3500 * time.Millisecond) // the 2 s tone, then the gather waits
	b.send(t, "/sndcode 5")
	p.waitEnded(t, toneFlow, 10*time.Second)
	heard := b.quit(t)

	x, steps := path(t, p.st, toneFlow)
	require.Equal(t, []string{"Trigger.incomingCall>tone", "tone.audioComplete>menu", "menu.keypress>Ended"}, steps)
	require.Equal(t, "5", x.Context.Widget("menu")["Digits"])

	got := loudest(heard)
	sent, recv := rmsDBFS(tone), rmsDBFS(got)
	hz := zeroCrossHz(got, 8000)
	t.Logf("sent %.1f dBFS, heard %.1f dBFS over %d ms at %.1f Hz", sent, recv, len(got)/8, hz)
	require.GreaterOrEqual(t, len(got), 12000, "less than 1.5 s of the tone heard")
	require.InDelta(t, sent, recv, 2, "level heard")
	require.InDelta(t, 1000, hz, 20, "frequency heard")
	p.waitIdle(t, toneFlow, 5*time.Second)
}

// TestBaresipHearsSpeech: baresip calls a flow that says a sentence (TTS);
// what it recorded holds at least a second of audible audio whose zero
// crossing rate is in the speech band.
func TestBaresipHearsSpeech(t *testing.T) {
	p := newPhone(t)
	p.addFlow(t, sayFlow, sayDef)
	b := startBaresip(t)
	b.send(t, "/dial sip:"+sayFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	p.waitEnded(t, sayFlow, 20*time.Second)
	time.Sleep(300 * time.Millisecond)
	heard := b.quit(t)
	_, steps := path(t, p.st, sayFlow)
	require.Equal(t, []string{"Trigger.incomingCall>hello", "hello.audioComplete>Ended"}, steps)
	var loud []int16
	for i := 0; i+160 <= len(heard); i += 160 {
		if rmsDBFS(heard[i:i+160]) > -40 {
			loud = append(loud, heard[i:i+160]...)
		}
	}
	hz := zeroCrossHz(loud, 8000)
	t.Logf("heard %d ms of sound at %.1f dBFS, zero crossings %.0f Hz", len(loud)/8, rmsDBFS(loud), hz)
	require.GreaterOrEqual(t, len(loud), 8000, "less than 1 s of audible speech")
	require.Greater(t, rmsDBFS(loud), -30.0)
	require.True(t, hz > 150 && hz < 3000, "zero-crossing rate %.0f Hz is not speech-like", hz)
	p.waitIdle(t, sayFlow, 5*time.Second)
}

// baresipDir writes a baresip configuration into a new directory: in is
// its microphone (8 kHz mono), what it hears is recorded (sndfile), it takes
// commands on the returned cons port and registers as accounts says.
func baresipDir(t *testing.T, in []int16, accounts string) (dir string, cons int) {
	t.Helper()
	dir = t.TempDir()
	f, err := os.Create(filepath.Join(dir, "in.wav"))
	require.NoError(t, err)
	require.NoError(t, audio.EncodeWAV(f, 8000, 1, in))
	require.NoError(t, f.Close())
	cons, rtp := siptest.FreePort(t), freeRTPRange(t, 20)
	cfg := strings.Join([]string{
		"poll_method epoll",
		"sip_listen 127.0.0.1:" + strconv.Itoa(siptest.FreePort(t)),
		"net_interface 127.0.0.1",
		"audio_source aufile," + filepath.Join(dir, "in.wav"),
		"audio_player aubridge,nil",
		"audio_alert aubridge,nil",
		"rtp_ports " + strconv.Itoa(rtp) + "-" + strconv.Itoa(rtp+19),
		"module_path /usr/lib/baresip/modules",
		"module g711.so", "module aufile.so", "module aubridge.so", "module cons.so", "module sndfile.so",
		"module_app account.so", "module_app menu.so",
		"cons_listen 127.0.0.1:" + strconv.Itoa(cons),
		"snd_path " + dir,
		"",
	}, "\n")
	if strings.Contains(accounts, "mediaenc=") { // an SRTP account (srtp_peers_test.go)
		cfg += "module srtp.so\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "accounts"), []byte(accounts), 0o600))
	return dir, cons
}
