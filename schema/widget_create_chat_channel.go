package schema

// TypeCreateChatChannel is the Studio type string of the legacy Create Chat
// Channel widget.
const TypeCreateChatChannel = "create-chat-channel"

// CreateChatChannel holds the properties of a create-chat-channel widget
// (Programmable Chat). Nothing but the canvas position is known; other
// properties stay in the State unmodelled.
type CreateChatChannel struct {
	Offset Offset `json:"offset"`
}

func init() { registerProperties(TypeCreateChatChannel, func() any { return new(CreateChatChannel) }) }
