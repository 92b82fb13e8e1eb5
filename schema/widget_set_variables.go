package schema

// TypeSetVariables is the Studio type string of the Set Variables widget.
const TypeSetVariables = "set-variables"

// SetVariables holds the properties of a set-variables widget: it stores
// key/value pairs in flow.variables.
type SetVariables struct {
	Offset    Offset        `json:"offset"`
	Variables []SetVariable `json:"variables,omitempty"`
}

// SetVariable is one pair of a set-variables widget. Depending on the Console
// version an item is {key, value}, {index, key, value} or {key, type, value}.
type SetVariable struct {
	// Index is the pair's position in the editor list (some exports only).
	Index Scalar `json:"index,omitempty"`
	// Key is the literal variable name (no Liquid).
	Key string `json:"key"`
	// Type says how the value is stored: "string" in exports that carry it;
	// the "Parse as JSON object" option stores a JSON object instead.
	Type string `json:"type,omitempty"`
	// Value is the text to store; may be Liquid.
	Value string `json:"value"`
}

func init() { registerProperties(TypeSetVariables, func() any { return new(SetVariables) }) }
