package simulator

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard/switchboard/engine"
)

// Auto answers every wait with a plausible input: the prompt finishes, the
// caller presses 1 or says yes, the contact replies "yes", dials and calls
// connect, recordings complete. It is how every corpus flow is walked to an
// end in tests.
type Auto struct{}

// Input implements Driver.
func (Auto) Input(_ context.Context, w *engine.Wait, _ *engine.Sprint) (engine.Input, bool, error) {
	return autoInput(w), true, nil
}

func autoInput(w *engine.Wait) engine.Input {
	for _, pref := range []engine.Input{
		{Type: engine.InputAudioDone},
		{Type: engine.InputDigits, Params: map[string]any{"Digits": "1"}},
		{Type: engine.InputReply, Params: map[string]any{"Body": "yes"}},
		{Type: engine.InputRecording, Params: map[string]any{"RecordingUrl": "file:///recordings/sim.wav", "RecordingDuration": "4"}},
		{Type: engine.InputDial, Params: map[string]any{"DialCallStatus": "completed", "DialCallDuration": "30"}},
		{Type: engine.InputCall, Params: map[string]any{"CallStatus": "answered", "AnsweredBy": "human"}},
		{Type: engine.InputQueue, Params: map[string]any{"QueueResult": "bridged"}},
		{Type: engine.InputReturn},
		{Type: engine.InputDone},
	} {
		if w.Accepts(pref.Type) {
			return pref
		}
	}
	return engine.Input{Type: engine.InputTimeout}
}

// Script answers waits with lines in the text-phone syntax (see Parse), then
// stops (or, with Then set, hands over to it).
type Script struct {
	Lines []string
	Then  Driver
	next  int
}

// Input implements Driver.
func (s *Script) Input(ctx context.Context, w *engine.Wait, sp *engine.Sprint) (engine.Input, bool, error) {
	if w.Accepts(engine.InputAudioDone) {
		return engine.Input{Type: engine.InputAudioDone}, true, nil // prompts finish on their own
	}
	for s.next < len(s.Lines) {
		line := s.Lines[s.next]
		s.next++
		if in, ok := Parse(line, w); ok {
			return in, true, nil
		}
	}
	if s.Then != nil {
		return s.Then.Input(ctx, w, sp)
	}
	return engine.Input{}, false, nil
}

// Terminal reads the person's answers from a reader (a terminal).
type Terminal struct {
	In     *bufio.Scanner
	Out    io.Writer
	prompt bool
}

// NewTerminal reads lines from r and prompts on w.
func NewTerminal(r io.Reader, w io.Writer) *Terminal {
	return &Terminal{In: bufio.NewScanner(r), Out: w}
}

// Input implements Driver: prompts that need no answer (a finished prompt)
// pass on their own.
func (t *Terminal) Input(_ context.Context, w *engine.Wait, _ *engine.Sprint) (engine.Input, bool, error) {
	if w.Accepts(engine.InputAudioDone) {
		return engine.Input{Type: engine.InputAudioDone}, true, nil
	}
	for {
		fmt.Fprintf(t.Out, "[%s] > ", Hint(w))
		if !t.In.Scan() {
			return engine.Input{}, false, t.In.Err()
		}
		line := t.In.Text()
		if strings.TrimSpace(line) == "/quit" || strings.TrimSpace(line) == "/hangup" {
			return engine.Input{}, false, nil
		}
		if in, ok := Parse(line, w); ok {
			return in, true, nil
		}
		fmt.Fprintf(t.Out, "   (not an answer here: %s)\n", Hint(w))
	}
}

// Hint says what a wait accepts, in text-phone terms.
func Hint(w *engine.Wait) string {
	var h []string
	for _, t := range w.Inputs {
		switch t {
		case engine.InputDigits:
			h = append(h, "keys like 1#")
		case engine.InputSpeech:
			h = append(h, "say <words>")
		case engine.InputReply:
			h = append(h, "a reply")
		case engine.InputTimeout:
			h = append(h, "/timeout")
		case engine.InputRecording:
			h = append(h, "/recorded <seconds>")
		case engine.InputDial:
			h = append(h, "/dial completed|busy|no-answer|failed")
		case engine.InputCall:
			h = append(h, "/call answered|busy|no-answer|failed")
		case engine.InputQueue:
			h = append(h, "/queue bridged|queue-full|system-error")
		case engine.InputDelivery:
			h = append(h, "/delivery delivered|failed")
		case engine.InputReturn:
			h = append(h, "/return")
		case engine.InputHangup:
			h = append(h, "/hangup")
		}
	}
	return strings.Join(h, ", ")
}

// Parse reads one line of the text-phone syntax for a wait:
//
//	123#            digits (on a gather)
//	say I want help speech (on a gather)
//	anything else   a reply (on send-and-wait-for-reply)
//	/timeout /hangup /return /recorded 5 /dial busy /call no-answer /queue bridged /delivery failed
func Parse(line string, w *engine.Wait) (engine.Input, bool) {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "/") {
		f := strings.Fields(line[1:])
		arg := ""
		if len(f) > 1 {
			arg = strings.Join(f[1:], " ")
		}
		var in engine.Input
		switch f[0] {
		case "timeout":
			in = engine.Input{Type: engine.InputTimeout}
		case "hangup":
			in = engine.Input{Type: engine.InputHangup}
		case "return":
			in = engine.Input{Type: engine.InputReturn}
		case "recorded":
			if arg == "" {
				arg = "5"
			}
			in = engine.Input{Type: engine.InputRecording, Params: map[string]any{"RecordingUrl": "file:///recordings/sim.wav", "RecordingDuration": arg}}
		case "dial":
			in = engine.Input{Type: engine.InputDial, Params: map[string]any{"DialCallStatus": orDefault(arg, "completed")}}
		case "call":
			in = engine.Input{Type: engine.InputCall, Params: map[string]any{"CallStatus": orDefault(arg, "answered")}}
		case "queue":
			in = engine.Input{Type: engine.InputQueue, Params: map[string]any{"QueueResult": orDefault(arg, "bridged")}}
		case "delivery":
			in = engine.Input{Type: engine.InputDelivery, Params: map[string]any{"Status": orDefault(arg, "delivered")}}
		default:
			return engine.Input{}, false
		}
		return in, w.Accepts(in.Type) || in.Type == engine.InputHangup
	}
	if w.Accepts(engine.InputSpeech) && strings.HasPrefix(strings.ToLower(line), "say ") {
		return engine.Input{Type: engine.InputSpeech, Params: map[string]any{"SpeechResult": line[4:], "Confidence": "0.9"}}, true
	}
	if w.Accepts(engine.InputDigits) && line != "" && strings.Trim(line, "0123456789*#ABCDabcd") == "" {
		return engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": strings.TrimRight(line, "#")}}, true
	}
	if w.Accepts(engine.InputReply) {
		return engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": line}}, true
	}
	if w.Accepts(engine.InputAudioDone) && line == "" {
		return engine.Input{Type: engine.InputAudioDone}, true
	}
	return engine.Input{}, false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
