package schema

// TypeUnderstand is the Studio type string of the retired Understand widget.
const TypeUnderstand = "understand"

// Understand holds the properties of an understand widget (natural-language
// understanding on the retired Autopilot). Nothing but the canvas position is
// known; other properties stay in the State unmodelled.
type Understand struct {
	Offset Offset `json:"offset"`
}

func init() { registerProperties(TypeUnderstand, func() any { return new(Understand) }) }
