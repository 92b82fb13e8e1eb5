package simulator

import (
	"fmt"

	"github.com/switchboard/switchboard/engine"
)

// Channels a simulated execution can start from, by their short names.
var Channels = map[string]string{
	"call":    engine.EventIncomingCall,
	"message": engine.EventIncomingMessage,
	"request": engine.EventIncomingRequest,
}

// NewTrigger builds the trigger a channel would: Twilio-shaped parameters
// for a call or a message from the contact (from) to the flow (to), or a
// REST request with data as its Parameters. callSID and messageSID name the
// call or first message.
func NewTrigger(channel, from, to, body string, data map[string]any, sid string) (engine.Trigger, error) {
	t := engine.Trigger{Event: Channels[channel], Contact: from, Channel: to, InitiatedBy: sid}
	switch channel {
	case "call":
		t.Params = map[string]any{"CallSid": sid, "From": from, "To": to, "Caller": from, "Called": to,
			"CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
	case "message":
		t.Params = map[string]any{"MessageSid": sid, "From": from, "To": to, "Body": body, "NumMedia": "0"}
	case "request":
		t.Data, t.Params = data, map[string]any{}
	default:
		return t, fmt.Errorf("channel %q: call, message or request", channel)
	}
	return t, nil
}
