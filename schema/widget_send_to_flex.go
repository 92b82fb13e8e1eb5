package schema

// TypeSendToFlex is the Studio type string of the Send to Flex widget.
const TypeSendToFlex = "send-to-flex"

// SendToFlex holds the properties of a send-to-flex widget: it creates a
// TaskRouter task for Flex from the call, message or conversation and
// continues on callComplete, failedToEnqueue or callFailure.
type SendToFlex struct {
	Offset Offset `json:"offset"`
	// Workflow is the TaskRouter workflow SID (WW...).
	Workflow string `json:"workflow,omitempty"`
	// Channel is the TaskRouter task channel SID (TC...).
	Channel string `json:"channel,omitempty"`
	// Attributes is JSON text stored on the task.
	Attributes string `json:"attributes,omitempty"`
	// Priority is a number written as a string (default "0").
	Priority string `json:"priority,omitempty"`
	// Timeout is seconds written as a string (default "3600").
	Timeout string `json:"timeout,omitempty"`
	// WaitURL is the hold music TwiML URL.
	WaitURL       string `json:"waitUrl,omitempty"`
	WaitURLMethod string `json:"waitUrlMethod,omitempty"`
}

func init() { registerProperties(TypeSendToFlex, func() any { return new(SendToFlex) }) }
