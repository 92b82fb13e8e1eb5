package schema

// TypeRunFunctionV2 is the Studio type string of the newer Run Function widget.
const TypeRunFunctionV2 = "run-function-v2"

// RunFunctionV2 holds the properties of a run-function-v2 widget. The version
// is undocumented; it is modelled like run-function until its own properties
// are known.
type RunFunctionV2 RunFunction

func init() { registerProperties(TypeRunFunctionV2, func() any { return new(RunFunctionV2) }) }
