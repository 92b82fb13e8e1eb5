package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/switchboard/switchboard/schema"
)

// Reasons an execution ends.
const (
	EndCompleted = "completed"
	EndMaxSteps  = "step limit"
	EndLoop      = "widget loop limit"
	EndHangup    = "caller hung up"
	EndByUser    = "ended by user"
	EndExpired   = "lifetime exceeded"
	EndError     = "error"
)

// Start begins an execution of p for the trigger and runs its first sprint.
func (e *Engine) Start(ctx context.Context, p *Program, t Trigger) (*Execution, *Sprint, error) {
	x := e.Create(p, t)
	sp := &Sprint{}
	if err := e.begin(ctx, p, x, sp); err != nil {
		return nil, nil, err
	}
	return x, sp, nil
}

// Create makes an execution of p for the trigger without running anything:
// it is active and waits in its trigger widget for InputStart, with a
// deadline of now, so a host that stores it can answer at once (Studio's
// REST create) and run the first sprint later with Resume; a host that
// finds the deadline passed (after a crash) resumes it the same way, with
// InputStart or InputTimeout.
func (e *Engine) Create(p *Program, t Trigger) *Execution {
	now := e.now()
	x := &Execution{
		SID:          e.sid("FN"),
		FlowSID:      p.FlowSID,
		FlowRevision: p.Revision,
		Status:       StatusActive,
		Contact:      t.Contact,
		Channel:      t.Channel,
		InitiatedBy:  t.InitiatedBy,
		StartEvent:   t.Event,
		Current:      p.Flow.InitialState,
		Wait:         &Wait{Widget: p.Flow.InitialState, Inputs: []string{InputStart}, Deadline: now},
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	x.Context = newContext(x, t)
	return x
}

// pending reports whether x was created and its first sprint has not run.
func (x *Execution) pending() bool {
	return x.StartEvent != "" && x.Wait != nil && x.Wait.Accepts(InputStart)
}

// begin runs the first sprint of a created execution: the trigger's step,
// then the widgets up to the first wait or the end.
func (e *Engine) begin(ctx context.Context, p *Program, x *Execution, sp *Sprint) error {
	event := x.StartEvent
	x.StartEvent, x.Current, x.Wait = "", "", nil
	trig := p.State(p.Flow.InitialState)
	next, _ := trig.Next(event)
	e.step(x, sp, p, trig, event, next, nil, nil, nil)
	return e.advance(ctx, p, p, x, sp, next)
}

// Resume continues a waiting execution with an input and runs the sprint
// that follows. top is the program the execution started with; subflows are
// found through the engine's Subflows.
func (e *Engine) Resume(ctx context.Context, top *Program, x *Execution, in Input) (*Sprint, error) {
	if !x.Active() {
		return nil, ErrEnded
	}
	sp := &Sprint{}
	p, err := e.running(ctx, top, x)
	if err != nil {
		return nil, err
	}
	x.UpdatedAt = e.now()
	if e.limits.Lifetime > 0 && x.UpdatedAt.Sub(x.CreatedAt) > e.limits.Lifetime {
		e.end(x, sp, EndExpired)
		return sp, nil
	}
	if x.Wait == nil || x.Current == "" {
		return nil, ErrNotWaiting
	}
	if x.pending() {
		if in.Type != InputStart && in.Type != InputTimeout {
			return nil, fmt.Errorf("%w: the execution has not started yet, got %s", ErrNotWaiting, in.Type)
		}
		if err := e.begin(ctx, top, x, sp); err != nil {
			return nil, err
		}
		return sp, nil
	}
	st := p.State(x.Current)
	if st == nil {
		return nil, fmt.Errorf("%w: widget %q is gone from the flow", ErrNotWaiting, x.Current)
	}
	hostEvents := in.hostEvents(st.Name)
	if in.Type == InputHangup && !x.Wait.Accepts(InputHangup) && !hasEvent(st, "hangup") {
		// The caller left: the execution ends here, as in Studio.
		sp.Events = append(sp.Events, hostEvents...)
		e.step(x, sp, p, st, "hangup", "", nil, append(slices.Clip(x.Pending), hostEvents...), x.PendingTrace)
		x.Pending, x.PendingTrace = nil, nil
		e.end(x, sp, EndHangup)
		return sp, nil
	}
	if !x.Wait.Accepts(in.Type) && in.Type != InputHangup {
		return nil, fmt.Errorf("%w: %s waits for %v, got %s", ErrNotWaiting, x.Current, x.Wait.Inputs, in.Type)
	}
	w, ok := lookup(st.Type).(Resumer)
	if !ok {
		return nil, fmt.Errorf("%w: %s cannot resume", ErrNotWaiting, st.Type)
	}
	run := &Run{engine: e, prog: p, exec: x, state: st, waited: x.Wait, carried: x.Pending, trace: x.PendingTrace, events: hostEvents}
	x.Wait, x.Current, x.Pending, x.PendingTrace = nil, "", nil, nil
	out, err := w.Resume(ctx, run, in)
	if err != nil {
		return nil, err
	}
	next, waiting, err := e.settle(&p, x, sp, run, out)
	if err != nil || waiting {
		return sp, err
	}
	if err := e.advance(ctx, top, p, x, sp, next); err != nil {
		return nil, err
	}
	return sp, nil
}

// End stops an active execution on request (Studio's "Stop Execution").
func (e *Engine) End(x *Execution) (*Sprint, error) {
	if !x.Active() {
		return nil, ErrEnded
	}
	sp := &Sprint{}
	e.end(x, sp, EndByUser)
	return sp, nil
}

// Expire ends an execution that outlived the lifetime limit (Studio ends
// executions 30 days after they started, waiting or not). It returns
// ErrNotExpired for a younger one, so a sweep racing an input is harmless.
func (e *Engine) Expire(x *Execution) (*Sprint, error) {
	if !x.Active() {
		return nil, ErrEnded
	}
	if e.limits.Lifetime <= 0 || e.now().Sub(x.CreatedAt) <= e.limits.Lifetime {
		return nil, ErrNotExpired
	}
	sp := &Sprint{}
	e.end(x, sp, EndExpired)
	return sp, nil
}

// running returns the program the execution is in (a subflow's when one runs).
func (e *Engine) running(ctx context.Context, top *Program, x *Execution) (*Program, error) {
	if len(x.Frames) == 0 {
		return top, nil
	}
	if e.subflows == nil {
		return nil, fmt.Errorf("%w: the execution is in a subflow and no subflow source is set", ErrCannotRun)
	}
	f := x.Frames[len(x.Frames)-1]
	return e.subflows.Subflow(ctx, f.ChildSID, strconv.Itoa(f.ChildRevision))
}

// advance runs widgets of p from name until a wait or the end. top is the
// program the execution started with: when a subflow ends, its parent is top
// if no other frame is left (deeper parents come from the Subflows source).
func (e *Engine) advance(ctx context.Context, top, p *Program, x *Execution, sp *Sprint, name string) error {
	for {
		if name == "" {
			if len(x.Frames) == 0 {
				e.end(x, sp, EndCompleted)
				return nil
			}
			// A subflow finished: back to its run-subflow widget in the parent.
			var err error
			p, name, err = e.popSubflow(ctx, top, x, sp)
			if err != nil {
				return err
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		st := p.State(name)
		if st == nil {
			sp.Events = append(sp.Events, Event{Level: "error", Message: fmt.Sprintf("transition to widget %q, which does not exist", name)})
			e.end(x, sp, EndError)
			return nil
		}
		if x.Steps >= e.limits.MaxSteps {
			sp.Events = append(sp.Events, Event{Level: "error", Code: CodeMaxSteps, Widget: name,
				Message: fmt.Sprintf("the execution reached %d steps, the most one execution may take", e.limits.MaxSteps)})
			e.end(x, sp, EndMaxSteps)
			return nil
		}
		if x.LastWidget == name {
			x.Repeats++
		} else {
			x.LastWidget, x.Repeats = name, 1
		}
		if x.Repeats > e.limits.MaxRepeats {
			sp.Events = append(sp.Events, Event{Level: "error", Code: CodeWidgetLoop, Widget: name,
				Message: fmt.Sprintf("widget %s ran %d times in a row, the most Studio allows", name, e.limits.MaxRepeats)})
			e.end(x, sp, EndLoop)
			return nil
		}
		run := &Run{engine: e, prog: p, exec: x, state: st}
		w := lookup(st.Type)
		var out Outcome
		if w == nil {
			run.Error(CodeUnknownWidget, "no widget of type %q: the execution cannot go on", st.Type)
			sp.Events = append(sp.Events, run.events...)
			e.step(x, sp, p, st, "", "", nil, nil, nil)
			e.end(x, sp, EndError)
			return nil
		}
		out, err := w.Enter(ctx, run)
		if err != nil {
			return err
		}
		next, waiting, err := e.settle(&p, x, sp, run, out)
		if err != nil || waiting {
			return err
		}
		name = next
	}
}

// settle applies a widget's outcome: commands, then a wait, a subflow or a
// transition. It returns the next widget's name.
func (e *Engine) settle(p **Program, x *Execution, sp *Sprint, run *Run, out Outcome) (string, bool, error) {
	st := run.state
	sp.Commands = append(sp.Commands, out.Commands...)
	switch {
	case out.Wait != nil:
		// The step is taken when the wait ends: keep what the widget
		// reported until then (sp.Events tells the host now).
		sp.Events = append(sp.Events, run.events...)
		out.Wait.Widget = st.Name
		x.Current, x.Wait, x.Pending, x.PendingTrace = st.Name, out.Wait, run.stepEvents(), run.trace
		sp.Wait = out.Wait
		x.UpdatedAt = e.now()
		return "", true, nil
	case out.Subflow != nil:
		sp.Events = append(sp.Events, run.events...)
		if len(x.Frames) >= e.limits.SubflowDepth {
			n := len(run.events)
			run.Error(CodeSubflow, "a subflow cannot run another subflow (one nesting level)")
			sp.Events = append(sp.Events, run.events[n:]...)
			next, _ := st.Next("failed")
			e.step(x, sp, *p, st, "failed", next, nil, run.stepEvents(), run.trace)
			return next, false, nil
		}
		child := out.Subflow
		x.Frames = append(x.Frames, Frame{FlowSID: (*p).FlowSID, Revision: (*p).Revision, Widget: st.Name,
			Context: x.Context, ChildSID: child.FlowSID, ChildRevision: child.Revision, Events: run.stepEvents()})
		x.Context = childContext(x, child, out.SubflowParams)
		*p = child
		trig := child.State(child.Flow.InitialState)
		next, _ := trig.Next(EventIncomingParent)
		e.step(x, sp, child, trig, EventIncomingParent, next, nil, nil, nil)
		return next, false, nil
	}
	next, _ := st.Next(out.Event)
	if i := out.Transition - 1; i >= 0 && i < len(st.Transitions) {
		next = st.Transitions[i].Next
	}
	outputs := out.Outputs
	if outputs == nil {
		outputs = map[string]any{}
	}
	x.Context.SetWidget(st.Name, outputs)
	sp.Events = append(sp.Events, run.events...)
	e.step(x, sp, *p, st, out.Event, next, outputs, run.stepEvents(), run.trace)
	return next, false, nil
}

// popSubflow ends the running subflow and resumes its run-subflow widget in
// the parent with completed (or failed).
func (e *Engine) popSubflow(ctx context.Context, top *Program, x *Execution, sp *Sprint) (*Program, string, error) {
	f := x.Frames[len(x.Frames)-1]
	x.Frames = x.Frames[:len(x.Frames)-1]
	vars := x.Context.Variables()
	x.Context = f.Context
	var parent *Program
	if len(x.Frames) == 0 && top != nil {
		parent = top
	} else if e.subflows != nil {
		var err error
		if parent, err = e.subflows.Subflow(ctx, f.FlowSID, strconv.Itoa(f.Revision)); err != nil {
			return nil, "", err
		}
	}
	if parent == nil {
		return nil, "", fmt.Errorf("%w: parent flow %s not found", ErrCannotRun, f.FlowSID)
	}
	st := parent.State(f.Widget)
	if st == nil {
		return nil, "", fmt.Errorf("%w: widget %s gone from parent flow", ErrCannotRun, f.Widget)
	}
	const event = "completed"
	outputs := copyMap(vars)
	next, _ := st.Next(event)
	x.Context.SetWidget(st.Name, outputs)
	e.step(x, sp, parent, st, event, next, outputs, f.Events, nil)
	return parent, next, nil
}

func childContext(x *Execution, child *Program, params map[string]any) Context {
	parent := x.Context
	trig := copyMap(parent.Trigger())
	trig["parent"] = map[string]any{
		"parameters":    copyMap(params),
		"execution_sid": x.SID,
		"flow_sid":      parent.Flow()["flow_sid"],
	}
	flow := map[string]any{
		"sid":       x.SID,
		"flow_sid":  child.FlowSID,
		"channel":   map[string]any{"address": parent.ChannelAddress()},
		"variables": map[string]any{},
	}
	if d, ok := parent.Flow()["data"]; ok {
		flow["data"] = d
	}
	return Context{
		"flow":    flow,
		"trigger": trig,
		"widgets": map[string]any{},
		"contact": map[string]any{"channel": map[string]any{"address": parent.ContactAddress()}},
	}
}

// step records a step: the widget st took event to next. Its context holds
// what the widget published (widgets.<name>) and, under "trace", what it
// rendered and sent (Run.Trace).
func (e *Engine) step(x *Execution, sp *Sprint, p *Program, st *schema.State, event, next string, outputs map[string]any, events []Event, trace map[string]any) {
	to := next
	if to == "" {
		to = Ended
	}
	s := Step{
		SID:              e.sid("FT"),
		ExecutionSID:     x.SID,
		ParentStepSID:    x.LastStep,
		FlowSID:          p.FlowSID,
		Name:             event,
		TransitionedFrom: st.Name,
		TransitionedTo:   to,
		Type:             st.Type,
		Events:           events,
		CreatedAt:        e.now(),
	}
	if outputs != nil {
		s.Context = map[string]any{"widgets": map[string]any{st.Name: outputs}}
	}
	if len(trace) > 0 {
		if s.Context == nil {
			s.Context = map[string]any{}
		}
		s.Context["trace"] = trace
	}
	x.LastStep = s.SID
	x.Steps++
	sp.Steps = append(sp.Steps, s)
}

func (e *Engine) end(x *Execution, sp *Sprint, reason string) {
	now := e.now()
	x.Status, x.EndReason, x.EndedAt, x.UpdatedAt = StatusEnded, reason, now, now
	x.Current, x.Wait, x.Frames, x.Pending, x.PendingTrace = "", nil, nil, nil, nil
	sp.Ended = true
	sp.Wait = nil
}

func hasEvent(st *schema.State, ev string) bool {
	_, ok := st.Next(ev)
	if ok {
		return true
	}
	ws := schema.Widget(st.Type)
	return ws != nil && ws.HasEvent(ev)
}

// hostEvents are the input's events, each naming widget when it names none.
func (in Input) hostEvents(widget string) []Event {
	if len(in.Events) == 0 {
		return nil
	}
	out := make([]Event, len(in.Events))
	for i, ev := range in.Events {
		if ev.Widget == "" {
			ev.Widget = widget
		}
		if ev.Level == "" {
			ev.Level = "error"
		}
		out[i] = ev
	}
	return out
}
