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
//
// An execution an outbound call of ours drives queues none: its contact is
// on that call, and the call's executor answers the widget failed (the
// widgets refuse the same in executions started by an inbound call).
func (r *Runner) queuedCalls(executionSID string, sp *engine.Sprint) []store.OutboundCall {
	if _, driven := r.onCall.Load(executionSID); driven {
		return nil
	}
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
		if cc.SIPUser != "" || cc.SIPPass != "" {
			// Kept before the row commits: the dialer may claim it at once.
			r.callAuth.Store(row.SID, CallAuth{User: cc.SIPUser, Password: cc.SIPPass})
		}
		out = append(out, row)
	}
	return out
}

// CallAuth is the SIP digest credentials a make-outgoing-call-v2 widget
// gave (sip_auth_username, sip_auth_password) for its sip: destination.
type CallAuth struct {
	User     string
	Password string
}

// TakeCallAuth hands the dialer a queued call's credentials, once. They
// live only in this process's memory: the password never reaches the
// store, and a call placed after a restart goes without them (a challenge
// then fails it).
func (r *Runner) TakeCallAuth(callSID string) (CallAuth, bool) {
	v, ok := r.callAuth.LoadAndDelete(callSID)
	if !ok {
		return CallAuth{}, false
	}
	return v.(CallAuth), true
}

// forgetCallAuth drops the credentials of rows whose sprint did not commit.
func (r *Runner) forgetCallAuth(rows []store.OutboundCall) {
	for _, c := range rows {
		r.callAuth.Delete(c.SID)
	}
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
	}, sessionRef{})
}

// DrivenByCall marks an execution as driven by an outbound call of ours
// until done is called: Deliver leaves its waits to the call (ErrCallDriven),
// as it does for executions triggered by an inbound call.
func (r *Runner) DrivenByCall(executionSID string) (done func()) {
	r.onCall.Store(executionSID, struct{}{})
	return func() { r.onCall.Delete(executionSID) }
}
