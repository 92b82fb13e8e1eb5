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
	Timeout  Scalar `json:"timeout,omitempty"`
	MediaURL string `json:"media_url,omitempty"`
	// Service and Channel address a Programmable Chat channel (IS..., CH...).
	Service string `json:"service,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Attributes is JSON text attached to a chat message.
	Attributes string `json:"attributes,omitempty"`
	// MessageType is custom (send Body) or content_template (send ContentSID).
	MessageType      string     `json:"message_type,omitempty"`
	ContentSID       string     `json:"content_sid,omitempty"`
	ContentVariables []KeyValue `json:"content_variables,omitempty"`
	// ShortenURLs asks Messaging to shorten links (a JSON boolean).
	ShortenURLs Scalar `json:"shorten_urls,omitempty"`
}

func init() {
	registerProperties(TypeSendAndWaitForReply, func() any { return new(SendAndWaitForReply) })
}
