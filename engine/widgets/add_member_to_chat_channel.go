package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// AddMemberToChatChannel is a legacy Studio widget that added a member to a
// Programmable Chat channel. Its properties and events were never documented
// (the schema assumes success and failed).
//
// Here there is no Programmable Chat: the widget logs a CodeOffline event and
// follows failed with no outputs.
type AddMemberToChatChannel struct{}

func init() { engine.Register(schema.TypeAddMemberToChatChannel, AddMemberToChatChannel{}) }

// Enter fails at once through failed: add-member-to-chat-channel cannot run offline.
func (AddMemberToChatChannel) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Programmable Chat"), nil
}
