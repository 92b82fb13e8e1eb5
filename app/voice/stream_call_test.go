package voice

// fork-stream on live calls: sipp calls a flow that forks the caller's
// audio to the real Node `ws` server (app/voice/stream/testpeer), holds,
// stops the stream with a later fork-stream widget and gathers a digit.
// Bad servers (refused, stalled) must not change the call at all.

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/voice/stream/streamtest"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
)

// streamed forks the caller's audio (URL and TRACK replaced by the test),
// holds, stops the stream by name, then asks for a key.
const streamed = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "fork"}]},
  {"name": "fork", "type": "fork-stream", "properties": {"stream_action": "start", "stream_name": "listen", "stream_transport_type": "websocket",
    "stream_url": "URL", "stream_track": "TRACK",
    "stream_parameters": [{"key": "caller", "value": "{{contact.channel.address}}"}, {"key": "topic", "value": "sales"}]},
   "transitions": [{"event": "next", "next": "hold"}]},
  {"name": "hold", "type": "say-play", "properties": {"say": "Please hold while we listen to you."}, "transitions": [{"event": "audioComplete", "next": "unfork"}]},
  {"name": "unfork", "type": "fork-stream", "properties": {"stream_action": "stop", "stream_name": "listen"}, "transitions": [{"event": "next", "next": "menu"}]},
  {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "Press one for sales.", "number_of_digits": 1, "timeout": 5, "stop_gather": true},
   "transitions": [{"event": "keypress", "next": "route"}, {"event": "speech"}, {"event": "timeout", "next": "bye"}]},
  {"name": "route", "type": "split-based-on", "properties": {"input": "{{widgets.menu.Digits}}"}, "transitions": [
    {"event": "noMatch", "next": "bye"},
    {"event": "match", "next": "sales", "conditions": [{"friendly_name": "one", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "1"}]}]},
  {"name": "sales", "type": "say-play", "properties": {"say": "Connecting you to sales."}, "transitions": [{"event": "audioComplete"}]},
  {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye."}, "transitions": [{"event": "audioComplete"}]}]}`

const streamFlow = "FW00000000000000000000000000000090"

var streamedPath = []string{"Trigger.incomingCall>fork", "fork.next>hold", "hold.audioComplete>unfork", "unfork.next>menu",
	"menu.keypress>route", "route.match>sales", "sales.audioComplete>Ended"}

// toneThenDigit writes the caller's raw μ-law: 1.5 s of a 440 Hz tone,
// 2.5 s of silence, an audible DTMF "1", silence.
func toneThenDigit(t *testing.T) string {
	t.Helper()
	pcm := dtmf.Silence(200, 8000)
	pcm = dtmf.AppendTones(pcm, 1500, 8000, []float64{440}, []float64{8000})
	pcm = append(pcm, dtmf.Silence(2500, 8000)...)
	pcm = append(pcm, dtmf.Tone('1', 120, 8000)...)
	pcm = append(pcm, dtmf.Silence(600, 8000)...)
	ul := make([]byte, len(pcm))
	g711.Ulaw.Encode(ul, pcm)
	f := filepath.Join(t.TempDir(), "tone440.ul")
	require.NoError(t, os.WriteFile(f, ul, 0o644))
	return f
}

// logBuffer collects the service's log lines (text handler) for asserting
// warnings.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitStreamsGone waits (3 s at most) until no goroutine of a media
// stream is left (the stream package, its WebSocket, the outbound tap):
// the other packages' long-lived goroutines (the runner's lazily started
// committer, the SIP server) are not this test's business.
func waitStreamsGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		var left []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "voice/stream.") || strings.Contains(g, "gorilla/websocket") || strings.Contains(g, "callMedia).Tap") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("media stream goroutines left:\n%s", strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCallForkStream: the stream (both tracks) carries connected → start
// (the call's SIDs, the widget's parameters rendered) → media → stop; the stop arrives
// from the unfork widget while the call is still up; the Node server hears
// the caller's 440 Hz tone on the inbound track and the hold prompt on the
// outbound one; the call then gathers its digit.
func TestCallForkStream(t *testing.T) {
	peer := streamtest.Start(t, "normal")
	p := newPhone(t)
	flow := strings.NewReplacer("URL", peer.URL, "TRACK", "both_tracks").Replace(streamed)
	p.addFlow(t, streamFlow, flow)

	type result struct {
		rc   int
		logs string
	}
	done := make(chan result, 1)
	tone := toneThenDigit(t)
	go func() {
		rc, logs := p.sipp(t, "ivr_inband.xml", tone, streamFlow, "-d", "200", noEcho)
		done <- result{rc, logs}
	}()
	start := peer.Wait(t, 10*time.Second, "start", func(l streamtest.Line) bool { return l.Event == "start" })
	peer.Wait(t, 10*time.Second, "stop", func(l streamtest.Line) bool { return l.Event == "stop" })
	require.Equal(t, 1, p.sip.ActiveCalls(), "the stop came from the unfork widget, not the end of the call")
	res := <-done
	require.Equal(t, 0, res.rc, res.logs)

	var m struct {
		Start struct {
			AccountSID, CallSID string
			Tracks              []string
			CustomParameters    map[string]string
		}
	}
	require.NoError(t, json.Unmarshal(start.Msg, &m))
	x, steps := path(t, p.st, streamFlow)
	require.Equal(t, streamedPath, steps)
	require.Equal(t, "AC00000000000000000000000000000001", m.Start.AccountSID)
	require.Equal(t, x.Context.Trigger()["call"].(map[string]any)["CallSid"], m.Start.CallSID)
	require.Equal(t, []string{"inbound", "outbound"}, m.Start.Tracks)
	require.Equal(t, map[string]string{"caller": "+15550001111", "topic": "sales"}, m.Start.CustomParameters)

	sum := peer.Summary(t, start.Conn, 5*time.Second)
	require.Equal(t, []string{"connected", "start", "media", "stop"}, sum.Seq)
	require.True(t, sum.SeqOK && sum.ChunkOK && sum.TsOK && sum.PayloadOK, "%+v", sum)
	require.Greater(t, sum.Media["inbound"], 75, "more than 1.5 s of the caller streamed")
	require.Greater(t, sum.Media["outbound"], 75, "what the caller heard while the stream ran")
	require.Greater(t, sum.OutRMS, 300.0, "the hold prompt is on the outbound track, not silence")
	require.InDelta(t, 440, sum.Hz, 4, "the caller's tone, decoded by the Node server")
	for from, evs := range stepEvents(t, p.st, streamFlow) {
		require.Empty(t, evs, "events on %s's step of a stream that worked", from)
	}
	p.waitIdle(t, streamFlow, 5*time.Second)
	waitStreamsGone(t)
}

// TestCallForkStreamBadServer: a URL that refuses the connection and a
// server that accepts the upgrade and then never reads (both tracks, so
// twice the data): the call is exactly as without a stream (the prompts
// play, the digit is gathered), the log says why the stream failed, and no
// goroutine is left.
func TestCallForkStreamBadServer(t *testing.T) {
	for _, tc := range []struct {
		name, mode, track, reason string
		code                      int
	}{
		{"refused", "", "inbound_track", "connection refused", 31902},
		{"stalled", "stall", "both_tracks", "media stream server stopped reading", engine.CodeMediaStream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := "ws://127.0.0.1:1/" // nothing listens on port 1
			if tc.mode != "" {
				url = streamtest.Start(t, tc.mode).URL
			}
			logs := &logBuffer{}
			p := newPhoneWith(t, func(v *Service) {
				v.Log = slog.New(slog.NewTextHandler(logs, nil))
				v.StreamQueue, v.StreamWriteTimeout = 20, 500*time.Millisecond
			})
			p.addFlow(t, streamFlow, strings.NewReplacer("URL", url, "TRACK", tc.track).Replace(streamed))
			rc, out := p.sipp(t, "ivr_inband.xml", toneThenDigit(t), streamFlow, "-d", "200", noEcho)
			require.Equal(t, 0, rc, out)
			_, steps := path(t, p.st, streamFlow)
			require.Equal(t, streamedPath, steps)
			p.waitIdle(t, streamFlow, 5*time.Second)
			waitStreamsGone(t)
			require.Contains(t, logs.String(), "media stream failed; the call goes on without it")
			require.Contains(t, logs.String(), tc.reason)
			// The failure is an execution event naming the fork widget,
			// on the step that was waiting when it was noticed.
			var evs []engine.Event
			for _, es := range stepEvents(t, p.st, streamFlow) {
				for _, ev := range es {
					if ev.Widget == "fork" {
						evs = append(evs, ev)
					}
				}
			}
			require.Len(t, evs, 1, "the stream's failure events")
			require.Equal(t, "error", evs[0].Level)
			require.Equal(t, tc.code, evs[0].Code)
			require.Contains(t, evs[0].Message, tc.reason)
		})
	}
}
