package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SendMessage sends one message to the contact (or to "to"). It follows sent
// once the message is accepted for sending (queued in the outbox, as
// Studio's sent means the Messaging API accepted it) and failed when the
// message cannot be sent at all (no recipient, nothing to send).
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
	return engine.Go("sent", map[string]any{"outbound": outbound}, cmd), nil
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
