package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// GatherInputOnCall plays a prompt and collects digits or speech; it
// follows keypress, speech or timeout with the callback parameters
// (Digits, SpeechResult, Confidence and the call's own).
type GatherInputOnCall struct{}

func init() { engine.Register(schema.TypeGatherInputOnCall, GatherInputOnCall{}) }

// Enter emits a Gather verb and waits for the caller.
func (GatherInputOnCall) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.GatherInputOnCall](r)
	if !ok {
		return badProps(r, "timeout"), nil
	}
	g := &engine.Gather{
		Input:           []string{"dtmf", "speech"},
		Timeout:         renderInt(ctx, r, "timeout", p.Timeout, 5),
		FinishOnKey:     "#",
		NumDigits:       renderInt(ctx, r, "number_of_digits", p.NumberOfDigits, 0),
		SpeechTimeout:   render(ctx, r, p.SpeechTimeout),
		Language:        render(ctx, r, p.GatherLanguage),
		Hints:           render(ctx, r, p.Hints),
		ProfanityFilter: !strings.EqualFold(strings.TrimSpace(p.ProfanityFilter), "false"),
		SpeechModel:     render(ctx, r, p.SpeechModel),
		StopOnKey:       renderBool(ctx, r, "stop_gather", p.StopGather, true),
	}
	if p.FinishOnKey != "" || hasKey(r, "finish_on_key") {
		g.FinishOnKey = p.FinishOnKey
	}
	if g.Language == "" {
		g.Language = "en-US"
	}
	if g.SpeechTimeout == "" {
		g.SpeechTimeout = "auto"
	}
	if cmd, ok := prompt(ctx, r, p.Say, p.Play, "", p.Voice, p.Language, p.Loop); ok {
		g.Prompts = []engine.Prompt{cmd}
	}
	g.Widget = r.Name()
	cmd := *g
	return engine.WaitFor([]engine.Command{cmd}, engine.InputDigits, engine.InputSpeech, engine.InputTimeout), nil
}

// Resume maps the caller's answer to keypress, speech or timeout.
func (GatherInputOnCall) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	switch in.Type {
	case engine.InputDigits:
		return engine.Go("keypress", out), nil
	case engine.InputSpeech:
		return engine.Go("speech", out), nil
	}
	delete(out, "Digits")
	delete(out, "SpeechResult")
	return engine.Go("timeout", out), nil
}

// hasKey reports whether the widget's definition carries the property, even
// empty ("finish_on_key": "" turns the finish key off).
func hasKey(r *engine.Run, key string) bool {
	_, ok := r.State().Properties[key]
	return ok
}
