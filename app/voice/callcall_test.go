package voice

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

const callOnCallFlow = "FW000000000000000000000000000000c2"

// TestOutgoingCallOnALiveCall: a sipp caller reaches a flow whose first
// widget is make-outgoing-call-v1 or -v2. It would call the contact, who
// is on the line already, so (Studio's rule) it follows failed with error
// event 81993 and queues no outbound call; the caller hears the next
// widget and is hung up.
func TestOutgoingCallOnALiveCall(t *testing.T) {
	for _, typ := range []string{"make-outgoing-call-v2", "make-outgoing-call-v1"} {
		t.Run(typ, func(t *testing.T) {
			p := newPhone(t) // no dialer: a queued call would stay queued
			transitions := `[{"event": "answered"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed", "next": "sorry"}]`
			if typ == "make-outgoing-call-v1" {
				transitions = `[{"event": "answered"}, {"event": "answeredByMachine"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "hangup"}, {"event": "failed", "next": "sorry"}]`
			}
			p.addFlow(t, callOnCallFlow, `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "call"}]},
  {"name": "call", "type": "`+typ+`", "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"}, "transitions": `+transitions+`},
  {"name": "sorry", "type": "say-play", "properties": {"say": "Sorry."}, "transitions": [{"event": "audioComplete"}]}]}`)
			rc, logs := p.sipp(t, "ivr_wait_bye.xml", "", callOnCallFlow)
			require.Equal(t, 0, rc, logs)
			p.waitEnded(t, callOnCallFlow, 10*time.Second)
			x, steps := path(t, p.st, callOnCallFlow)
			require.Equal(t, []string{"Trigger.incomingCall>call", "call.failed>sorry", "sorry.audioComplete>Ended"}, steps)
			stored, err := p.st.Steps(context.Background(), x.SID)
			require.NoError(t, err)
			var events []engine.Event
			for _, s := range stored {
				events = append(events, s.Events...)
			}
			require.Len(t, events, 1)
			require.Equal(t, engine.CodeCallOnCall, events[0].Code)
			require.Equal(t, "error", events[0].Level)
			require.Contains(t, events[0].Message, "on this call already")
			_, err = p.st.ClaimOutboundCall(context.Background(), time.Now(), time.Minute)
			require.ErrorIs(t, err, store.ErrNotFound, "an outbound call was queued")
			p.waitIdle(t, callOnCallFlow, 5*time.Second)
		})
	}
}

// TestOutgoingCallOnOurOutboundCall: an execution started by the REST API
// calls the contact (a sipp UAS behind the trunk answers); on that call a
// second make-outgoing-call-v2 would call the same contact again. The
// executor refuses it: the widget follows failed, with error event 81993
// on its step, and no second call goes out.
func TestOutgoingCallOnOurOutboundCall(t *testing.T) {
	noGoroutineLeaks(t)
	far := startFarEnd(t, "uas_rr_answer_wait_bye.xml")
	addr := "127.0.0.1:" + strconv.Itoa(far.port)
	def := `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "call"}]},
  {"name": "call", "type": "make-outgoing-call-v2", "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "timeout": 10},
   "transitions": [{"event": "answered", "next": "again"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}]},
  {"name": "again", "type": "make-outgoing-call-v2", "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}"},
   "transitions": [{"event": "answered"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed", "next": "sorry"}]},
  {"name": "sorry", "type": "say-play", "properties": {"say": "Sorry."}, "transitions": [{"event": "audioComplete"}]}]}`
	p, _ := dialing(t, def, viaTrunk(addr))
	storeTrunk(t, p, addr)
	launch(t, p, "+15550001000", "+15557770005")
	p.waitEnded(t, outFlow, 15*time.Second)
	x, steps := path(t, p.st, outFlow)
	require.Equal(t, []string{"Trigger.incomingRequest>call", "call.answered>again", "again.failed>sorry", "sorry.audioComplete>Ended"}, steps)
	require.Equal(t, "failed", x.Context.Widget("again")["CallStatus"])
	evs := stepEvents(t, p.st, outFlow)
	require.Len(t, evs["again"], 1, "the refused widget's events")
	ev := evs["again"][0]
	require.Equal(t, engine.CodeCallOnCall, ev.Code)
	require.Equal(t, "error", ev.Level)
	require.Equal(t, "again", ev.Widget)
	require.Contains(t, ev.Message, "on this call already")
	require.Empty(t, evs["call"])
	far.wait(t)
	p.waitOutIdle(t, 5*time.Second)
}
