package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SayPlay speaks text, plays an audio URL or sends DTMF digits on the call,
// then waits until the audio is done and follows audioComplete.
type SayPlay struct{}

func init() { engine.Register(schema.TypeSayPlay, SayPlay{}) }

// Enter emits the prompt and waits for it to finish.
func (SayPlay) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.SayPlay](r)
	if !ok {
		return badProps(r, "audioComplete"), nil
	}
	cmd, ok := prompt(ctx, r, p.Say, p.Play, p.Digits, p.Voice, p.Language, p.Loop)
	if !ok {
		r.Error(engine.CodeInvalidProperty, "say-play needs one of say, play or digits")
		return engine.Go("audioComplete", map[string]any{}), nil
	}
	return engine.WaitFor([]engine.Command{cmd}, engine.InputAudioDone), nil
}

// Resume follows audioComplete once the host played the prompt.
func (SayPlay) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	if p, ok := propsOf[schema.SayPlay](r); ok {
		out["voice"], out["language"] = p.Voice, p.Language
	}
	return engine.Go("audioComplete", out), nil
}

// prompt builds a say, play or digits command from a widget's properties.
func prompt(ctx context.Context, r *engine.Run, say, play, digits, voice, language string, loop schema.Scalar) (engine.Command, bool) {
	n := renderInt(ctx, r, "loop", loop, 1)
	if n < 1 {
		n = 1
	}
	c := engine.Command{Widget: r.Name(), Loop: n}
	switch {
	case say != "":
		c.Verb, c.Text = engine.VerbSay, render(ctx, r, say)
		c.Voice, c.Language = render(ctx, r, voice), render(ctx, r, language)
		if c.Language == "" {
			c.Language = "en-US"
		}
	case play != "":
		c.Verb, c.URL = engine.VerbPlay, render(ctx, r, play)
	case digits != "":
		c.Verb, c.Digits = engine.VerbDigits, render(ctx, r, digits)
	default:
		return c, false
	}
	return c, true
}
