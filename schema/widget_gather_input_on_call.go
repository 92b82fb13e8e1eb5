package schema

// TypeGatherInputOnCall is the Studio type string of the Gather Input On Call widget.
const TypeGatherInputOnCall = "gather-input-on-call"

// GatherInputOnCall holds the properties of a gather-input-on-call widget: it
// plays a prompt and collects keypad digits and/or speech from the caller,
// continuing on keypress, speech or timeout.
type GatherInputOnCall struct {
	Offset   Offset `json:"offset"`
	Say      string `json:"say,omitempty"`
	Play     string `json:"play,omitempty"`
	Voice    string `json:"voice,omitempty"`
	Language string `json:"language,omitempty"`
	// Loop is how often the prompt repeats, 1-99 (default 1).
	Loop Scalar `json:"loop,omitempty"`
	// Timeout is the seconds of silence before input is submitted (default 5).
	Timeout Scalar `json:"timeout,omitempty"`
	// FinishOnKey ends digit entry and is not part of Digits (default "#").
	FinishOnKey string `json:"finish_on_key,omitempty"`
	// StopGather: submit on the finish key (default true).
	StopGather Scalar `json:"stop_gather,omitempty"`
	// NumberOfDigits submits once that many digits are pressed.
	NumberOfDigits Scalar `json:"number_of_digits,omitempty"`
	// GatherLanguage is the speech recognition locale.
	GatherLanguage string `json:"gather_language,omitempty"`
	// Hints are comma-separated expected phrases.
	Hints string `json:"hints,omitempty"`
	// ProfanityFilter is the string "true" or "false" (default "true").
	ProfanityFilter string `json:"profanity_filter,omitempty"`
	// SpeechTimeout is "auto" or a number of seconds as a string.
	SpeechTimeout string `json:"speech_timeout,omitempty"`
	SpeechModel   string `json:"speech_model,omitempty"`
	// SaveResponseAs appears (as null) in old exports; meaning unknown.
	SaveResponseAs *string `json:"save_response_as,omitempty"`
}

func init() {
	registerProperties(TypeGatherInputOnCall, func() any { return new(GatherInputOnCall) })
}
