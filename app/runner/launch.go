package runner

import (
	"context"
	"errors"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// Launch creates an execution of a flow for a trigger and returns as soon
// as it is stored (committed), as Studio's REST create does: the answer
// shows the execution as it was created, and the flow runs on.
//
// How the first sprint runs depends on the flow. When none of its widgets
// can wait on the outside world within a sprint (see inlineFirstSprint),
// the first sprint runs here, before the commit, and the created execution
// and its first sprint are one record: one commit per create instead of
// two, and no reload of the state just written. Otherwise the stored
// execution waits in its trigger widget with a timer due at once and its
// first sprint runs in the background, so that a slow HTTP request never
// holds the REST answer; one whose first sprint never ran or never
// committed (the process died, Close cut it short) is run by the sweeper's
// next pass, also after a restart. When the contact already has an active
// execution of the flow, it returns *store.ActiveConflict.
func (r *Runner) Launch(ctx context.Context, flowSID string, t engine.Trigger) (*engine.Execution, error) {
	gen := r.cache.generation()
	p, err := r.startProgram(ctx, flowSID, t.Contact)
	if err != nil {
		return nil, err
	}
	x := r.engine.Create(p, t)
	if inlineFirstSprint(p) {
		created, err := cloneExecution(x)
		if err != nil {
			return nil, err
		}
		sp, err := r.engine.Resume(ctx, p, x, engine.Input{Type: engine.InputStart})
		if err == nil {
			rec := store.SprintRecord{Execution: x, New: true, SessionKey: sessionKey(p, t), Steps: sp.Steps}
			rec.Messages = queuedMessages(ctx, sp)
			rec.Calls = r.queuedCalls(x.SID, sp)
			after := r.sprintEvents(&rec)
			if err := r.commit.save(ctx, rec); err != nil {
				r.forgetCallAuth(rec.Calls)
				return nil, err
			}
			if f := r.onMessages.Load(); f != nil && len(rec.Messages) > 0 {
				(*f)()
			}
			if f := r.onCalls.Load(); f != nil && len(rec.Calls) > 0 {
				(*f)()
			}
			r.keep(x, sessionRef{x.FlowSID, rec.SessionKey}, gen)
			r.committed(x, sp.Steps, true, after)
			r.log.Debug("execution created", "execution_sid", x.SID, "flow_sid", flowSID, "steps", len(sp.Steps))
			return created, nil
		}
		// The engine refused the sprint: store the execution as created
		// and let the background path (and the sweeper) take it as before.
		r.log.Warn("first sprint not run inline", "execution_sid", x.SID, "flow_sid", flowSID, "err", err)
		x = created
	}
	rec := store.SprintRecord{Execution: x, New: true, SessionKey: sessionKey(p, t)}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return nil, err
	}
	r.keep(x, sessionRef{x.FlowSID, rec.SessionKey}, gen)
	r.committed(x, nil, true, after)
	r.log.Debug("execution created", "execution_sid", x.SID, "flow_sid", flowSID)
	r.mu.Lock()
	if r.bg.Err() != nil {
		r.mu.Unlock()
		return x, nil // closing: the sweeper of the next run starts it
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func(sid string) {
		defer r.wg.Done()
		_, _, err := r.Resume(r.bg, sid, engine.Input{Type: engine.InputStart})
		switch {
		case err == nil, errors.Is(err, engine.ErrNotWaiting), errors.Is(err, engine.ErrEnded):
			// Ran, or the sweeper or an End came first.
		case r.bg.Err() != nil:
			r.log.Info("first sprint cut short by shutdown; it runs again at the next start", "execution_sid", sid)
		default:
			r.log.Error("first sprint failed; the sweeper tries it again", "execution_sid", sid, "flow_sid", flowSID, "err", err)
		}
	}(x.SID)
	return x, nil
}

// inlineWidgets are the widget types whose sprint work is computation and
// queued side effects only (an SMS is queued in the sprint's transaction,
// sent after it): running them cannot hold the REST answer on a peer.
// Anything else (HTTP requests, functions, subflows, calls, chat, Flex)
// keeps the first sprint in the background.
var inlineWidgets = map[string]bool{
	"trigger":                 true,
	"set-variables":           true,
	"split-based-on":          true,
	"send-message":            true,
	"send-and-wait-for-reply": true,
}

// inlineFirstSprint says whether every widget of the flow is an inline
// widget, so that the first sprint may run before the create is answered.
// It looks at the whole flow, not only at the widgets the first sprint
// reaches: which ones it reaches depends on the trigger's data.
func inlineFirstSprint(p *engine.Program) bool {
	for i := range p.Flow.States {
		if !inlineWidgets[p.Flow.States[i].Type] {
			return false
		}
	}
	return true
}
