package simulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Channels a simulated execution can start from, by their short names.
var Channels = map[string]string{
	"call":         engine.EventIncomingCall,
	"message":      engine.EventIncomingMessage,
	"conversation": engine.EventIncomingConversation,
	"request":      engine.EventIncomingRequest,
}

// ChannelNames are the keys of Channels in the order simulate tries them
// when no channel is asked for.
var ChannelNames = []string{"call", "message", "conversation", "request"}

// channelList is "call, message, conversation or request".
func channelList() string {
	n := len(ChannelNames)
	return strings.Join(ChannelNames[:n-1], ", ") + " or " + ChannelNames[n-1]
}

// NewTrigger builds the trigger a channel would: Twilio-shaped parameters
// for a call, a message or a Conversations message from the contact (from)
// to the flow (to), or a REST request with data as its Parameters. sid
// names the call (CA…), the message (SM…) or the conversation (CH…; its
// first message gets the matching IM… SID).
func NewTrigger(channel, from, to, body string, data map[string]any, sid string) (engine.Trigger, error) {
	t := engine.Trigger{Event: Channels[channel], Contact: from, Channel: to, InitiatedBy: sid}
	switch channel {
	case "call":
		t.Params = map[string]any{"CallSid": sid, "From": from, "To": to, "Caller": from, "Called": to,
			"CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
	case "message":
		t.Params = map[string]any{"MessageSid": sid, "From": from, "To": to, "Body": body, "NumMedia": "0"}
	case "conversation":
		// trigger.conversation.* as Studio documents it; the author is the
		// contact, and the conversation stands for the flow's channel.
		msg := "IM" + strings.TrimPrefix(sid, "CH")
		t.InitiatedBy = msg
		t.Params = map[string]any{"ConversationSid": sid, "MessageSid": msg, "ChannelSid": sid, "Body": body,
			"From": from, "Author": from, "To": to, "Source": "SDK", "Index": "0",
			"DateCreated": time.Now().UTC().Format(time.RFC3339)}
	case "request":
		t.Data, t.Params = data, map[string]any{}
	default:
		return t, fmt.Errorf("channel %q: %s", channel, channelList())
	}
	return t, nil
}
