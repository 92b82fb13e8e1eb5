package runner

import (
	"context"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// queuedCalls turns a sprint's Call commands (make-outgoing-call) into
// queued outbound call rows, written with the sprint: the dialer places a
// call only once its sprint committed. The row's SID is the CallSid the
// flow sees.
func (r *Runner) queuedCalls(sp *engine.Sprint) []store.OutboundCall {
	var out []store.OutboundCall
	for _, c := range sp.Commands {
		cc, ok := c.(engine.Call)
		if !ok {
			continue
		}
		row := store.OutboundCall{SID: r.engine.NewSID("CA"), Widget: cc.Widget, From: cc.From, To: cc.To,
			Timeout: cc.Timeout, Record: cc.Record, SendDigits: cc.SendDigits, Status: store.CallQueued}
		if cc.DetectMachine {
			row.MachineDetection, row.MachineDetectionTimeout = cc.MachineDetection, cc.MachineDetectionTimeout
		}
		out = append(out, row)
	}
	return out
}

// OnCalls sets a function called after a sprint that queued outbound calls
// committed (the dialer's wake-up).
func (r *Runner) OnCalls(f func()) { r.onCalls.Store(&f) }

// ResumeWaiting resumes an execution only when it is active and its wait
// accepts the input (an outbound call's result); otherwise it leaves it
// alone with engine.ErrEnded or engine.ErrNotWaiting.
func (r *Runner) ResumeWaiting(ctx context.Context, executionSID string, in engine.Input) (*engine.Execution, *engine.Sprint, error) {
	unlock := r.lock(executionSID)
	defer unlock()
	return r.resumeLocked(ctx, executionSID, in, func(x *engine.Execution) error {
		switch {
		case !x.Active():
			return engine.ErrEnded
		case x.Wait == nil || !x.Wait.Accepts(in.Type):
			return engine.ErrNotWaiting
		}
		return nil
	})
}

// DrivenByCall marks an execution as driven by an outbound call of ours
// until done is called: Deliver leaves its waits to the call (ErrCallDriven),
// as it does for executions triggered by an inbound call.
func (r *Runner) DrivenByCall(executionSID string) (done func()) {
	r.onCall.Store(executionSID, struct{}{})
	return func() { r.onCall.Delete(executionSID) }
}
