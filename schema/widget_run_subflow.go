package schema

// TypeRunSubflow is the Studio type string of the Run Subflow widget.
const TypeRunSubflow = "run-subflow"

// RunSubflow holds the properties of a run-subflow widget: it runs another
// flow inside this execution and continues on completed or failed.
type RunSubflow struct {
	Offset Offset `json:"offset"`
	// FlowSID is the literal FW... SID of the subflow (no Liquid).
	FlowSID string `json:"flow_sid"`
	// FlowRevision is LatestPublished, LatestRevision (LatestDraft) or a
	// revision number as a string.
	FlowRevision string `json:"flow_revision"`
	// Parameters arrive in the subflow as trigger.parent.parameters.<key>.
	Parameters []KeyValue `json:"parameters,omitempty"`
}

func init() { registerProperties(TypeRunSubflow, func() any { return new(RunSubflow) }) }
