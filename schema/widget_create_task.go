package schema

// TypeCreateTask is the Studio type string of the legacy Create Task widget.
const TypeCreateTask = "create-task"

// CreateTask holds the properties of a create-task widget (TaskRouter).
// Nothing but the canvas position is known; other properties stay in the
// State unmodelled.
type CreateTask struct {
	Offset Offset `json:"offset"`
}

func init() { registerProperties(TypeCreateTask, func() any { return new(CreateTask) }) }
