package schema

// TypeSendToAutoPilot is the Studio type string of the retired Send to Autopilot widget.
const TypeSendToAutoPilot = "send-to-auto-pilot"

// SendToAutoPilot holds the properties of a send-to-auto-pilot widget, which
// handed the conversation to an Autopilot assistant. Autopilot is retired;
// the type exists so that old flows still load.
type SendToAutoPilot struct {
	Offset Offset `json:"offset"`
	// AutopilotAssistantSID is the assistant (UA...).
	AutopilotAssistantSID string `json:"autopilot_assistant_sid"`
	Body                  string `json:"body"`
	From                  string `json:"from"`
	ChatChannel           string `json:"chat_channel,omitempty"`
	ChatService           string `json:"chat_service,omitempty"`
	// ChatAttributes is JSON text.
	ChatAttributes   string     `json:"chat_attributes,omitempty"`
	TargetTask       string     `json:"target_task,omitempty"`
	MemoryParameters []KeyValue `json:"memory_parameters,omitempty"`
	// Timeout is the session length limit in seconds.
	Timeout Scalar `json:"timeout"`
}

func init() { registerProperties(TypeSendToAutoPilot, func() any { return new(SendToAutoPilot) }) }
