package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// MakeOutgoingCallV2 places a call, by default from the flow's address to
// the contact, optionally recording it and detecting answering machines.
// The execution then goes on with that call. The call's status callback
// (CallSid, CallStatus, AnsweredBy, From, To...) becomes the outputs of
// answered, busy, noAnswer or failed.
type MakeOutgoingCallV2 struct{}

func init() { engine.Register(schema.TypeMakeOutgoingCallV2, MakeOutgoingCallV2{}) }

// Bounds of an outgoing call.
const (
	callTimeout       = 60
	callMaxTimeout    = 600
	callAMDTimeout    = 30
	callMaxSendDigits = 32
)

// Enter emits a Call verb and waits for the call's result.
func (MakeOutgoingCallV2) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.MakeOutgoingCallV2](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	if onCall(r) {
		return callOnCall(r), nil
	}
	c, ok := outgoingCall(ctx, r, p.From, p.To, p.Timeout, p.Record, p.SendDigits)
	if !ok {
		return engine.Outcome{Event: "failed"}, nil
	}
	c.DetectMachine = renderBool(ctx, r, "detect_answering_machine", p.DetectAnsweringMachine, false)
	if c.DetectMachine {
		c.MachineDetection = strings.TrimSpace(render(ctx, r, p.MachineDetection))
		switch {
		case c.MachineDetection == "":
			c.MachineDetection = "Enable"
		case strings.EqualFold(c.MachineDetection, "Enable"):
			c.MachineDetection = "Enable"
		case strings.EqualFold(c.MachineDetection, "DetectMessageEnd"):
			c.MachineDetection = "DetectMessageEnd"
		default:
			r.Warn("machine_detection %q is neither Enable nor DetectMessageEnd; using Enable", c.MachineDetection)
			c.MachineDetection = "Enable"
		}
		c.MachineDetectionTimeout = renderInt(ctx, r, "machine_detection_timeout", schema.Scalar(p.MachineDetectionTimeout), callAMDTimeout)
		if c.MachineDetectionTimeout < 3 || c.MachineDetectionTimeout > 120 {
			r.Warn("machine_detection_timeout %d is outside 3-120 seconds; using %d", c.MachineDetectionTimeout, callAMDTimeout)
			c.MachineDetectionTimeout = callAMDTimeout
		}
	}
	c.SIPUser = strings.TrimSpace(render(ctx, r, p.SIPAuthUsername))
	c.SIPPass = render(ctx, r, p.SIPAuthPassword)
	c.Widget = r.Name()
	cmd := *c
	return engine.WaitFor([]engine.Command{cmd}, engine.InputCall), nil
}

// Resume maps the call's status to answered, busy, noAnswer or failed.
func (MakeOutgoingCallV2) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	if callPending(in) {
		return keepWaiting(r), nil
	}
	return engine.Go(callEvent(r, in), params(in)), nil
}

// outgoingCall renders what both versions of Make Outgoing Call share. ok is
// false (with an error event) when the call cannot be placed.
func outgoingCall(ctx context.Context, r *engine.Run, from, to string, timeout, record schema.Scalar, digits string) (*engine.Call, bool) {
	// A template that does not render must not ring somebody else.
	f, okFrom := r.Render(ctx, from)
	t, okTo := r.Render(ctx, to)
	if !okFrom || !okTo {
		return nil, false
	}
	c := &engine.Call{
		From:       strings.TrimSpace(f),
		To:         strings.TrimSpace(t),
		Timeout:    renderInt(ctx, r, "timeout", timeout, callTimeout),
		Record:     renderBool(ctx, r, "record", record, false),
		SendDigits: strings.TrimSpace(render(ctx, r, digits)),
	}
	if c.From == "" {
		c.From = r.Context().ChannelAddress()
	}
	if c.To == "" {
		c.To = r.Context().ContactAddress()
	}
	switch {
	case c.Timeout < 0:
		r.Warn("timeout %d is negative; using %d", c.Timeout, callTimeout)
		c.Timeout = callTimeout
	case c.Timeout > callMaxTimeout:
		r.Warn("timeout %d is above Studio's %d seconds; using %d", c.Timeout, callMaxTimeout, callMaxTimeout)
		c.Timeout = callMaxTimeout
	}
	switch {
	case c.To == "":
		r.Error(engine.CodeInvalidProperty, "the call has no destination: to and contact.channel.address are empty")
		return c, false
	case c.From == "":
		r.Error(engine.CodeInvalidProperty, "the call has no caller ID: from and flow.channel.address are empty")
		return c, false
	case len(c.SendDigits) > callMaxSendDigits:
		r.Error(engine.CodeInvalidProperty, "send_digits is %d characters long; at most %d are allowed", len(c.SendDigits), callMaxSendDigits)
		return c, false
	case strings.Trim(c.SendDigits, "0123456789ABCDabcd#*wW") != "": // any other character stops the trim
		r.Error(engine.CodeInvalidProperty, "send_digits %q may only hold 0-9, A-D, #, *, w and W", c.SendDigits)
		return c, false
	}
	return c, true
}

// onCall reports an execution started by a call: its contact is the
// caller, on the line already.
func onCall(r *engine.Run) bool {
	_, ok := r.Context().Trigger()["call"]
	return ok
}

// callOnCall refuses make-outgoing-call in an execution started by a call,
// as Studio does: the widget calls the contact, who is on this call
// already. It follows failed with an error event and places no call.
func callOnCall(r *engine.Run) engine.Outcome {
	return r.Fail("failed", engine.CodeCallOnCall,
		"make-outgoing-call calls the contact, who is on this call already: as in Studio, it places calls only in executions started by the REST API or a message")
}

// callPending reports a progress report (queued, initiated, ringing) that
// does not end the wait.
func callPending(in engine.Input) bool {
	switch strings.ToLower(strings.TrimSpace(str(in.Params, "CallStatus"))) {
	case "queued", "initiated", "ringing":
		return in.Type == engine.InputCall
	}
	return false
}

// keepWaiting goes on waiting exactly as before.
func keepWaiting(r *engine.Run) engine.Outcome {
	w := r.Waited()
	return engine.Outcome{Wait: &engine.Wait{Inputs: w.Inputs, Deadline: w.Deadline}}
}

// callEvent maps an outgoing call's CallStatus to the widget's event.
func callEvent(r *engine.Run, in engine.Input) string {
	switch status := strings.ToLower(strings.TrimSpace(str(in.Params, "CallStatus"))); status {
	case "completed", "in-progress", "answered":
		return "answered"
	case "busy":
		return "busy"
	case "no-answer":
		return "noAnswer"
	case "failed", "canceled":
		return "failed"
	default:
		r.Warn("the call ended with an unknown CallStatus %q; following failed", status)
		return "failed"
	}
}
