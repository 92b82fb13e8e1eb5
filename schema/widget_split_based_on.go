package schema

// TypeSplitBasedOn is the Studio type string of the Split Based On... widget.
const TypeSplitBasedOn = "split-based-on"

// SplitBasedOn holds the properties of a split-based-on widget: it branches on
// a value. The conditions themselves live on the match transitions (see
// Condition), not in the properties.
type SplitBasedOn struct {
	Offset Offset `json:"offset"`
	// Input is the value to test, usually a Liquid reference.
	Input string `json:"input"`
}

func init() { registerProperties(TypeSplitBasedOn, func() any { return new(SplitBasedOn) }) }
