package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ResumeConversation, in Studio, ties the execution to an existing Twilio
// Conversation so its new messages reach the flow again; it continues on
// resumed or failed.
//
// Here there is no Conversations service: the widget logs a CodeOffline
// event and follows failed with no outputs.
type ResumeConversation struct{}

func init() { engine.Register(schema.TypeResumeConversation, ResumeConversation{}) }

// Enter fails at once through failed: resume-conversation cannot run offline.
func (ResumeConversation) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Conversations"), nil
}
