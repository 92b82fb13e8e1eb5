package simulator

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/conditions"
	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/schema/liquid"
)

// Auto answers every wait with an input that leads somewhere. Prompts
// finish, dials and calls connect, recordings complete, queues bridge. On a
// gather or a send-and-wait-for-reply it weighs the answers it could give:
// keys and speech on a gather, a reply, and letting the wait time out. For a
// transition into a split-based-on it tries the values the split's
// conditions test for (and a few common answers: 1, yes, no, ...) against
// the execution's real context, so it knows where each answer leads. It
// takes the answer that leads to a widget the execution has not been to
// yet; else one that ends the flow; else the least visited widget. This is
// how a survey that repeats a question until it gets a number is walked to
// its end, and how every corpus flow is walked in tests.
//
// Without a flow (NewAuto(nil)) it presses 1 and replies "yes".
type Auto struct {
	flow   *schema.Flow
	liquid *liquid.Engine
	visits map[string]int // widget name: times the execution reached it
}

// NewAuto returns an Auto driver for the flow the execution runs.
func NewAuto(f *schema.Flow) *Auto {
	return &Auto{flow: f, liquid: liquid.New(liquid.DefaultLimits()), visits: map[string]int{}}
}

// Input implements Driver.
func (a *Auto) Input(ctx context.Context, x *engine.Execution, sp *engine.Sprint) (engine.Input, bool, error) {
	if sp != nil {
		for _, st := range sp.Steps {
			a.visits[st.TransitionedTo]++
		}
	}
	w := x.Wait
	if in, ok := a.choose(ctx, x); ok {
		return in, true, nil
	}
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

// commonAnswers are tried on every split besides the values it tests for.
var commonAnswers = []string{"1", "2", "3", "yes", "no", "10", "hello", "0"}

// answer is an input Auto could give and the widget it leads to ("" for the
// end of the flow).
type answer struct {
	in    engine.Input
	next  string
	order int // lower is tried first among equals: split matches in order, noMatch, then a timeout
}

// choose weighs the answers to a gather or a send-and-wait-for-reply; ok is
// false for other waits, or when the widget is not in the flow (a subflow's).
func (a *Auto) choose(ctx context.Context, x *engine.Execution) (engine.Input, bool) {
	w := x.Wait
	if a == nil || a.flow == nil || w.Accepts(engine.InputAudioDone) {
		return engine.Input{}, false
	}
	st := a.flow.State(w.Widget)
	if st == nil || len(x.Frames) > 0 {
		return engine.Input{}, false
	}
	var answers []answer
	kinds := []struct {
		typ, event, param string
	}{
		{engine.InputDigits, "keypress", "Digits"},
		{engine.InputSpeech, "speech", "SpeechResult"},
		{engine.InputReply, "incomingMessage", "Body"},
	}
	for _, k := range kinds {
		if w.Accepts(k.typ) {
			answers = append(answers, a.answers(ctx, x, st, k.typ, k.event, k.param)...)
		}
	}
	if len(answers) == 0 {
		return engine.Input{}, false
	}
	if w.Accepts(engine.InputTimeout) {
		next, _ := st.Next("timeout")
		answers = append(answers, answer{in: engine.Input{Type: engine.InputTimeout}, next: next, order: 1 << 20})
	}
	best := answers[0]
	for _, c := range answers[1:] {
		if a.better(c, best) {
			best = c
		}
	}
	return best.in, true
}

// better reports whether c leads somewhere better than b: a widget not yet
// reached, then the end of the flow, then the least visited widget.
func (a *Auto) better(c, b answer) bool {
	rank := func(x answer) int {
		switch {
		case x.next != "" && a.visits[x.next] == 0:
			return 0
		case x.next == "":
			return 1
		}
		return 2
	}
	if rc, rb := rank(c), rank(b); rc != rb {
		return rc < rb
	}
	if vc, vb := a.visits[c.next], a.visits[b.next]; vc != vb {
		return vc < vb
	}
	return c.order < b.order
}

// answers lists the distinct outcomes of giving an input of type typ (event
// on the widget st): one per split transition it can reach.
func (a *Auto) answers(ctx context.Context, x *engine.Execution, st *schema.State, typ, event, param string) []answer {
	mk := func(v string) engine.Input {
		switch typ {
		case engine.InputSpeech:
			return engine.Input{Type: typ, Params: map[string]any{"SpeechResult": v, "Confidence": "0.9"}}
		default:
			return engine.Input{Type: typ, Params: map[string]any{param: v}}
		}
	}
	next, _ := st.Next(event)
	split := a.flow.State(next)
	if split == nil || split.Type != schema.TypeSplitBasedOn {
		def := "1"
		if typ != engine.InputDigits {
			def = "yes"
		}
		return []answer{{in: mk(def), next: next}}
	}
	var out []answer
	seen := map[int]bool{}
	for _, v := range a.probes(ctx, x, split, typ) {
		in := mk(v)
		i, to := a.predict(ctx, x, st, split, typ, in)
		if seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, answer{in: in, next: to, order: i})
	}
	return out
}

// outputs are what the widget st would publish for the input (as the
// engine's gather and send-and-wait-for-reply do).
func outputs(x *engine.Execution, st *schema.State, in engine.Input) map[string]any {
	if in.Type == engine.InputReply {
		prev := x.Context.Widget(st.Name)
		return map[string]any{"outbound": prev["outbound"], "inbound": in.Params}
	}
	out := map[string]any{}
	for k, v := range in.Params {
		out[k] = v
	}
	return out
}

// vars is the execution's context with st's outputs for the input.
func vars(x *engine.Execution, st *schema.State, in engine.Input) map[string]any {
	v := make(map[string]any, len(x.Context))
	for k, val := range x.Context {
		v[k] = val
	}
	widgets := map[string]any{}
	if m, ok := x.Context["widgets"].(map[string]any); ok {
		for k, val := range m {
			widgets[k] = val
		}
	}
	widgets[st.Name] = outputs(x, st, in)
	v["widgets"] = widgets
	return v
}

// probes are the answers worth trying on a split: the values its
// conditions test for (numbers just past a less_than or greater_than), then
// common answers.
func (a *Auto) probes(ctx context.Context, x *engine.Execution, split *schema.State, typ string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			return
		}
		if typ == engine.InputDigits && strings.Trim(v, "0123456789*#") != "" {
			return // keys cannot say it
		}
		seen[v] = true
		out = append(out, v)
	}
	base := map[string]any(x.Context)
	for _, t := range split.Transitions {
		for _, c := range t.Conditions {
			v, err := a.liquid.Render(ctx, c.Value, base)
			if err != nil {
				continue
			}
			switch c.Type {
			case conditions.EqualTo, conditions.Contains, conditions.StartsWith:
				add(v)
			case conditions.MatchesAnyOf:
				for _, item := range strings.Split(v, ",") {
					add(item)
				}
			case conditions.LessThan, conditions.GreaterThan:
				if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					d := 1.0
					if c.Type == conditions.LessThan {
						d = -1
					}
					add(strconv.FormatFloat(n+d, 'f', -1, 64))
				}
			}
		}
	}
	for _, v := range commonAnswers {
		add(v)
	}
	return out
}

// predict evaluates split as the engine would after st took the input: it
// returns the index of the transition taken (len(transitions) for noMatch)
// and the widget it leads to.
func (a *Auto) predict(ctx context.Context, x *engine.Execution, st, split *schema.State, typ string, in engine.Input) (int, string) {
	v := vars(x, st, in)
	p, _ := split.Decode()
	props, _ := p.(*schema.SplitBasedOn)
	input := ""
	if props != nil {
		input, _ = a.liquid.Render(ctx, props.Input, v)
	}
	for i, t := range split.Transitions {
		if t.Event != "match" || len(t.Conditions) == 0 {
			continue
		}
		all := true
		for _, c := range t.Conditions {
			subject := input
			if props != nil && len(c.Arguments) > 0 && c.Arguments[0] != props.Input {
				subject, _ = a.liquid.Render(ctx, c.Arguments[0], v)
			}
			value, _ := a.liquid.Render(ctx, c.Value, v)
			if ok, _ := conditions.Evaluate(c.Type, subject, value); !ok {
				all = false
				break
			}
		}
		if all {
			return i, t.Next
		}
	}
	next, _ := split.Next("noMatch")
	return len(split.Transitions), next
}

// Script answers waits with lines in the text-phone syntax (see Parse), then
// stops (or, with Then set, hands over to it).
type Script struct {
	Lines []string
	Then  Driver
	next  int
}

// Input implements Driver.
func (s *Script) Input(ctx context.Context, x *engine.Execution, sp *engine.Sprint) (engine.Input, bool, error) {
	w := x.Wait
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
		return s.Then.Input(ctx, x, sp)
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
func (t *Terminal) Input(_ context.Context, x *engine.Execution, _ *engine.Sprint) (engine.Input, bool, error) {
	w := x.Wait
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
