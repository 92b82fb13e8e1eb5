package schema

// TypeMakeOutgoingCallV1 is the Studio type string of the older Make Outgoing Call widget.
const TypeMakeOutgoingCallV1 = "make-outgoing-call-v1"

// MakeOutgoingCallV1 holds the properties of a make-outgoing-call-v1 widget:
// the first version of Make Outgoing Call, which calls the contact from the
// flow's number. Its property list is only partly known.
type MakeOutgoingCallV1 struct {
	Offset Offset `json:"offset"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	// Record records the call (boolean).
	Record Scalar `json:"record,omitempty"`
	// Timeout is the ring time in seconds.
	Timeout Scalar `json:"timeout,omitempty"`
}

func init() {
	registerProperties(TypeMakeOutgoingCallV1, func() any { return new(MakeOutgoingCallV1) })
}
