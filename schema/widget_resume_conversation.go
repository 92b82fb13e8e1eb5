package schema

import "encoding/json"

// TypeResumeConversation is the Studio type string of the Resume Conversation
// widget.
const TypeResumeConversation = "resume-conversation"

// ResumeConversation holds the properties of a resume-conversation widget: it
// attaches the execution to an existing Twilio Conversation. Known only from
// Twilio's AI notes.
type ResumeConversation struct {
	Offset                 Offset `json:"offset"`
	ConversationServiceSID string `json:"conversation_service_sid"`
	ConversationSID        string `json:"conversation_sid,omitempty"`
	// WebhookFilters (a list or a string of event names) has no confirmed shape.
	WebhookFilters json.RawMessage `json:"webhook_filters,omitempty"`
	// Attributes is JSON text stored on the Conversation.
	Attributes string `json:"attributes,omitempty"`
}

func init() {
	registerProperties(TypeResumeConversation, func() any { return new(ResumeConversation) })
}
