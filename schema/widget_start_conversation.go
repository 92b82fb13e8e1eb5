package schema

import "encoding/json"

// TypeStartConversation is the Studio type string of the Start Conversation
// widget.
const TypeStartConversation = "start-conversation"

// StartConversation holds the properties of a start-conversation widget: it
// creates a Twilio Conversation with participants and attaches the execution
// to it (REST-triggered flows only). Known only from Twilio's AI notes.
type StartConversation struct {
	Offset                 Offset                         `json:"offset"`
	ConversationServiceSID string                         `json:"conversation_service_sid"`
	Participants           []StartConversationParticipant `json:"participants"`
	FriendlyName           string                         `json:"friendly_name,omitempty"`
	// Attributes is JSON text stored on the Conversation.
	Attributes          string `json:"attributes,omitempty"`
	ChatServiceSID      string `json:"chat_service_sid,omitempty"`
	MessagingServiceSID string `json:"messaging_service_sid,omitempty"`
	// Timers (inactive/closed durations) has no confirmed JSON shape.
	Timers json.RawMessage `json:"timers,omitempty"`
}

// StartConversationParticipant is one participant of a start-conversation
// widget: a chat identity, or an sms address with its proxy (Twilio) address.
type StartConversationParticipant struct {
	// Type is chat or sms.
	Type                         string `json:"type,omitempty"`
	Identity                     string `json:"identity,omitempty"`
	MessagingBindingAddress      string `json:"messaging_binding_address,omitempty"`
	MessagingBindingProxyAddress string `json:"messaging_binding_proxy_address,omitempty"`
}

func init() { registerProperties(TypeStartConversation, func() any { return new(StartConversation) }) }
