package widgets

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SendAndWaitForReply sends a message to the contact and waits for the
// reply (incomingMessage), the timeout or a delivery failure.
type SendAndWaitForReply struct{}

func init() { engine.Register(schema.TypeSendAndWaitForReply, SendAndWaitForReply{}) }

// Enter sends the message and waits with a deadline.
func (SendAndWaitForReply) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.SendAndWaitForReply](r)
	if !ok {
		return badProps(r, "deliveryFailure"), nil
	}
	msg, outbound, ok := buildMessage(ctx, r, p.From, "", p.Body, p.MessageOptions)
	if !ok {
		return engine.Go("deliveryFailure", map[string]any{"outbound": outbound}), nil
	}
	secs := renderInt(ctx, r, "timeout", p.Timeout, int(r.Engine().Limits().DefaultWaitFor/time.Second))
	if secs <= 0 {
		secs = int(r.Engine().Limits().DefaultWaitFor / time.Second)
	}
	if life := r.Engine().Limits().Lifetime; life > 0 && time.Duration(secs)*time.Second > life {
		secs = int(life / time.Second)
	}
	msg.Widget = r.Name()
	cmd := *msg
	out := engine.WaitFor([]engine.Command{cmd}, engine.InputReply, engine.InputDelivery, engine.InputTimeout)
	out.Wait.Deadline = r.Engine().Now().Add(time.Duration(secs) * time.Second)
	// outbound is published when the wait ends; keep it with the execution.
	r.Context().SetWidget(r.Name(), map[string]any{"outbound": outbound})
	return out, nil
}

// Resume maps a reply, a delivery report or the timeout to an event.
func (SendAndWaitForReply) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	prev := r.Previous()
	outbound, _ := prev["outbound"].(map[string]any)
	switch in.Type {
	case engine.InputReply:
		return engine.Go("incomingMessage", map[string]any{"outbound": outbound, "inbound": params(in)}), nil
	case engine.InputDelivery:
		if !deliveryFor(in, outbound) {
			w := r.Waited()
			return engine.Outcome{Wait: &engine.Wait{Inputs: w.Inputs, Deadline: w.Deadline}}, nil
		}
		status := str(in.Params, "Status")
		if status == "failed" || status == "undelivered" {
			if outbound != nil {
				outbound["Status"] = status
				outbound["ErrorCode"] = in.Params["ErrorCode"]
			}
			return engine.Go("deliveryFailure", map[string]any{"outbound": outbound}), nil
		}
		// A good delivery report changes nothing: keep waiting for the reply.
		if outbound != nil && status != "" {
			outbound["Status"] = status
		}
		w := r.Waited()
		return engine.Outcome{Wait: &engine.Wait{Inputs: w.Inputs, Deadline: w.Deadline}}, nil
	}
	return engine.Go("timeout", map[string]any{"outbound": outbound}), nil
}
