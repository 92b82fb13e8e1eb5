package voice

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// fakeMedia plays a frame per millisecond and records what was played.
type fakeMedia struct {
	mu      sync.Mutex
	played  []string // one entry per Play: its first frame
	sent    []string // SendDigits
	digits  chan byte
	listen  func(pcm []int16)
	stopped bool

	callRec        Recording
	callDual       bool
	callRecStopped bool
}

func newFakeMedia() *fakeMedia { return &fakeMedia{digits: make(chan byte, 16)} }

func (m *fakeMedia) Play(ctx context.Context, frames [][]byte) error {
	m.mu.Lock()
	if len(frames) > 0 {
		m.played = append(m.played, string(frames[0]))
	}
	m.mu.Unlock()
	for range frames {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}

func (m *fakeMedia) SendDigits(_ context.Context, d string) error {
	m.mu.Lock()
	m.sent = append(m.sent, d)
	m.mu.Unlock()
	return nil
}

func (m *fakeMedia) Digits() <-chan byte { return m.digits }

func (m *fakeMedia) RecordCall(rec Recording, dual bool) func() error {
	m.mu.Lock()
	m.callRec, m.callDual = rec, dual
	m.mu.Unlock()
	return func() error {
		m.mu.Lock()
		m.callRecStopped = true
		m.mu.Unlock()
		return rec.Close(true)
	}
}

func (m *fakeMedia) Listen(fn func(pcm []int16)) func() {
	m.mu.Lock()
	m.listen = fn
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		m.listen, m.stopped = nil, true
		m.mu.Unlock()
	}
}

// speak feeds n 20 ms blocks of loud (or silent) audio.
func (m *fakeMedia) speak(n int, loud bool) {
	for i := 0; i < n; i++ {
		m.mu.Lock()
		fn := m.listen
		m.mu.Unlock()
		if fn == nil {
			time.Sleep(time.Millisecond)
			i--
			continue
		}
		pcm := make([]int16, 160)
		if loud {
			for j := range pcm {
				pcm[j] = int16(3000 * (1 - 2*(j%2)))
			}
		}
		fn(pcm)
		time.Sleep(time.Millisecond)
	}
}

type fakePrompts struct{}

func (fakePrompts) Say(_ context.Context, text, _, _ string) ([][]byte, error) {
	if strings.HasPrefix(text, "long ") {
		return frames("say:"+text, 2000), nil // 2 s and more, unless stopped
	}
	return frames("say:"+text, 50), nil
}
func (fakePrompts) Play(_ context.Context, url string) ([][]byte, error) {
	return frames("play:"+url, 50), nil
}
func (fakePrompts) Beep() [][]byte { return frames("beep", 5) }

func frames(first string, n int) [][]byte {
	out := make([][]byte, n)
	out[0] = []byte(first)
	for i := 1; i < n; i++ {
		out[i] = []byte{0xff}
	}
	return out
}

type fakeRecordings struct{ recs []*fakeRecording }

type fakeRecording struct {
	channels int
	samples  int
	closed   bool
	kept     bool
}

func (r *fakeRecordings) Create(_ string, channels int) (Recording, error) {
	rec := &fakeRecording{channels: channels}
	r.recs = append(r.recs, rec)
	return rec, nil
}
func (r *fakeRecording) Write(pcm []int16) error { r.samples += len(pcm); return nil }
func (r *fakeRecording) WriteStereo(left, _ []int16) error {
	r.samples += len(left)
	return nil
}
func (r *fakeRecording) Close(keep bool) error { r.closed, r.kept = true, keep; return nil }
func (r *fakeRecording) SID() string           { return "RE00000000000000000000000000000001" }
func (r *fakeRecording) URL() string           { return "http://127.0.0.1/recordings/RE1.wav" }

func newExec() (*Executor, *fakeMedia, *fakeRecordings) {
	m := newFakeMedia()
	recs := &fakeRecordings{}
	return &Executor{Media: m, Prompts: fakePrompts{}, Recordings: recs, CallSID: "CA1", Log: slog.New(slog.DiscardHandler)}, m, recs
}

func sayCmd(text string) engine.Say { return engine.Say{Text: text} }

func gatherSprint(g engine.Gather) *engine.Sprint {
	return &engine.Sprint{Commands: []engine.Command{g},
		Wait: &engine.Wait{Inputs: []string{engine.InputDigits, engine.InputSpeech, engine.InputTimeout}}}
}

func TestSayThenAudioDone(t *testing.T) {
	e, m, _ := newExec()
	sp := &engine.Sprint{Commands: []engine.Command{sayCmd("hello"), engine.Play{URL: "x.wav", Loop: 2}, engine.Digits{Digits: "1w2"}},
		Wait: &engine.Wait{Inputs: []string{engine.InputAudioDone}}}
	in, err := e.Run(context.Background(), sp)
	require.NoError(t, err)
	require.Equal(t, engine.InputAudioDone, in.Type)
	require.Equal(t, []string{"say:hello", "play:x.wav", "play:x.wav"}, m.played)
	require.Equal(t, []string{"1w2"}, m.sent)
}

func TestGather(t *testing.T) {
	cases := []struct {
		name   string
		g      engine.Gather
		press  string
		during bool // press while the prompt plays
		want   engine.Input
	}{
		{"finish key", engine.Gather{Timeout: 2, FinishOnKey: "#"}, "12#", false,
			engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "12"}}},
		{"number of digits", engine.Gather{Timeout: 2, FinishOnKey: "#", NumDigits: 3}, "1234", false,
			engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "123"}}},
		{"only the finish key is a timeout", engine.Gather{Timeout: 2, FinishOnKey: "#"}, "#", false,
			engine.Input{Type: engine.InputTimeout}},
		{"digits then silence", engine.Gather{Timeout: 1, FinishOnKey: "#"}, "42", false,
			engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "42"}}},
		{"nothing pressed", engine.Gather{Timeout: 1, FinishOnKey: "#"}, "", false,
			engine.Input{Type: engine.InputTimeout}},
		{"barge-in", engine.Gather{Timeout: 2, FinishOnKey: "#", NumDigits: 1, StopOnKey: true,
			Prompts: []engine.Prompt{sayCmd("long menu")}}, "7", true,
			engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "7"}}},
		{"speech only times out", engine.Gather{Timeout: 1, Input: []string{"speech"}}, "5", false,
			engine.Input{Type: engine.InputTimeout}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, m, _ := newExec()
			if c.during {
				m.digits <- c.press[0]
			} else {
				go func() {
					time.Sleep(20 * time.Millisecond)
					for i := 0; i < len(c.press); i++ {
						m.digits <- c.press[i]
					}
				}()
			}
			start := time.Now()
			in, err := e.Run(context.Background(), gatherSprint(c.g))
			require.NoError(t, err)
			require.Equal(t, c.want, *in)
			if c.during {
				require.Less(t, time.Since(start), time.Second, "the prompt stopped on the key")
			}
		})
	}
}

func TestGatherHangup(t *testing.T) {
	e, _, _ := newExec()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	in, err := e.Run(ctx, gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#", Prompts: []engine.Prompt{sayCmd("menu")}}))
	require.NoError(t, err)
	require.Equal(t, engine.InputHangup, in.Type)
}

func recordSprint(r engine.Record) *engine.Sprint {
	return &engine.Sprint{Commands: []engine.Command{r},
		Wait: &engine.Wait{Inputs: []string{engine.InputRecording, engine.InputHangup}}}
}

func TestRecord(t *testing.T) {
	t.Run("silence ends it, trimmed", func(t *testing.T) {
		e, m, recs := newExec()
		go func() {
			m.speak(10, false) // leading silence, trimmed
			m.speak(50, true)  // one second of voice
			m.speak(80, false) // then silence past the 1 s timeout
		}()
		in, err := e.Run(context.Background(), recordSprint(engine.Record{Timeout: 1, MaxLength: 30, PlayBeep: true, Trim: true, FinishOnKey: "#"}))
		require.NoError(t, err)
		require.Equal(t, engine.InputRecording, in.Type)
		require.Equal(t, "1", in.Params["RecordingDuration"])
		require.Equal(t, "http://127.0.0.1/recordings/RE1.wav", in.Params["RecordingUrl"])
		require.Equal(t, 50*160, recs.recs[0].samples, "only the voice is kept")
		require.True(t, recs.recs[0].kept)
		require.Equal(t, []string{"beep"}, m.played)
		require.True(t, m.stopped, "listening stopped")
	})
	t.Run("finish key", func(t *testing.T) {
		e, m, recs := newExec()
		go func() {
			m.speak(25, true)
			m.digits <- '#'
		}()
		in, err := e.Run(context.Background(), recordSprint(engine.Record{Timeout: 5, MaxLength: 30, FinishOnKey: "#"}))
		require.NoError(t, err)
		require.Equal(t, "#", in.Params["Digits"])
		require.Greater(t, recs.recs[0].samples, 0)
	})
	t.Run("nothing said keeps nothing", func(t *testing.T) {
		e, m, recs := newExec()
		go func() {
			time.Sleep(20 * time.Millisecond)
			m.digits <- '#'
		}()
		in, err := e.Run(context.Background(), recordSprint(engine.Record{Timeout: 5, MaxLength: 30, FinishOnKey: "#", Trim: true}))
		require.NoError(t, err)
		require.Nil(t, in.Params["RecordingUrl"])
		require.False(t, recs.recs[0].kept)
	})
	t.Run("hang up while recording", func(t *testing.T) {
		e, m, _ := newExec()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			m.speak(25, true)
			cancel()
		}()
		in, err := e.Run(ctx, recordSprint(engine.Record{Timeout: 5, MaxLength: 30}))
		require.NoError(t, err)
		require.Equal(t, "hangup", in.Params["Digits"])
		require.NotEmpty(t, in.Params["RecordingUrl"])
	})
}

func TestUnsupportedCommandsTakeTheFailurePath(t *testing.T) {
	e, _, _ := newExec()
	sp := &engine.Sprint{Commands: []engine.Command{engine.Dial{Noun: "number", To: []string{"+1"}}},
		Wait: &engine.Wait{Inputs: []string{engine.InputDial, engine.InputHangup}}}
	in, err := e.Run(context.Background(), sp)
	require.NoError(t, err)
	require.Equal(t, engine.InputDial, in.Type)
	require.Equal(t, "failed", in.Params["DialCallStatus"])

	_, err = e.Run(context.Background(), &engine.Sprint{Commands: []engine.Command{engine.Hangup{}}})
	require.ErrorIs(t, err, ErrHangup)
}

func TestRecordCallStartsAndStops(t *testing.T) {
	e, m, recs := newExec()
	start := &engine.Sprint{Commands: []engine.Command{engine.RecordCall{Start: true, Channels: "dual"}, sayCmd("hi")},
		Wait: &engine.Wait{Inputs: []string{engine.InputAudioDone}}}
	_, err := e.Run(context.Background(), start)
	require.NoError(t, err)
	require.Len(t, recs.recs, 1)
	require.Equal(t, 2, recs.recs[0].channels)
	require.True(t, m.callDual)
	// A second start does not open a second recording.
	_, err = e.Run(context.Background(), start)
	require.NoError(t, err)
	require.Len(t, recs.recs, 1)
	_, err = e.Run(context.Background(), &engine.Sprint{Commands: []engine.Command{engine.RecordCall{Start: false}}})
	require.NoError(t, err)
	require.True(t, m.callRecStopped)
	require.True(t, recs.recs[0].kept)

	// Mono, and a recording still running when the call ends is finished.
	e, m, recs = newExec()
	_, err = e.Run(context.Background(), &engine.Sprint{Commands: []engine.Command{engine.RecordCall{Start: true, Channels: "mono"}}})
	require.NoError(t, err)
	require.Equal(t, 1, recs.recs[0].channels)
	e.Close()
	require.True(t, m.callRecStopped)
}

// TestGatherKeysBeforeHangup: keys that reached the call before it ended
// are the gather's input when they complete it, however late the gather
// starts or notices the hang-up; keys that do not complete it are a
// hang-up. Each case runs many times: the old code lost the keys whenever
// select picked the call's end over a waiting key, so a single run could
// pass by luck.
func TestGatherKeysBeforeHangup(t *testing.T) {
	menu := []engine.Prompt{sayCmd("menu")}
	keypress := func(d string) engine.Input {
		return engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": d}}
	}
	cases := []struct {
		name  string
		sp    *engine.Sprint
		press string
		want  engine.Input
	}{
		{"one key, gather starts after the hang-up",
			gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#", NumDigits: 1, StopOnKey: true, Prompts: menu}), "4", keypress("4")},
		{"finish key, no prompts",
			gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#"}), "12#", keypress("12")},
		{"say before the gather in the same sprint",
			&engine.Sprint{Commands: []engine.Command{sayCmd("welcome"), engine.Gather{Timeout: 5, FinishOnKey: "#", NumDigits: 2, Prompts: menu}},
				Wait: &engine.Wait{Inputs: []string{engine.InputDigits, engine.InputTimeout}}}, "987", keypress("98")},
		{"keys that do not complete it",
			gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#", NumDigits: 3, Prompts: menu}), "12", engine.Input{Type: engine.InputHangup}},
		{"nothing pressed",
			gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#", Prompts: menu}), "", engine.Input{Type: engine.InputHangup}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 50; i++ {
				e, m, _ := newExec()
				for j := 0; j < len(c.press); j++ {
					m.digits <- c.press[j]
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				in, err := e.Run(ctx, c.sp)
				require.NoError(t, err)
				require.Equal(t, c.want, *in, "run %d", i)
				require.Empty(t, m.played, "nothing plays once the call is gone")
			}
		})
	}
	t.Run("hang-up while the prompt plays", func(t *testing.T) {
		for i := 0; i < 50; i++ {
			e, m, _ := newExec()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				time.Sleep(5 * time.Millisecond)
				m.digits <- '7'
				cancel()
			}()
			in, err := e.Run(ctx, gatherSprint(engine.Gather{Timeout: 5, FinishOnKey: "#", NumDigits: 1, StopOnKey: false,
				Prompts: []engine.Prompt{sayCmd("long menu")}}))
			require.NoError(t, err)
			require.Equal(t, keypress("7"), *in, "run %d", i)
		}
	})
}
