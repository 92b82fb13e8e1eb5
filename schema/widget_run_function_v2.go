package schema

// TypeRunFunctionV2 is the Studio type string of the newer Run Function widget.
const TypeRunFunctionV2 = "run-function-v2"

// RunFunctionV2 holds the properties of a run-function-v2 widget. The version
// is undocumented; it is modelled like run-function until its own properties
// are known.
type RunFunctionV2 struct {
	Offset Offset `json:"offset"`
	// URL is the Function's HTTPS address.
	URL string `json:"url,omitempty"`
	// ServiceSID is a ZS... SID, or "default" for legacy Functions.
	ServiceSID     string     `json:"service_sid,omitempty"`
	EnvironmentSID string     `json:"environment_sid,omitempty"`
	FunctionSID    string     `json:"function_sid,omitempty"`
	Parameters     []KeyValue `json:"parameters,omitempty"`
}

func init() { registerProperties(TypeRunFunctionV2, func() any { return new(RunFunctionV2) }) }
