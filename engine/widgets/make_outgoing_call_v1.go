package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// MakeOutgoingCallV1 is the first Make Outgoing Call: it calls the contact
// from the flow's address with answering machine detection on, and tells a
// person (answered) from a machine (answeredByMachine); busy, noAnswer,
// failed and hangup as the call's status says. The status callback's
// parameters are the outputs.
type MakeOutgoingCallV1 struct{}

func init() { engine.Register(schema.TypeMakeOutgoingCallV1, MakeOutgoingCallV1{}) }

// Enter emits a Call verb and waits for the call's result.
func (MakeOutgoingCallV1) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.MakeOutgoingCallV1](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	if onCall(r) {
		return callOnCall(r), nil
	}
	c, ok := outgoingCall(ctx, r, p.From, p.To, p.Timeout, p.Record, "")
	if !ok {
		return engine.Outcome{Event: "failed"}, nil
	}
	// v1 has no switch for it: it always asks who answered.
	c.DetectMachine, c.MachineDetection = true, "Enable"
	c.Widget = r.Name()
	cmd := *c
	return engine.WaitFor([]engine.Command{cmd}, engine.InputCall, engine.InputHangup), nil
}

// Resume maps the call's status to answered, answeredByMachine, busy,
// noAnswer, failed or hangup.
func (MakeOutgoingCallV1) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	if in.Type == engine.InputHangup {
		return engine.Go("hangup", out), nil
	}
	if callPending(in) {
		return keepWaiting(r), nil
	}
	ev := callEvent(r, in)
	if ev == "answered" && strings.HasPrefix(strings.ToLower(str(in.Params, "AnsweredBy")), "machine") {
		ev = "answeredByMachine"
	}
	return engine.Go(ev, out), nil
}
