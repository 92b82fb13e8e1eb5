package schema

// TypeSendAndWaitForReply is the Studio type string of the Send & Wait For
// Reply widget.
const TypeSendAndWaitForReply = "send-and-wait-for-reply"

// SendAndWaitForReply holds the properties of a send-and-wait-for-reply
// widget: it sends a message to the contact and waits for the answer, the
// timeout or a delivery failure. The reply is awaited from the contact, so
// there is no "to".
type SendAndWaitForReply struct {
	Offset Offset `json:"offset"`
	From   string `json:"from"`
	Body   string `json:"body"`
	// Timeout is the seconds to wait for a reply (default "3600"); usually a
	// string, sometimes a number.
	Timeout Scalar `json:"timeout,omitempty"`
	MessageOptions
}

func init() {
	registerProperties(TypeSendAndWaitForReply, func() any { return new(SendAndWaitForReply) })
}
