package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ConnectVirtualAgent (v1), in Studio, hands the call to a Google Dialogflow
// CX agent through a one-click connector and continues on return when the
// agent gives the call back, or on hangup.
//
// Here Dialogflow cannot be reached. The v1 widget has no failure event, so
// it logs a CodeOffline event and follows return at once: the call comes
// straight back to the flow without having talked to any agent (hangup would
// be untrue, as the caller is still there). No outputs are published.
type ConnectVirtualAgent struct{}

func init() { engine.Register(schema.TypeConnectVirtualAgent, ConnectVirtualAgent{}) }

// Enter fails at once through return: connect-virtual-agent cannot run offline.
func (ConnectVirtualAgent) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "return", "Google Dialogflow CX through a Twilio Virtual Agent connector"), nil
}
