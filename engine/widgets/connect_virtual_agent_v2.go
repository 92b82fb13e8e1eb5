package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ConnectVirtualAgentV2, in Studio, hands a call or a Conversation to a
// Google Dialogflow CX agent and continues on how the session ended:
// completed, live-agent-handoff, paused, hangup, timeout or failed, with
// VirtualAgentStatus and the provider's data published.
//
// Here Dialogflow cannot be reached, so no session starts: the widget logs a
// CodeOffline event and follows failed with no outputs.
type ConnectVirtualAgentV2 struct{}

func init() { engine.Register(schema.TypeConnectVirtualAgentV2, ConnectVirtualAgentV2{}) }

// Enter fails at once through failed: connect-virtual-agent-v2 cannot run offline.
func (ConnectVirtualAgentV2) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Google Dialogflow CX through a Twilio Virtual Agent connector"), nil
}
