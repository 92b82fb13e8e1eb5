package schema

// TypeMakeHTTPRequest is the Studio type string of the Make HTTP Request widget.
const TypeMakeHTTPRequest = "make-http-request"

// MakeHTTPRequest holds the properties of a make-http-request widget: it calls
// an outside URL with GET or POST and continues on success (2xx) or failed.
// A widget carries either Body (JSON) or Parameters (form fields).
type MakeHTTPRequest struct {
	Offset Offset `json:"offset"`
	// Method is GET or POST.
	Method string `json:"method"`
	URL    string `json:"url"`
	// ContentType is form-encoded or JSON, often with ";charset=utf-8".
	ContentType string     `json:"content_type,omitempty"`
	Body        string     `json:"body,omitempty"`
	Parameters  []KeyValue `json:"parameters,omitempty"`
	// AddTwilioAuth signs the request with the account credentials (a JSON
	// boolean); only valid for Twilio API URLs.
	AddTwilioAuth Scalar `json:"add_twilio_auth,omitempty"`
	// Timeout appears in some older exports (3600); its meaning is unknown.
	Timeout Scalar `json:"timeout,omitempty"`
}

func init() { registerProperties(TypeMakeHTTPRequest, func() any { return new(MakeHTTPRequest) }) }
