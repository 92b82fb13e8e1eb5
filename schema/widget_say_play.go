package schema

// TypeSayPlay is the Studio type string of the Say/Play widget.
const TypeSayPlay = "say-play"

// SayPlay holds the properties of a say-play widget: it speaks text, plays an
// audio URL or sends DTMF tones on the call, then continues on audioComplete.
// Only one of Say, Play and Digits is used.
type SayPlay struct {
	Offset Offset `json:"offset"`
	// Say is text-to-speech text; Liquid and SSML allowed.
	Say string `json:"say,omitempty"`
	// Play is the URL of an audio file.
	Play string `json:"play,omitempty"`
	// Digits are DTMF tones (0-9 A-D # *, w/W pauses).
	Digits   string `json:"digits,omitempty"`
	Voice    string `json:"voice,omitempty"`
	Language string `json:"language,omitempty"`
	// Loop is the repeat count, 1-99 (default 1).
	Loop Scalar `json:"loop,omitempty"`
}

func init() { registerProperties(TypeSayPlay, func() any { return new(SayPlay) }) }
