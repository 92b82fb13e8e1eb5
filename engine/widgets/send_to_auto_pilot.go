package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SendToAutoPilot, in Studio, handed the call or message thread to a Twilio
// Autopilot assistant and came back on sessionEnded, failure or timeout.
// Twilio has retired Autopilot; the widget survives only in old flows.
//
// Here, as in Studio today, it cannot run: it logs a CodeOffline event and
// follows failure with no outputs.
type SendToAutoPilot struct{}

func init() { engine.Register(schema.TypeSendToAutoPilot, SendToAutoPilot{}) }

// Enter fails at once through failure: send-to-auto-pilot cannot run offline.
func (SendToAutoPilot) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failure", "Twilio Autopilot (retired by Twilio)"), nil
}
