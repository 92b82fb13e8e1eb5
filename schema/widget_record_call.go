package schema

// TypeRecordCall is the Studio type string of the Call Recording widget.
const TypeRecordCall = "record-call"

// RecordCall holds the properties of a record-call widget: it starts or stops
// a background recording of the current call, continuing on success or failed.
type RecordCall struct {
	Offset Offset `json:"offset"`
	// RecordCall is a JSON boolean: true starts recording, false stops it.
	RecordCall Scalar `json:"record_call"`
	// RecordingStatusCallback is a URL.
	RecordingStatusCallback       string `json:"recording_status_callback,omitempty"`
	RecordingStatusCallbackMethod string `json:"recording_status_callback_method,omitempty"`
	// RecordingStatusCallbackEvents is a space-separated subset of
	// in-progress, completed and absent.
	RecordingStatusCallbackEvents string `json:"recording_status_callback_events,omitempty"`
	RecordingChannels             string `json:"recording_channels,omitempty"`
	// Trim is trim-silence or do-not-trim.
	Trim string `json:"trim,omitempty"`
}

func init() { registerProperties(TypeRecordCall, func() any { return new(RecordCall) }) }
