package schema

// TypeConnectVirtualAgent is the Studio type string of the older Connect Virtual Agent widget.
const TypeConnectVirtualAgent = "connect-virtual-agent"

// ConnectVirtualAgent holds the properties of a connect-virtual-agent widget:
// the first version of the Dialogflow CX hand-off, which continues on return
// or hangup.
type ConnectVirtualAgent struct {
	Offset Offset `json:"offset"`
	// Connector names the installed virtual agent connector.
	Connector string `json:"connector"`
	Language  string `json:"language,omitempty"`
	// SentimentAnalysis is the string "true" or "false".
	SentimentAnalysis string `json:"sentiment_analysis,omitempty"`
	// StatusCallback is a URL.
	StatusCallback string `json:"status_callback,omitempty"`
}

func init() {
	registerProperties(TypeConnectVirtualAgent, func() any { return new(ConnectVirtualAgent) })
}
