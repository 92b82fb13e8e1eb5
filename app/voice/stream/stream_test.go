package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/voice/stream"
	"github.com/switchboard/switchboard/app/voice/stream/streamtest"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
)

const (
	account = "AC00000000000000000000000000000001"
	call    = "CA00000000000000000000000000000002"
)

// tone returns n 20 ms μ-law frames of a sine at hz.
func tone(hz float64, n int) [][]byte {
	pcm := dtmf.AppendTones(nil, 20*n, 8000, []float64{hz}, []float64{8000})
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, 160)
		g711.Ulaw.Encode(out[i], pcm[i*160:(i+1)*160])
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func waitDone(t *testing.T, s *stream.Stream, d time.Duration) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(d):
		t.Fatalf("stream not done within %s", d)
	}
}

// TestStreamMessages: a stream of both tracks to the real ws server: the
// peer sees connected, start (SIDs, tracks, media format, custom
// parameters), media in order, the mark, stop; the inbound tone decodes to
// its frequency on the peer.
func TestStreamMessages(t *testing.T) {
	peer := streamtest.Start(t, "normal")
	s, err := stream.Start(context.Background(), stream.Config{URL: peer.URL, Name: "agent-assist", AccountSID: account,
		CallSID: call, Track: stream.BothTracks, Params: map[string]string{"lang": "en", "queue": "sales"}, Log: quiet()})
	require.NoError(t, err)
	require.Regexp(t, `^MZ[0-9a-f]{32}$`, s.SID())
	silence := make([]byte, 160)
	for i := range silence {
		silence[i] = 0xFF
	}
	for i, f := range tone(440, 50) {
		s.Inbound(f)
		s.Outbound(silence)
		if i == 25 {
			s.Mark("half")
		}
		time.Sleep(2 * time.Millisecond) // a little pacing: the queue holds 100 frames
	}
	s.Stop()
	waitDone(t, s, 5*time.Second)
	start := peer.Wait(t, 5*time.Second, "start", func(l streamtest.Line) bool { return l.Event == "start" })
	var m struct {
		SequenceNumber string `json:"sequenceNumber"`
		StreamSID      string `json:"streamSid"`
		Start          struct {
			AccountSID, CallSID, StreamSID string
			Tracks                         []string
			CustomParameters               map[string]string
			MediaFormat                    struct {
				Encoding   string
				SampleRate int
				Channels   int
			}
		} `json:"start"`
	}
	require.NoError(t, json.Unmarshal(start.Msg, &m))
	require.Equal(t, "1", m.SequenceNumber)
	require.Equal(t, s.SID(), m.StreamSID)
	require.Equal(t, s.SID(), m.Start.StreamSID)
	require.Equal(t, account, m.Start.AccountSID)
	require.Equal(t, call, m.Start.CallSID)
	require.Equal(t, []string{"inbound", "outbound"}, m.Start.Tracks)
	require.Equal(t, map[string]string{"lang": "en", "queue": "sales"}, m.Start.CustomParameters)
	require.Equal(t, "audio/x-mulaw", m.Start.MediaFormat.Encoding)
	require.Equal(t, 8000, m.Start.MediaFormat.SampleRate)
	require.Equal(t, 1, m.Start.MediaFormat.Channels)

	sum := peer.Summary(t, start.Conn, 5*time.Second)
	require.Equal(t, []string{"connected", "start", "media", "mark", "media", "stop"}, sum.Seq)
	require.Equal(t, map[string]int{"inbound": 50, "outbound": 50}, sum.Media)
	require.True(t, sum.SeqOK && sum.ChunkOK && sum.TsOK && sum.PayloadOK, "%+v", sum)
	require.InDelta(t, 440, sum.Hz, 3)
	require.Equal(t, stream.Stats{Sent: 100}, s.Stats())
	require.NoError(t, s.Err())
}

// TestStreamRefused: nothing listens at the URL: the stream fails at once
// with a clear reason, frames pushed after that are counted as dropped and
// never block.
func TestStreamRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "ws://" + l.Addr().String() + "/"
	l.Close()
	before := runtime.NumGoroutine()
	s, err := stream.Start(context.Background(), stream.Config{URL: url, CallSID: call, Log: quiet()})
	require.NoError(t, err)
	waitDone(t, s, 3*time.Second)
	require.ErrorIs(t, s.Err(), stream.ErrConnect)
	require.ErrorContains(t, s.Err(), "refused")
	for _, f := range tone(440, 10) {
		s.Inbound(f)
	}
	s.Stop()
	require.Equal(t, uint64(10), s.Stats().Dropped)
	noLeak(t, before)
}

// TestStreamStalled: the server completes the upgrade and then never
// reads. Frames come far faster than real time; the push never blocks
// (frames beyond the queue are dropped and counted), the blocked write
// ends the stream with ErrStalled, and its goroutines end.
func TestStreamStalled(t *testing.T) {
	peer := streamtest.Start(t, "stall")
	before := runtime.NumGoroutine()
	s, err := stream.Start(context.Background(), stream.Config{URL: peer.URL, CallSID: call, Log: quiet(),
		Queue: 20, WriteTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	peer.Wait(t, 5*time.Second, "stalled connection", func(l streamtest.Line) bool { return l.Event == "stalled" })
	frames := tone(440, 50)
	deadline := time.Now().Add(8 * time.Second)
	for i := 0; ; i++ {
		s.Inbound(frames[i%len(frames)])
		if i%20 == 0 {
			time.Sleep(time.Millisecond)
		}
		select {
		case <-s.Done():
		default:
			if time.Now().Before(deadline) {
				continue
			}
			t.Fatalf("the stalled stream did not fail within 8 s: %+v", s.Stats())
		}
		break
	}
	require.ErrorIs(t, s.Err(), stream.ErrStalled)
	st := s.Stats()
	require.Positive(t, st.Dropped)
	s.Stop()
	noLeak(t, before)
}

// TestStreamStopBeforeConnect: a stream stopped while it still dials ends
// quietly and promptly.
func TestStreamStopBeforeConnect(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers the upgrade
	require.NoError(t, err)
	defer l.Close()
	s, err := stream.Start(context.Background(), stream.Config{URL: "ws://" + l.Addr().String() + "/", Log: quiet()})
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	s.Stop()
	waitDone(t, s, 2*time.Second)
	require.NoError(t, s.Err())
}

// noLeak waits (2 s at most) for the goroutine count to fall back to
// before, and prints the goroutines when it does not.
func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d now:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStreamBadTrack(t *testing.T) {
	_, err := stream.Start(context.Background(), stream.Config{URL: "ws://127.0.0.1:1/", Track: "left"})
	require.True(t, errors.Is(err, stream.ErrTrack))
}
