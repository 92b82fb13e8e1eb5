package schema

// TypeRecordVoicemail is the Studio type string of the Record Voicemail widget.
const TypeRecordVoicemail = "record-voicemail"

// RecordVoicemail holds the properties of a record-voicemail widget: it
// records the caller until silence, a finish key, the length limit or a
// hang-up, continuing on recordingComplete, noAudio or hangup.
type RecordVoicemail struct {
	Offset Offset `json:"offset"`
	// Timeout is the seconds of silence that end the recording (default 5).
	Timeout     Scalar `json:"timeout,omitempty"`
	FinishOnKey string `json:"finish_on_key,omitempty"`
	// MaxLength is the longest recording in seconds, 1-14400 (default 3600).
	MaxLength Scalar `json:"max_length,omitempty"`
	// Transcribe asks for a transcription (boolean).
	Transcribe               Scalar `json:"transcribe,omitempty"`
	TranscriptionCallbackURL string `json:"transcription_callback_url,omitempty"`
	// Trim is trim-silence or do-not-trim.
	Trim string `json:"trim,omitempty"`
	// PlayBeep is the string "true" or "false" (default "true").
	PlayBeep                   string `json:"play_beep,omitempty"`
	RecordingStatusCallbackURL string `json:"recording_status_callback_url,omitempty"`
}

func init() { registerProperties(TypeRecordVoicemail, func() any { return new(RecordVoicemail) }) }
