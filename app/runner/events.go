package runner

import (
	"context"
	"log/slog"

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

// committed runs after a sprint committed: counters, the log, then the hook.
func (r *Runner) committed(x *engine.Execution, steps []engine.Step, isNew bool, after func()) {
	r.stats.count(x, steps, isNew)
	r.logEvents(x, steps)
	if after != nil {
		after()
	}
}

// maxLoggedEvents bounds the log lines one sprint writes: a flow that fails
// in a loop must not flood the log (the steps keep every event).
const maxLoggedEvents = 5

// logEvents writes the sprint's error and warning events (a flow author's
// mistakes, with Studio's codes) to the log, as they are in the steps.
func (r *Runner) logEvents(x *engine.Execution, steps []engine.Step) {
	r.keepRecent(x, steps, r.engine.Now())
	n, more := 0, 0
	for _, st := range steps {
		for _, ev := range st.Events {
			if ev.Level != "error" && ev.Level != "warning" {
				continue
			}
			if n == maxLoggedEvents {
				more++
				continue
			}
			n++
			// The appliance is fine: ERROR is kept for its own faults, so
			// an author's error is a WARN line and a warning an INFO line.
			level := slog.LevelInfo
			if ev.Level == "error" {
				level = slog.LevelWarn
			}
			r.log.Log(context.Background(), level, "flow "+ev.Level,
				"execution_sid", x.SID, "flow_sid", x.FlowSID, "step_sid", st.SID,
				"widget", ev.Widget, "code", ev.Code, "message", ev.Message)
		}
	}
	if more > 0 {
		r.log.Warn("more flow events in this sprint are only in its steps", "execution_sid", x.SID, "not_logged", more)
	}
}
