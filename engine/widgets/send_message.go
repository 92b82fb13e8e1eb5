package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SendMessage sends one message to the contact (or to "to"). It follows
// failed when the message cannot be sent at all (no recipient, nothing to
// send). Otherwise, with Limits.MessageResult zero, it follows sent at once
// (queued, as Studio's sent means the Messaging API accepted it); with it
// set, it waits that long for the gateway's result: sent when the gateway
// took the message, failed when it refused it for good, and sent with the
// message still queued when the wait runs out (it is still sent later).
type SendMessage struct{}

func init() { engine.Register(schema.TypeSendMessage, SendMessage{}) }

// Enter builds the message and emits it.
func (SendMessage) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.SendMessage](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	msg, outbound, ok := buildMessage(ctx, r, p.From, p.To, p.Body, p.MessageOptions)
	if !ok {
		return engine.Go("failed", map[string]any{"outbound": outbound}), nil
	}
	msg.Widget = r.Name()
	cmd := *msg
	wait := r.Engine().Limits().MessageResult
	if wait <= 0 {
		return engine.Go("sent", map[string]any{"outbound": outbound}, cmd), nil
	}
	out := engine.WaitFor([]engine.Command{cmd}, engine.InputDelivery, engine.InputTimeout)
	out.Wait.Deadline = r.Engine().Now().Add(wait)
	r.Context().SetWidget(r.Name(), map[string]any{"outbound": outbound})
	return out, nil
}

// Resume maps the gateway's result for the message to sent or failed.
func (SendMessage) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	outbound, _ := r.Previous()["outbound"].(map[string]any)
	if in.Type == engine.InputDelivery {
		if !deliveryFor(in, outbound) {
			w := r.Waited() // a report for another message: keep waiting
			return engine.Outcome{Wait: &engine.Wait{Inputs: w.Inputs, Deadline: w.Deadline}}, nil
		}
		status := str(in.Params, "Status")
		if outbound != nil && status != "" {
			outbound["Status"] = status
		}
		if status == "failed" || status == "undelivered" {
			if outbound != nil {
				outbound["ErrorCode"] = in.Params["ErrorCode"]
			}
			return engine.Go("failed", map[string]any{"outbound": outbound}), nil
		}
	}
	return engine.Go("sent", map[string]any{"outbound": outbound}), nil
}

// deliveryFor says whether a delivery input is about the widget's message:
// one naming another MessageSid (a late report of an earlier message) is
// not.
func deliveryFor(in engine.Input, outbound map[string]any) bool {
	sid := str(in.Params, "MessageSid")
	own, _ := outbound["Sid"].(string)
	return sid == "" || own == "" || sid == own
}

// buildMessage renders a message's addresses and body. ok is false (with
// an 81011 event) when it cannot be sent.
func buildMessage(ctx context.Context, r *engine.Run, from, to, body string, o schema.MessageOptions) (*engine.Message, map[string]any, bool) {
	m := &engine.Message{
		SID:  r.Engine().NewSID("SM"),
		From: strings.TrimSpace(render(ctx, r, from)),
		To:   strings.TrimSpace(render(ctx, r, to)),
		Body: render(ctx, r, body),
	}
	if m.From == "" {
		m.From = r.Context().ChannelAddress()
	}
	if m.To == "" {
		m.To = r.Context().ContactAddress()
	}
	for _, u := range splitList(render(ctx, r, o.MediaURL)) {
		m.MediaURL = append(m.MediaURL, u)
	}
	outbound := map[string]any{"Sid": m.SID, "From": m.From, "To": m.To, "Body": m.Body, "Status": "queued", "NumMedia": len(m.MediaURL)}
	switch {
	case o.MessageType == "content_template":
		r.Error(engine.CodeOffline, "content templates (%s) live in Twilio's Content API; send a plain body offline", o.ContentSID)
		outbound["Status"] = "failed"
		return m, outbound, false
	case m.To == "":
		r.Error(engine.CodeMessage, "the message has no recipient: to and contact.channel.address are empty")
		outbound["Status"] = "failed"
		return m, outbound, false
	case strings.TrimSpace(m.Body) == "" && len(m.MediaURL) == 0:
		r.Error(engine.CodeMessage, "the message has no body and no media")
		outbound["Status"] = "failed"
		return m, outbound, false
	}
	return m, outbound, true
}
