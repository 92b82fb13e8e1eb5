package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// CreateChatChannel is a legacy Studio widget that created a Programmable
// Chat channel. Its properties and events were never documented (the schema
// assumes success and failed).
//
// Here there is no Programmable Chat: the widget logs a CodeOffline event and
// follows failed with no outputs.
type CreateChatChannel struct{}

func init() { engine.Register(schema.TypeCreateChatChannel, CreateChatChannel{}) }

// Enter fails at once through failed: create-chat-channel cannot run offline.
func (CreateChatChannel) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Programmable Chat"), nil
}
