package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

// Liquid bombs the render limits cut off, with a word of the reason each
// 84003 event must give.
var bombs = []struct {
	name, tmpl, reason string
}{
	{"append doubling", `{% assign s = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}{% for i in (1..14) %}{% assign s = s | append: s %}{% endfor %}{{ s }}`, "16384"},
	{"loop over too many items", `{% for i in (1..100) %}x{% endfor %}`, "15 iterations"},
	{"nested loops past 16 KB", `{% for i in (1..15) %}{% for j in (1..15) %}{% for k in (1..15) %}xxxxxxxxxxxx{% endfor %}{% endfor %}{% endfor %}`, "16384"},
}

// bombFlow is a flow whose trigger leads to widget (one state, JSON),
// which ends the flow.
func bombFlow(t *testing.T, event, widget string) *engine.Program {
	t.Helper()
	def := fmt.Sprintf(`{"description":"bomb","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[
	 {"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":%q,"next":"w"}]},
	 %s]}`, event, widget)
	f, err := schema.Parse([]byte(def))
	require.NoError(t, err, def)
	p, err := engine.Compile("FW00000000000000000000000000000001", 1, f)
	require.NoError(t, err)
	return p
}

// TestRenderLimitEventsReachTheStep: a template the render limits cut off
// leaves an 84003 event naming the limit in the step of the widget that
// rendered it, also when that widget waits first (the step is taken when
// the wait ends, possibly in another process) or runs a subflow.
func TestRenderLimitEventsReachTheStep(t *testing.T) {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	sub := `{"description":"child","initial_state":"Trigger","states":[
	 {"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":"incomingParent"}]}]}`
	cases := []struct {
		name, event, widget string
		inputs              []engine.Input
	}{
		{"send-message", engine.EventIncomingMessage,
			`{"name":"w","type":"send-message","properties":{"body":%s},"transitions":[{"event":"sent"},{"event":"failed"}]}`, nil},
		{"say-play", engine.EventIncomingCall,
			`{"name":"w","type":"say-play","properties":{"say":%s},"transitions":[{"event":"audioComplete"}]}`,
			[]engine.Input{{Type: engine.InputAudioDone}}},
		{"gather prompt", engine.EventIncomingCall,
			`{"name":"w","type":"gather-input-on-call","properties":{"say":%s},"transitions":[{"event":"keypress"},{"event":"speech"},{"event":"timeout"}]}`,
			[]engine.Input{{Type: engine.InputDigits, Params: map[string]any{"Digits": "1"}}}},
		{"send-and-wait timeout", engine.EventIncomingMessage,
			`{"name":"w","type":"send-and-wait-for-reply","properties":{"body":"hi","timeout":%s},"transitions":[{"event":"incomingMessage"},{"event":"timeout"},{"event":"deliveryFailure"}]}`,
			[]engine.Input{{Type: engine.InputReply, Params: map[string]any{"Body": "ok"}}}},
		{"run-subflow parameter", engine.EventIncomingMessage,
			`{"name":"w","type":"run-subflow","properties":{"flow_sid":"FW000000000000000000000000000000a1","flow_revision":"LatestPublished","parameters":[{"key":"k","value":%s}]},"transitions":[{"event":"completed"},{"event":"failed"}]}`, nil},
	}
	for _, c := range cases {
		for _, b := range bombs {
			t.Run(c.name+"/"+b.name, func(t *testing.T) {
				ctx := context.Background()
				sids := &enginetest.SIDs{}
				eng := engine.New(engine.WithSIDs(sids.New), engine.WithClock(enginetest.NewClock().Now),
					engine.WithSubflows(enginetest.Subflows{"FW000000000000000000000000000000a1": json.RawMessage(sub)}))
				p := bombFlow(t, c.event, fmt.Sprintf(c.widget, q(b.tmpl)))
				x, sp, err := eng.Start(ctx, p, engine.Trigger{Event: c.event, Contact: "+15550001111", Channel: "+15550002222",
					Params: map[string]any{"From": "+15550001111", "To": "+15550002222", "Body": "hi"}})
				require.NoError(t, err)
				steps := sp.Steps
				for _, in := range c.inputs {
					require.True(t, x.Active(), "the execution ended before its input")
					// The wait outlives the process: resume a stored copy.
					raw, err := json.Marshal(x)
					require.NoError(t, err)
					x = &engine.Execution{}
					require.NoError(t, json.Unmarshal(raw, x))
					sp, err = eng.Resume(ctx, p, x, in)
					require.NoError(t, err)
					steps = append(steps, sp.Steps...)
				}
				require.False(t, x.Active(), "the execution should have ended")
				var found []engine.Event
				for _, st := range steps {
					if st.TransitionedFrom == "w" {
						found = append(found, st.Events...)
					}
				}
				var liquid *engine.Event
				for i := range found {
					if found[i].Code == engine.CodeLiquid {
						liquid = &found[i]
					}
				}
				require.NotNil(t, liquid, "no 84003 event in the steps of w; events there: %+v", found)
				require.Equal(t, "error", liquid.Level)
				require.Equal(t, "w", liquid.Widget)
				require.True(t, strings.Contains(liquid.Message, b.reason), "the event should say why: %q", liquid.Message)
			})
		}
	}
}
