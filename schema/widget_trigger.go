package schema

// TypeTrigger is the Studio type string of the Trigger (Start) widget.
const TypeTrigger = "trigger"

// Trigger holds the properties of the trigger widget, where every execution
// starts. It has nothing to configure beyond its place on the canvas; the
// event it leaves through says how the execution began.
type Trigger struct {
	Offset Offset `json:"offset"`
}

func init() { registerProperties(TypeTrigger, func() any { return new(Trigger) }) }
