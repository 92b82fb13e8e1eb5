package runner

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// caller places a call and thanks by message when it was answered.
const caller = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "call"}]},
  {"name": "call", "type": "make-outgoing-call-v2", "properties": {"from": "+15550001000", "to": "{{contact.channel.address}}",
   "timeout": 20, "detect_answering_machine": true, "send_digits": "1w2"},
   "transitions": [{"event": "answered", "next": "sms"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}]},
  {"name": "sms", "type": "send-message", "properties": {"from": "+15550001000", "to": "{{contact.channel.address}}", "body": "thanks"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`

// TestCallQueuedWithItsSprint: the sprint that reaches make-outgoing-call
// stores the call queued in its own transaction and wakes the dialer;
// ResumeWaiting takes the call's result only while the execution waits for
// it; while a call drives the execution, Deliver leaves it alone.
func TestCallQueuedWithItsSprint(t *testing.T) {
	require.True(t, schema.Validate([]byte(caller)).Valid(), "%v", schema.Validate([]byte(caller)).Errors)
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, caller, store.StatusPublished)
	var woken atomic.Int32
	f.r.OnCalls(func() { woken.Add(1) })
	x, sp, err := f.r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+15557770001", Channel: "+15550001000"})
	require.NoError(t, err)
	require.Len(t, sp.Commands, 1)
	require.EqualValues(t, 1, woken.Load())

	c, err := f.st.ClaimOutboundCall(ctx, f.clock.Now(), 0)
	require.NoError(t, err)
	require.Equal(t, x.SID, c.ExecutionSID)
	require.Equal(t, flowSID, c.FlowSID)
	require.Equal(t, "call", c.Widget)
	require.Equal(t, "+15557770001", c.To)
	require.Equal(t, "+15550001000", c.From)
	require.Equal(t, 20, c.Timeout)
	require.Equal(t, "Enable", c.MachineDetection)
	require.Equal(t, 30, c.MachineDetectionTimeout)
	require.Equal(t, "1w2", c.SendDigits)
	require.Regexp(t, `^CA[0-9a-f]{32}$`, c.SID)

	done := f.r.DrivenByCall(x.SID)
	err = f.r.Deliver(ctx, x.SID, engine.Input{Type: engine.InputCall, Params: map[string]any{"CallStatus": "busy"}})
	require.True(t, errors.Is(err, ErrCallDriven), "%v", err)
	done()

	_, _, err = f.r.ResumeWaiting(ctx, x.SID, engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": "hi"}})
	require.True(t, errors.Is(err, engine.ErrNotWaiting), "a reply does not answer a call: %v", err)
	x, _, err = f.r.ResumeWaiting(ctx, x.SID, engine.Input{Type: engine.InputCall, Params: map[string]any{"CallSid": c.SID, "CallStatus": "in-progress", "AnsweredBy": "human"}})
	require.NoError(t, err)
	require.Equal(t, "human", x.Context.Widget("call")["AnsweredBy"])
	_, _, err = f.r.ResumeWaiting(ctx, x.SID, engine.Input{Type: engine.InputCall, Params: map[string]any{"CallStatus": "busy"}})
	require.Error(t, err, "the call's result is taken once")
}
