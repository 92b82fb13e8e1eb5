package schema

// TypeEnqueueCall is the Studio type string of the Enqueue Call widget.
const TypeEnqueueCall = "enqueue-call"

// EnqueueCall holds the properties of an enqueue-call widget: it puts the
// caller in a named queue or hands the call to a TaskRouter workflow,
// continuing on callComplete, failedToEnqueue or callFailure.
type EnqueueCall struct {
	Offset Offset `json:"offset"`
	// QueueName is the queue to join (created on demand); set this or WorkflowSID.
	QueueName   string `json:"queue_name,omitempty"`
	WorkflowSID string `json:"workflow_sid,omitempty"`
	// TaskAttributes is JSON text for the TaskRouter task.
	TaskAttributes string `json:"task_attributes,omitempty"`
	// Priority: higher is served first (default 0).
	Priority Scalar `json:"priority,omitempty"`
	// Timeout is how long the task may wait, in seconds; empty means no limit.
	Timeout Scalar `json:"timeout,omitempty"`
	// WaitURL is the hold music TwiML URL.
	WaitURL       string `json:"wait_url,omitempty"`
	WaitURLMethod string `json:"wait_url_method,omitempty"`
}

func init() { registerProperties(TypeEnqueueCall, func() any { return new(EnqueueCall) }) }
