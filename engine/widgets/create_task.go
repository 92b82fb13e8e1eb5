package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// CreateTask is a legacy Studio widget that created a TaskRouter task
// (send-to-flex is the documented way to do that now). Its properties and
// events were never documented (the schema assumes success and failed).
//
// Here there is no TaskRouter: the widget logs a CodeOffline event and
// follows failed with no outputs.
type CreateTask struct{}

func init() { engine.Register(schema.TypeCreateTask, CreateTask{}) }

// Enter fails at once through failed: create-task cannot run offline.
func (CreateTask) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio TaskRouter"), nil
}
