package schema

// TypeRunFunction is the Studio type string of the Run Function widget.
const TypeRunFunction = "run-function"

// RunFunction holds the properties of a run-function widget: it calls a
// Twilio Function with parameters and continues on success (2xx/3xx) or fail.
type RunFunction struct {
	Offset Offset `json:"offset"`
	// URL is the Function's HTTPS address.
	URL string `json:"url,omitempty"`
	// ServiceSID is a ZS... SID, or "default" for legacy Functions.
	ServiceSID     string     `json:"service_sid,omitempty"`
	EnvironmentSID string     `json:"environment_sid,omitempty"`
	FunctionSID    string     `json:"function_sid,omitempty"`
	Parameters     []KeyValue `json:"parameters,omitempty"`
}

func init() { registerProperties(TypeRunFunction, func() any { return new(RunFunction) }) }
