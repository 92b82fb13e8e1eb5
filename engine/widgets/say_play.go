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
func prompt(ctx context.Context, r *engine.Run, say, play, digits, voice, language string, loop schema.Scalar) (engine.Prompt, bool) {
	n := renderInt(ctx, r, "loop", loop, 1)
	if n < 1 {
		n = 1
	}
	switch {
	case say != "":
		c := engine.Say{Widget: r.Name(), Loop: n, Text: render(ctx, r, say)}
		c.Voice, c.Language = render(ctx, r, voice), render(ctx, r, language)
		if c.Language == "" {
			c.Language = "en-US"
		}
		return c, true
	case play != "":
		return engine.Play{Widget: r.Name(), Loop: n, URL: render(ctx, r, play)}, true
	case digits != "":
		return engine.Digits{Widget: r.Name(), Loop: n, Digits: render(ctx, r, digits)}, true
	}
	return nil, false
}
