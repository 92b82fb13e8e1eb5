package schema

// TypeRunConversationRelay is the Studio type string of the Run ConversationRelay widget.
const TypeRunConversationRelay = "run-conversation-relay"

// RunConversationRelay holds the properties of a run-conversation-relay
// widget: it connects the call to a ConversationRelay session driven by a
// WebSocket application and continues on success or failed. Known from one
// source only.
type RunConversationRelay struct {
	Offset Offset `json:"offset"`
	// URL is the wss:// address of the application.
	URL                   string `json:"url,omitempty"`
	WelcomeGreeting       string `json:"welcome_greeting,omitempty"`
	TTSProvider           string `json:"tts_provider,omitempty"`
	Voice                 string `json:"voice,omitempty"`
	Language              string `json:"language,omitempty"`
	TranscriptionProvider string `json:"transcription_provider,omitempty"`
	SpeechModel           string `json:"speech_model,omitempty"`
	// DTMFDetection passes keypresses to the application (boolean or string).
	DTMFDetection Scalar `json:"dtmf_detection,omitempty"`
	// Interruptible is a string such as "true" or "false".
	Interruptible string     `json:"interruptible,omitempty"`
	Parameters    []KeyValue `json:"parameters,omitempty"`
}

func init() {
	registerProperties(TypeRunConversationRelay, func() any { return new(RunConversationRelay) })
}
