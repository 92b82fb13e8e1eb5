package schema

// TypeMakeOutgoingCallV2 is the Studio type string of the Make Outgoing Call widget.
const TypeMakeOutgoingCallV2 = "make-outgoing-call-v2"

// MakeOutgoingCallV2 holds the properties of a make-outgoing-call-v2 widget:
// it places an outbound call (by default from the flow's number to the
// contact), optionally recording it and detecting answering machines, and
// continues on answered, busy, noAnswer or failed.
type MakeOutgoingCallV2 struct {
	Offset Offset `json:"offset"`
	From   string `json:"from"`
	To     string `json:"to"`
	// Record records the call (boolean).
	Record            Scalar `json:"record,omitempty"`
	RecordingChannels string `json:"recording_channels,omitempty"`
	// RecordingStatusCallback is a URL.
	RecordingStatusCallback string `json:"recording_status_callback,omitempty"`
	// Trim is trim-silence/do-not-trim, or "true"/"false" in some exports.
	Trim string `json:"trim,omitempty"`
	// DetectAnsweringMachine turns answering machine detection on (boolean).
	DetectAnsweringMachine Scalar `json:"detect_answering_machine,omitempty"`
	// MachineDetection is Enable or DetectMessageEnd.
	MachineDetection string `json:"machine_detection,omitempty"`
	// The machine detection tuning values are numbers written as strings
	// (seconds for the timeout, milliseconds for the others).
	MachineDetectionTimeout            string `json:"machine_detection_timeout,omitempty"`
	MachineDetectionSpeechThreshold    string `json:"machine_detection_speech_threshold,omitempty"`
	MachineDetectionSpeechEndThreshold string `json:"machine_detection_speech_end_threshold,omitempty"`
	MachineDetectionSilenceTimeout     string `json:"machine_detection_silence_timeout,omitempty"`
	// SendDigits are DTMF tones sent once the call connects.
	SendDigits string `json:"send_digits,omitempty"`
	// Timeout is the ring time in seconds, 0-600 (default 60).
	Timeout         Scalar `json:"timeout,omitempty"`
	SIPAuthUsername string `json:"sip_auth_username,omitempty"`
	SIPAuthPassword string `json:"sip_auth_password,omitempty"`
}

func init() {
	registerProperties(TypeMakeOutgoingCallV2, func() any { return new(MakeOutgoingCallV2) })
}
