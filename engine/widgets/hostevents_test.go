package widgets_test

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// hostEventsFlow: a prompt whose step ends either by audioComplete or by
// the caller hanging up (no hangup transition: the execution ends).
const hostEventsFlow = `{"description":"host events","initial_state":"Trigger","states":[
 {"name":"Trigger","type":"trigger","transitions":[{"event":"incomingCall","next":"hold"}],"properties":{}},
 {"name":"hold","type":"say-play","transitions":[{"event":"audioComplete"}],"properties":{"say":"Please hold"}}]}`

// TestInputEvents: the events a host puts on an Input land on the step of
// the widget it resumes (naming it when they name no widget, as errors
// when they have no level) and in the sprint's events, on the normal
// resume and on a hang-up that ends the execution.
func TestInputEvents(t *testing.T) {
	ctx := context.Background()
	f, err := schema.Parse([]byte(hostEventsFlow))
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile("FW00000000000000000000000000000001", 1, f)
	if err != nil {
		t.Fatal(err)
	}
	evs := []engine.Event{
		{Code: 11200, Message: "GET http://x answered 500"},
		{Level: "warning", Code: engine.CodeMediaStream, Widget: "fork", Message: "the stream stopped"},
	}
	for _, typ := range []string{engine.InputAudioDone, engine.InputHangup} {
		t.Run(typ, func(t *testing.T) {
			eng := engine.New()
			x, _, err := eng.Start(ctx, p, engine.Trigger{Event: engine.EventIncomingCall, Contact: "+15550001111", Channel: "+15550002222"})
			if err != nil {
				t.Fatal(err)
			}
			sp, err := eng.Resume(ctx, p, x, engine.Input{Type: typ, Events: evs})
			if err != nil {
				t.Fatal(err)
			}
			var got []engine.Event
			for _, st := range sp.Steps {
				if st.TransitionedFrom == "hold" {
					got = st.Events
				}
			}
			want := []engine.Event{
				{Level: "error", Code: 11200, Widget: "hold", Message: "GET http://x answered 500"},
				{Level: "warning", Code: engine.CodeMediaStream, Widget: "fork", Message: "the stream stopped"},
			}
			if len(got) != len(want) {
				t.Fatalf("step events %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			if len(sp.Events) < 2 {
				t.Errorf("sprint events %+v lack the host's", sp.Events)
			}
			if evs[0].Widget != "" || evs[0].Level != "" {
				t.Error("the input's events were changed in place")
			}
		})
	}
}
