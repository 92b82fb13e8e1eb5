package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// StartConversation, in Studio, creates a Twilio Conversation with the given
// participants and ties the execution to it, so later messages in the
// Conversation reach the flow; it continues on created or failed.
//
// Here there is no Conversations service, so no Conversation exists to
// create: the widget logs a CodeOffline event and follows failed with no
// outputs. Plain SMS through send-message works offline instead.
type StartConversation struct{}

func init() { engine.Register(schema.TypeStartConversation, StartConversation{}) }

// Enter fails at once through failed: start-conversation cannot run offline.
func (StartConversation) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Conversations"), nil
}
