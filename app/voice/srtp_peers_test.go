package voice

// SRTP (SDES) against baresip's srtp module: baresip with
// mediaenc=srtp-mand offers RTP/SAVP and refuses plain answers, so a call
// that carries audio at all carried it encrypted.

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/sip"
)

// requireSRTPModule skips (or fails, with SWITCHBOARD_REQUIRE_VOICE=1)
// when baresip's srtp module is not installed.
func requireSRTPModule(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/lib/baresip/modules/srtp.so"); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatal("baresip's srtp module is missing (Debian package baresip-core)")
		}
		t.Skip("baresip's srtp module is missing")
	}
}

// TestBaresipSRTPCallsFlow: baresip calls a flow offering SRTP only
// (srtp-mand). We answer RTP/SAVP; baresip hears the flow's 1 kHz tone
// (level and frequency) and its RFC 4733 digit reaches the gather, so both
// directions decrypt.
func TestBaresipSRTPCallsFlow(t *testing.T) {
	requireSRTPModule(t)
	p := newPhone(t)
	p.addFlow(t, toneFlow, toneDef)
	const peak = 0.316 * 32767
	tone := make([]int16, 16000)
	for i := range tone {
		tone[i] = int16(math.Round(peak * math.Sin(2*math.Pi*1000*float64(i)/8000+0.3)))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(p.dir, "media"), 0o755))
	f, err := os.Create(filepath.Join(p.dir, "media", "tone.wav"))
	require.NoError(t, err)
	require.NoError(t, audio.EncodeWAV(f, 8000, 1, tone))
	require.NoError(t, f.Close())

	b := startSoftphoneSRTP(t, "<sip:+15550001111@127.0.0.1>;regint=0;mediaenc=srtp-mand", 600)
	b.send(t, "/dial sip:"+toneFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	b.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(3000 * time.Millisecond) // the 2 s tone, then the gather waits
	b.send(t, "/sndcode 5")
	p.waitEnded(t, toneFlow, 10*time.Second)
	log := b.log()
	heard := b.quit(t)

	x, steps := path(t, p.st, toneFlow)
	require.Equal(t, []string{"Trigger.incomingCall>tone", "tone.audioComplete>menu", "menu.keypress>Ended"}, steps, "baresip log:\n%s", log)
	require.Equal(t, "5", x.Context.Widget("menu")["Digits"])
	got := loudest(heard)
	hz := zeroCrossHz(got, 8000)
	t.Logf("heard %.1f dBFS over %d ms at %.1f Hz", rmsDBFS(got), len(got)/8, hz)
	require.GreaterOrEqual(t, len(got), 12000, "less than 1.5 s of the tone heard")
	require.InDelta(t, rmsDBFS(tone), rmsDBFS(got), 2)
	require.InDelta(t, 1000, hz, 20)
	require.Contains(t, log, "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_", "baresip did not use SRTP")
	p.waitIdle(t, toneFlow, 5*time.Second)
}

// startSoftphoneSRTP is startSoftphone for an account with mediaenc
// (baresipDir then loads the srtp module).
func startSoftphoneSRTP(t *testing.T, account string, hz float64) *baresip {
	t.Helper()
	requireSRTPModule(t)
	return startSoftphone(t, account, hz)
}

// TestConnectSRTPTrunkToPlainCaller: a plain-RTP baresip caller; the flow
// dials a number through a trunk whose SRTP policy is "optional" (so our
// INVITE offers RTP/SAVP; "optional" because the caller comes from the same
// 127.0.0.1 and so counts as the trunk, and "required" would refuse its
// plain offer — sip's TestInboundSRTPPolicy covers that), and the trunk is
// a baresip that takes SRTP only (srtp-mand, auto answer: it refuses a
// plain offer, so an established call is an SRTP one). The
// bridge relays between the encrypted leg and the plain one: each side
// hears the other's tone at its frequency.
func TestConnectSRTPTrunkToPlainCaller(t *testing.T) {
	requireSRTPModule(t)
	p := connectPhone(t, `"noun": "number", "to": "+15550002222", "timeout": 10`)
	far := startSoftphoneSRTP(t, "<sip:+15550002222@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand", 440)
	p.sip.SetTrunks([]sip.Trunk{{Key: "TK00000000000000000000000000000001", Name: "far", Registrar: "127.0.0.1:" + strconv.Itoa(far.sipPort(t)), SRTP: sip.SRTPOptional}})
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	far.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(3 * time.Second)
	far.send(t, "/hangup")
	p.waitEnded(t, connectFlow, 10*time.Second)
	farLog := far.log()
	heardByFar, heardByCaller := far.quit(t), caller.quit(t)

	_, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	fromCaller, fromFar := toneMs(heardByFar, 1000), toneMs(heardByCaller, 440)
	t.Logf("SRTP far end heard %d ms of the caller's 1 kHz; plain caller heard %d ms of the far end's 440 Hz", fromCaller, fromFar)
	require.GreaterOrEqual(t, fromCaller, 1500, "the plain caller's tone at the SRTP far end\n%s", farLog)
	require.GreaterOrEqual(t, fromFar, 1500, "the SRTP far end's tone at the plain caller")
	require.Contains(t, farLog, "SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)", "the dialled leg is not SRTP")
	p.settle(t, g)
}

// sipPort is the SIP port baresipDir gave b (its sip_listen line).
func (b *baresip) sipPort(t *testing.T) int {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(b.dir, "config"))
	require.NoError(t, err)
	for _, l := range strings.Split(string(cfg), "\n") {
		if v, ok := strings.CutPrefix(l, "sip_listen 127.0.0.1:"); ok {
			port, err := strconv.Atoi(v)
			require.NoError(t, err)
			return port
		}
	}
	t.Fatal("no sip_listen in baresip's config")
	return 0
}
