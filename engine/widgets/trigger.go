package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// Trigger is the flow's start. The engine takes its transition for the
// trigger event itself; a transition that leads back to the trigger ends the
// execution, as there is no event to follow.
type Trigger struct{}

func init() { engine.Register(schema.TypeTrigger, Trigger{}) }

// Enter ends the branch: a running execution has no trigger event.
func (Trigger) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	r.Warn("a transition leads back to the trigger; the execution ends here")
	return engine.Go("", nil), nil
}
