package schema

import "encoding/json"

// TypeConnectVirtualAgentV2 is the Studio type string of the Connect Virtual Agent widget.
const TypeConnectVirtualAgentV2 = "connect-virtual-agent-v2"

// ConnectVirtualAgentV2 holds the properties of a connect-virtual-agent-v2
// widget: it hands a call or a Conversation to a Dialogflow CX agent and
// continues on how the session ended. Most property shapes are uncertain.
type ConnectVirtualAgentV2 struct {
	Offset Offset `json:"offset"`
	// Channel is voice or conversations.
	Channel          string                                 `json:"channel,omitempty"`
	ConnectorName    string                                 `json:"connector_name,omitempty"`
	ConnectorDetails *ConnectVirtualAgentV2ConnectorDetails `json:"connector_details,omitempty"`
	// Configurations is an array whose item shape is not known.
	Configurations json.RawMessage `json:"configurations,omitempty"`
	Parameters     []KeyValue      `json:"parameters,omitempty"`
	// StatusCallback is a URL.
	StatusCallback       string `json:"status_callback,omitempty"`
	StatusCallbackMethod string `json:"status_callback_method,omitempty"`
	// Timeout is the idle time in seconds for Conversations sessions.
	Timeout Scalar `json:"timeout,omitempty"`
	// SessionBehavior is new_session or a resume mode.
	SessionBehavior                   string `json:"session_behavior,omitempty"`
	ResumeSessionIdentificationMethod string `json:"resume_session_identification_method,omitempty"`
	ResumeSessionIdentificationValue  string `json:"resume_session_identification_value,omitempty"`
	ResumeSessionEventName            string `json:"resume_session_event_name,omitempty"`
}

// ConnectVirtualAgentV2ConnectorDetails identifies the add-on behind a
// connect-virtual-agent-v2 connector (shape from one third-party source).
type ConnectVirtualAgentV2ConnectorDetails struct {
	AddonSID          string `json:"addon_sid,omitempty"`
	InstalledAddonSID string `json:"installed_addon_sid,omitempty"`
	Name              string `json:"name,omitempty"`
}

func init() {
	registerProperties(TypeConnectVirtualAgentV2, func() any { return new(ConnectVirtualAgentV2) })
}
