package schema

// TypeAddMemberToChatChannel is the Studio type string of the legacy Add
// Member to Chat Channel widget.
const TypeAddMemberToChatChannel = "add-member-to-chat-channel"

// AddMemberToChatChannel holds the properties of an add-member-to-chat-channel
// widget (Programmable Chat). Nothing but the canvas position is known; other
// properties stay in the State unmodelled.
type AddMemberToChatChannel struct {
	Offset Offset `json:"offset"`
}

func init() {
	registerProperties(TypeAddMemberToChatChannel, func() any { return new(AddMemberToChatChannel) })
}
