package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SendToFlex, in Studio, hands the call, message or conversation to a Flex
// contact centre: it creates a TaskRouter task from a workflow, a task
// channel and JSON attributes, holds a caller with wait music, and continues
// on callComplete, failedToEnqueue or callFailure.
//
// Here there is no Flex and no TaskRouter, so no task is created: the widget
// logs a CodeOffline event and follows failedToEnqueue (the task could not
// be queued), where a flow can route to a local queue or a voicemail instead.
type SendToFlex struct{}

func init() { engine.Register(schema.TypeSendToFlex, SendToFlex{}) }

// Enter fails at once through failedToEnqueue: send-to-flex cannot run offline.
func (SendToFlex) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failedToEnqueue", "Twilio Flex (TaskRouter)"), nil
}
