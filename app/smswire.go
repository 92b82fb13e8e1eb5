package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/queue"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// TypeGatewayUpdated is the event (ours) that carries an SMS gateway's
// health to the settings page.
const TypeGatewayUpdated = "com.switchboard.sms.gateway.updated"

// messageResultWait is how long send-message waits for its gateway to take
// the message before it follows sent with the message still queued.
const messageResultWait = 30 * time.Second

// smsFlows connects the SMS queue to the flows: a received message starts
// or resumes the execution of its number's messaging flow, and a message's
// result resumes the execution that sent it.
type smsFlows struct {
	st *store.Store
	r  *runner.Runner
}

func (f smsFlows) Inbound(ctx context.Context, m store.Message, key string) (string, string, error) {
	n, err := f.st.NumberFor(ctx, m.To)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", &queue.InboundError{Note: fmt.Sprintf("no number %s routes messages to a flow (Settings → Numbers)", m.To)}
	}
	if err != nil {
		return "", "", err
	}
	if n.SMSFlowSID == "" {
		return "", "", &queue.InboundError{Note: fmt.Sprintf("number %s has no messaging flow", m.To)}
	}
	params := map[string]any{"MessageSid": m.SID, "SmsSid": m.SID, "SmsMessageSid": m.SID, "From": m.From, "To": m.To,
		"Body": m.Body, "NumMedia": "0", "NumSegments": strconv.Itoa(max(m.NumSegments, 1)), "ApiVersion": "2010-04-01"}
	ctx = runner.WithReceipt(ctx, store.Receipt{Key: key, FlowSID: n.SMSFlowSID})
	x, _, err := f.r.Message(ctx, n.SMSFlowSID, m.From, m.To, params)
	var conflict *store.ActiveConflict
	switch {
	case errors.Is(err, store.ErrDuplicateReceipt):
		// Handed over before the process stopped: done already.
		return n.SMSFlowSID, "", nil
	case errors.Is(err, runner.ErrBusy) || errors.As(err, &conflict):
		// Studio drops a message for a contact whose execution is busy.
		return n.SMSFlowSID, "", &queue.InboundError{Note: "the contact's execution was not waiting for a message"}
	case errors.Is(err, store.ErrNotFound):
		return n.SMSFlowSID, "", &queue.InboundError{Note: fmt.Sprintf("flow %s has no published revision", n.SMSFlowSID)}
	case err != nil:
		return "", "", err
	}
	return n.SMSFlowSID, x.SID, nil
}

func (f smsFlows) Result(ctx context.Context, executionSID string, m store.Message) error {
	params := map[string]any{"MessageSid": m.SID, "MessageStatus": m.Status, "Status": m.Status}
	if m.ErrorCode != 0 {
		params["ErrorCode"] = m.ErrorCode
	}
	err := f.r.Deliver(ctx, executionSID, engine.Input{Type: engine.InputDelivery, Params: params})
	switch {
	case err == nil, errors.Is(err, engine.ErrNotWaiting), errors.Is(err, engine.ErrEnded),
		errors.Is(err, runner.ErrCallDriven), errors.Is(err, store.ErrNotFound):
		return nil // nothing waits for it (any more)
	}
	return err
}

// gatewayEvents publishes gateways' health on the event stream.
func gatewayEvents(broker *events.Broker) func(string, sms.Health) {
	return func(gatewaySID string, h sms.Health) {
		publishEvent(broker, TypeGatewayUpdated, "/v2/Messaging/Gateways/"+gatewaySID, map[string]any{"sid": gatewaySID, "health": h})
	}
}
