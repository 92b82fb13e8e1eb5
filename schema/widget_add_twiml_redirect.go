package schema

// TypeAddTwimlRedirect is the Studio type string of the TwiML Redirect widget.
const TypeAddTwimlRedirect = "add-twiml-redirect"

// AddTwimlRedirect holds the properties of an add-twiml-redirect widget: it
// hands the call or message to TwiML at an outside URL and continues on
// return (FlowEvent=return), timeout or fail.
type AddTwimlRedirect struct {
	Offset Offset `json:"offset"`
	URL    string `json:"url"`
	// Method is GET or POST (default POST).
	Method string `json:"method,omitempty"`
	// Timeout is seconds to wait for the return, 0-14400, always a string
	// (default "14400"; "0" means never return).
	Timeout string `json:"timeout,omitempty"`
}

func init() { registerProperties(TypeAddTwimlRedirect, func() any { return new(AddTwimlRedirect) }) }
