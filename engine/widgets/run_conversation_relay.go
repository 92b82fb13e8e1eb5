package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RunConversationRelay, in Studio, connects the call to a ConversationRelay
// session: Twilio transcribes the caller and speaks the replies of a
// WebSocket application; it continues on success with HandoffData and the
// session details, or on failed.
//
// Here the cloud speech services behind ConversationRelay are missing, so no
// session starts: the widget logs a CodeOffline event and follows failed with
// no outputs.
type RunConversationRelay struct{}

func init() { engine.Register(schema.TypeRunConversationRelay, RunConversationRelay{}) }

// Enter fails at once through failed: run-conversation-relay cannot run offline.
func (RunConversationRelay) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio ConversationRelay (cloud speech recognition and text-to-speech)"), nil
}
