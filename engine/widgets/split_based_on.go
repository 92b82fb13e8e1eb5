package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/conditions"
	"github.com/switchboard/switchboard/schema"
)

// SplitBasedOn tests a value against the conditions of its match
// transitions in order; the first transition whose conditions all hold is
// taken, else noMatch.
type SplitBasedOn struct{}

func init() { engine.Register(schema.TypeSplitBasedOn, SplitBasedOn{}) }

// Enter evaluates the conditions.
func (SplitBasedOn) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.SplitBasedOn](r)
	if !ok {
		return badProps(r, "noMatch"), nil
	}
	input := render(ctx, r, p.Input)
	for i, t := range r.State().Transitions {
		if t.Event != "match" || len(t.Conditions) == 0 {
			continue
		}
		all := true
		for _, c := range t.Conditions {
			subject := input
			if len(c.Arguments) > 0 && c.Arguments[0] != p.Input {
				// Studio writes arguments[0] equal to input; when an author
				// changed it, the argument is what the condition tests.
				subject = render(ctx, r, c.Arguments[0])
			}
			value := render(ctx, r, c.Value)
			ok, err := conditions.Evaluate(c.Type, subject, value)
			if err != nil {
				r.Error(engine.CodeInvalidProperty, "transition %d: %v", i, err)
			}
			if !ok {
				all = false
				break
			}
		}
		if all {
			return engine.Take(i, "match", map[string]any{}), nil
		}
	}
	return engine.Go("noMatch", map[string]any{}), nil
}
