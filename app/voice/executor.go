// Package voice runs Studio flows on live calls: it routes an inbound SIP
// call to its flow (a flow SID as the user, or a number), starts the
// execution before answering (a flow that cannot take the call refuses it),
// carries out each sprint's voice commands on the call's media (speech,
// audio files, DTMF, gathers, voicemail and whole-call recordings) and
// resumes the execution with what happened, until the flow or the caller
// hangs up. A TwiML redirect runs the outside TwiML on the call (see
// redirect.go); fork-stream sends the call's audio to a WebSocket as
// Twilio's Media Streams (package stream). connect-call-to's Dial places
// outbound legs and bridges the one that answers (connect.go). The outbound
// calls of REST-started flows are placed by the Dialer (dialer.go), which
// runs the flow on the answered call with the same executor. enqueue-call
// puts the caller in a local queue whose agents are desk phones
// (enqueue.go, queue.go). Outbound calls from a live call are not
// available yet: the widget follows its failure path.
package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Media is what the executor needs from a call's media: paced prompts,
// outgoing DTMF, the caller's digits (RFC 4733, SIP INFO and in-band merged)
// and the caller's audio as 8 kHz PCM.
type Media interface {
	// Play sends 20 ms frames and returns when they are sent or ctx ends.
	Play(ctx context.Context, frames [][]byte) error
	// SendDigits plays DTMF to the caller (w and W pause).
	SendDigits(ctx context.Context, digits string) error
	// Digits delivers the caller's key presses.
	Digits() <-chan byte
	// Listen calls fn with the caller's audio, decoded, until stop is called.
	Listen(fn func(pcm []int16)) (stop func())
	// RecordCall records the whole call from now on into rec: caller on
	// the left, what the call hears on the right (dual), or mixed (mono).
	RecordCall(rec Recording, dual bool) (stop func() error)
}

// Prompts turns Say and Play into frames for the call's codec.
type Prompts interface {
	Say(ctx context.Context, text, voice, language string) ([][]byte, error)
	Play(ctx context.Context, url string) ([][]byte, error)
	Beep() [][]byte
}

// Recordings stores what Record and record-call capture.
type Recordings interface {
	// Create opens a recording with 1 or 2 channels; its URL is what the
	// flow sees as RecordingUrl.
	Create(callSID string, channels int) (Recording, error)
}

// Recording receives 8 kHz PCM (interleaved when stereo).
type Recording interface {
	Write(pcm []int16) error
	WriteStereo(left, right []int16) error
	// Close finishes the file; keep false deletes it (nothing recorded).
	Close(keep bool) error
	SID() string
	URL() string
}

// Executor carries out one call's commands.
type Executor struct {
	Media      Media
	Prompts    Prompts
	Recordings Recordings
	CallSID    string
	AccountSID string // for media streams' start and stop messages
	Log        *slog.Logger
	// TwiML fetches and runs add-twiml-redirect's outside TwiML; nil: the
	// widget follows its timeout path at once.
	TwiML *TwiMLClient
	// StreamQueue and StreamWriteTimeout tune media streams (0: the
	// stream package's defaults).
	StreamQueue        int
	StreamWriteTimeout time.Duration
	// Connect places connect-call-to's outbound legs and bridges them to
	// the call; nil: the widget's Dial fails (DialCallStatus failed).
	Connect *Connector
	// Queues holds enqueue-call's local queues; nil (or no Connect): the
	// widget follows callFailure (QueueResult system-error).
	Queues *QueueManager

	pending []byte // digits pressed before a gather asked for them

	stopCallRecording func() error // the record-call widget's recording

	streams map[string]*liveStream // fork-stream's running streams by name

	events []engine.Event // for the next input (events.go)
}

// Close stops what outlives a sprint (a whole-call recording, media
// streams).
func (e *Executor) Close() {
	e.stopRecordCall()
	e.stopStreams()
}

func (e *Executor) stopRecordCall() {
	if e.stopCallRecording != nil {
		if err := e.stopCallRecording(); err != nil {
			e.Log.Error("call recording failed", "err", err)
		}
		e.stopCallRecording = nil
	}
}

// recordCall starts or stops recording the whole call.
func (e *Executor) recordCall(rc *engine.RecordCall) {
	if rc == nil {
		return
	}
	if !rc.Start {
		e.stopRecordCall()
		return
	}
	if e.stopCallRecording != nil {
		return // already recording
	}
	channels := 2
	if rc.Channels == "mono" {
		channels = 1
	}
	rec, err := e.Recordings.Create(e.CallSID, channels)
	if err != nil {
		e.Log.Error("call recording not started", "err", err)
		return
	}
	e.Log.Info("recording the call", "recording_sid", rec.SID(), "channels", channels)
	e.stopCallRecording = e.Media.RecordCall(rec, channels == 2)
}

// ErrHangup is returned when the commands end the call.
var ErrHangup = errors.New("the flow hung up")

// Run carries out a sprint's commands and returns the input that answers
// its wait (nil when the sprint does not wait). ctx ends when the caller
// hangs up; Run then returns a hangup input. What went wrong on the way
// rides on the input as events (events.go).
func (e *Executor) Run(ctx context.Context, sp *engine.Sprint) (*engine.Input, error) {
	in, err := e.run(ctx, sp)
	return e.withEvents(in), err
}

func (e *Executor) run(ctx context.Context, sp *engine.Sprint) (*engine.Input, error) {
	var gather *engine.Gather
	var record *engine.Record
	for _, c := range sp.Commands {
		if ctx.Err() != nil {
			// The call is gone: nothing more is played or done, but a
			// gather still takes the keys that arrived before the hang-up
			// (see collect).
			if g, ok := c.(engine.Gather); ok {
				gather = &g
			}
			continue
		}
		switch c.(type) {
		case engine.Say, engine.Play, engine.Digits:
			if _, err := e.prompt(ctx, c.(engine.Prompt), false); err != nil && ctx.Err() == nil {
				e.Log.Warn("prompt failed", "widget", c.WidgetName(), "err", err)
			}
		default:
			if in, done, err := e.command(ctx, sp, c, &gather, &record); done {
				return in, err
			}
		}
	}
	if ctx.Err() != nil && gather == nil {
		return &engine.Input{Type: engine.InputHangup}, nil
	}
	w := sp.Wait
	switch {
	case w == nil:
		return nil, nil
	case gather != nil:
		return e.gather(ctx, gather)
	case record != nil:
		return e.record(ctx, record)
	case w.Accepts(engine.InputAudioDone):
		return &engine.Input{Type: engine.InputAudioDone}, nil
	case w.AwaitsMessageResult():
		// send-message during a call: the call does not wait for the
		// gateway; the message is queued, which is Studio's sent.
		return &engine.Input{Type: engine.InputDelivery, Params: map[string]any{"Status": "queued"}}, nil
	}
	return nil, fmt.Errorf("voice: the flow waits for %v, which a call cannot give", w.Inputs)
}

// command carries out a command other than a prompt; done says the sprint
// ends with in and err. It is run's switch, kept out of run so that run's
// frame, which stays on the call's stack while a prompt plays, is small
// (see onOwnStack).
func (e *Executor) command(ctx context.Context, sp *engine.Sprint, c engine.Command, gather **engine.Gather, record **engine.Record) (in *engine.Input, done bool, err error) {
	switch c := c.(type) {
	case engine.Gather:
		*gather = &c
	case engine.Record:
		*record = &c
	case engine.Hangup:
		return nil, true, ErrHangup
	case engine.RecordCall:
		e.recordCall(&c)
	case engine.Stream:
		e.stream(ctx, c)
	case engine.Message:
		// Messages go through the outbox.
	case engine.Redirect:
		if e.TwiML == nil {
			in, err = e.unsupported(sp, c)
		} else {
			in, err = e.redirect(ctx, sp, c)
		}
		return in, true, err
	case engine.Dial:
		if e.Connect == nil {
			in, err = e.unsupported(sp, c)
			return in, true, err
		}
		return e.Connect.Dial(ctx, e, c), true, nil
	case engine.Enqueue:
		in, err = e.enqueue(ctx, sp, c)
		return in, true, err
	case engine.Call:
		// Only an execution an outbound call of ours drives gets here
		// (the widgets refuse on inbound calls; the runner queued no
		// row): its contact is on this call already.
		e.Log.Info("make-outgoing-call on a live call: the contact is on this call already; failed", "widget", c.WidgetName())
		e.report("error", engine.CodeCallOnCall, c.WidgetName(),
			"make-outgoing-call calls the contact, who is on this call already (this execution's own outbound call): no call placed")
		return &engine.Input{Type: engine.InputCall, Params: map[string]any{"CallStatus": "failed"}}, true, nil
	default:
		return nil, true, fmt.Errorf("voice: %w %T", engine.ErrUnknownCommand, c)
	}
	return nil, false, nil
}

// unsupported answers a command this appliance cannot carry out offline
// (dial, enqueue, outbound calls, TwiML redirects without a TwiMLClient):
// the widget's own failure
// path runs where it has one; else the call ends.
func (e *Executor) unsupported(sp *engine.Sprint, c engine.Command) (*engine.Input, error) {
	e.Log.Warn("voice command not available on this appliance yet", "verb", c.Verb(), "widget", c.WidgetName())
	w := sp.Wait
	var in *engine.Input
	switch c.(type) {
	case engine.Dial:
		in = &engine.Input{Type: engine.InputDial, Params: map[string]any{"DialCallStatus": "failed", "DialCallDuration": "0"}}
	case engine.Call:
		in = &engine.Input{Type: engine.InputCall, Params: map[string]any{"CallStatus": "failed"}}
	case engine.Enqueue:
		in = &engine.Input{Type: engine.InputQueue, Params: map[string]any{"QueueResult": "system-error"}}
	case engine.Redirect:
		in = &engine.Input{Type: engine.InputTimeout}
	}
	switch {
	case w == nil:
		return nil, nil
	case in != nil && w.Accepts(in.Type):
		return in, nil
	}
	return nil, fmt.Errorf("voice: %s is not available on this appliance", c.Verb())
}

// prompt plays a say/play/digits command (looped); with interruptible set,
// the first key the caller presses stops it and is kept for the gather.
func (e *Executor) prompt(ctx context.Context, c engine.Prompt, interruptible bool) (interrupted bool, err error) {
	var frames [][]byte
	var loops int
	switch c := c.(type) {
	case engine.Say:
		frames, err = e.Prompts.Say(ctx, c.Text, c.Voice, c.Language)
		loops = c.Loop
	case engine.Play:
		frames, err = e.Prompts.Play(ctx, c.URL)
		loops = c.Loop
	case engine.Digits:
		return false, e.Media.SendDigits(ctx, c.Digits)
	default:
		return false, fmt.Errorf("voice: %w %T", engine.ErrUnknownCommand, c)
	}
	if err != nil {
		return false, err
	}
	if loops <= 0 {
		loops = 1 // Studio's loop 0 means once here; TwiML's 0 ("forever") is not offered by the widgets
	}
	for i := 0; i < loops; i++ {
		if !interruptible {
			if err := e.Media.Play(ctx, frames); err != nil {
				return false, err
			}
			continue
		}
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.Media.Play(pctx, frames) }()
		select {
		case err := <-done:
			cancel()
			if err != nil {
				return false, err
			}
		case d := <-e.Media.Digits():
			cancel()
			<-done
			e.pending = append(e.pending, d)
			return true, nil
		}
	}
	return false, nil
}

// gather plays the prompts (stopped by the first key when the widget says
// so) and collects digits: finish_on_key ends it (the key is not part of
// the digits), number_of_digits ends it, and timeout seconds without a key
// end it. Speech is not available offline; a speech-only gather times out.
func (e *Executor) gather(ctx context.Context, g *engine.Gather) (*engine.Input, error) {
	dtmf := len(g.Input) == 0
	for _, in := range g.Input {
		if in == "dtmf" {
			dtmf = true
		}
	}
	e.pending = e.pending[:0]
	for i := range g.Prompts {
		if ctx.Err() != nil {
			break // collect takes what was pressed before the hang-up
		}
		interrupted, err := e.prompt(ctx, g.Prompts[i], dtmf && g.StopOnKey)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			e.Log.Warn("gather prompt failed", "err", err)
		}
		if interrupted {
			break
		}
	}
	return e.collect(ctx, g, dtmf)
}

// collect waits for the gather's digits after its prompts (pending holds
// the keys pressed during them).
//
// Keys that arrived before the call ended still count: when the caller
// presses the last key and hangs up at once, or when a loaded box starts
// the gather after the hang-up was already seen, the keys are waiting in
// the media's queue. They are taken first, and a gather they complete
// (finish_on_key, number_of_digits) ends with them, so the flow takes the
// keypress path as it would have on an idle box; keys that do not complete
// it are a hang-up, as before. Arrival order decides, never which of two
// ready channels select happens to pick.
func (e *Executor) collect(ctx context.Context, g *engine.Gather, dtmf bool) (*engine.Input, error) {
	timeout := time.Duration(g.Timeout) * time.Second
	if timeout <= 0 {
		timeout = 5 * time.Second // Studio's default
	}
	var digits strings.Builder
	take := func(d byte) (done bool) {
		if !dtmf {
			return false
		}
		if g.FinishOnKey != "" && strings.IndexByte(g.FinishOnKey, d) >= 0 {
			return true
		}
		digits.WriteByte(d)
		return g.NumDigits > 0 && digits.Len() >= g.NumDigits
	}
	for _, d := range e.pending {
		if take(d) {
			return e.digits(digits.String()), nil
		}
	}
	e.pending = e.pending[:0]
	hungUp := func() *engine.Input {
		for {
			select {
			case d := <-e.Media.Digits():
				if take(d) {
					return e.digits(digits.String())
				}
			default:
				return &engine.Input{Type: engine.InputHangup}
			}
		}
	}
	if ctx.Err() != nil {
		return hungUp(), nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return hungUp(), nil
		case d := <-e.Media.Digits():
			if take(d) {
				return e.digits(digits.String()), nil
			}
			timer.Reset(timeout) // timeout counts from the last key
		case <-timer.C:
			if digits.Len() > 0 {
				return e.digits(digits.String()), nil
			}
			return &engine.Input{Type: engine.InputTimeout}, nil
		}
	}
}

func (e *Executor) digits(d string) *engine.Input {
	if d == "" {
		return &engine.Input{Type: engine.InputTimeout}
	}
	return &engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": d}}
}

// Silence detection for Record: a 20 ms block below this RMS is silence
// (about -45 dBFS).
const silenceRMS = 180

// record captures the caller after an optional beep until the finish key,
// timeout seconds of silence or max_length seconds, and answers with the
// recording's URL, duration and the key that ended it. Trim drops leading
// and trailing silence.
func (e *Executor) record(ctx context.Context, r *engine.Record) (*engine.Input, error) {
	if r.PlayBeep {
		if err := e.Media.Play(ctx, e.Prompts.Beep()); err != nil && ctx.Err() != nil {
			return &engine.Input{Type: engine.InputHangup}, nil
		}
	}
	rec, err := e.Recordings.Create(e.CallSID, 1)
	if err != nil {
		return nil, fmt.Errorf("voice: recording: %w", err)
	}
	maxLen := time.Duration(r.MaxLength) * time.Second
	if maxLen <= 0 {
		maxLen = time.Hour // Twilio's cap is 4 h; an hour is plenty for voicemail
	}
	silence := time.Duration(r.Timeout) * time.Second

	blocks := make(chan []int16, 64)
	stop := e.Media.Listen(func(pcm []int16) {
		select {
		case blocks <- append([]int16(nil), pcm...):
		default: // the writer is behind; drop rather than block the media
		}
	})
	defer stop()

	var (
		samples  int           // written
		held     [][]int16     // trailing silence not yet written (for trim)
		heard    bool          // any sound yet
		quietFor time.Duration // current run of silence
		finished string        // the key that ended it, or "hangup"
		maxTimer = time.NewTimer(maxLen)
		writeErr error
	)
	defer maxTimer.Stop()
	write := func(pcm []int16) {
		if writeErr == nil {
			writeErr = rec.Write(pcm)
			samples += len(pcm)
		}
	}
loop:
	for {
		select {
		case <-ctx.Done():
			finished = "hangup"
			break loop
		case d := <-e.Media.Digits():
			if r.FinishOnKey == "" || strings.IndexByte(r.FinishOnKey, d) >= 0 {
				finished = string(d)
				break loop
			}
		case <-maxTimer.C:
			break loop
		case b := <-blocks:
			loud := rms(b) >= silenceRMS
			blockDur := time.Duration(len(b)) * time.Second / 8000
			if loud {
				heard, quietFor = true, 0
				for _, h := range held {
					write(h)
				}
				held = held[:0]
				write(b)
				continue
			}
			quietFor += blockDur
			if r.Trim && !heard {
				continue // leading silence
			}
			if r.Trim {
				held = append(held, b)
			} else {
				write(b)
			}
			if silence > 0 && heard && quietFor >= silence {
				break loop
			}
		}
	}
	// With trim, silence still held here is trailing silence: dropped.
	keep := samples > 0 && writeErr == nil
	if err := rec.Close(keep); err != nil && writeErr == nil {
		writeErr = err
	}
	if writeErr != nil {
		e.Log.Error("recording failed", "err", writeErr)
	}
	params := map[string]any{"Digits": finished}
	if keep {
		params["RecordingUrl"] = rec.URL()
		params["RecordingSid"] = rec.SID()
		params["RecordingDuration"] = strconv.Itoa((samples + 7999) / 8000)
	}
	// A hang-up ends the recording with Digits "hangup", as Twilio reports
	// it; the widget takes its hangup path with the recording attached.
	return &engine.Input{Type: engine.InputRecording, Params: params}, nil
}

func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}
