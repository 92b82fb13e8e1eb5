package runner

import (
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// Events receives the sprints the runner persists (app/events implements
// it). Sprint runs on the caller's goroutine before the commit: it returns
// the event rows to write in the sprint's own transaction (none when no
// sink needs them) and a function to run once the sprint committed (nil
// for none), which must not block.
type Events interface {
	Sprint(x *engine.Execution, steps []engine.Step, isNew bool) ([]store.EventRow, func())
}

// SetEvents installs the events hook; call it before the first sprint and
// before Run starts the sweeper (which resumes executions on its own).
func (r *Runner) SetEvents(e Events) { r.events = e }

// sprintEvents adds the sprint's event rows to rec and returns what to run
// after the commit (nil without a hook).
func (r *Runner) sprintEvents(rec *store.SprintRecord) func() {
	if r.events == nil {
		return nil
	}
	rows, after := r.events.Sprint(rec.Execution, rec.Steps, rec.New)
	rec.Events = rows
	return after
}

// committed runs after a sprint committed: counters, then the hook.
func (r *Runner) committed(x *engine.Execution, steps []engine.Step, isNew bool, after func()) {
	r.stats.count(x, steps, isNew)
	if after != nil {
		after()
	}
}
