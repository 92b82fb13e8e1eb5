package schema

// TypeSendMessage is the Studio type string of the Send Message widget.
const TypeSendMessage = "send-message"

// SendMessage holds the properties of a send-message widget: it sends one
// SMS, MMS, WhatsApp or chat message and continues on sent or failed.
type SendMessage struct {
	Offset Offset `json:"offset"`
	// From is a phone number, Messaging Service SID (MG...) or channel address.
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body,omitempty"`
	MessageOptions
}

// MessageOptions are the properties send-message and send-and-wait-for-reply
// share beyond from, to and body.
type MessageOptions struct {
	// MediaURL is the address of a file attached to the message.
	MediaURL string `json:"media_url,omitempty"`
	// Service and Channel address a Programmable Chat channel (IS..., CH...).
	Service string `json:"service,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Attributes is JSON text attached to a chat message.
	Attributes string `json:"attributes,omitempty"`
	// MessageType is custom (send Body) or content_template (send ContentSID).
	MessageType string `json:"message_type,omitempty"`
	// ContentSID names a Content template (HX...).
	ContentSID       string     `json:"content_sid,omitempty"`
	ContentVariables []KeyValue `json:"content_variables,omitempty"`
	// ShortenURLs asks Messaging to shorten links (a JSON boolean).
	ShortenURLs Scalar `json:"shorten_urls,omitempty"`
}

func init() { registerProperties(TypeSendMessage, func() any { return new(SendMessage) }) }
