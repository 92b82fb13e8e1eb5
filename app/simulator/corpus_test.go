package simulator

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
)

// loopsWhateverTheAnswer lists the corpus flows (file/trigger event) that
// end on a step or widget-loop limit under Auto because they loop whatever
// the contact answers, with why. Every other corpus flow must reach an end
// that is not a limit.
var loopsWhateverTheAnswer = map[string]string{}

// TestCorpusFlowsRunToAnEnd: every real Studio flow, for every trigger event
// it wires, runs under the simulator with automatic answers to an end,
// without a Go error, and not on a step limit (81000) or widget-loop limit
// (81001) unless loopsWhateverTheAnswer says why.
func TestCorpusFlowsRunToAnEnd(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/flows/corpus/*.json")
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	ctx := context.Background()
	r, st := testRunner(t)
	runs := 0
	for i, file := range files {
		flowSID := fmt.Sprintf("FW%032d", i+1)
		f := publish(t, st, flowSID, file)
		trig := f.State(f.InitialState)
		for _, ev := range []string{engine.EventIncomingCall, engine.EventIncomingMessage, engine.EventIncomingConversation, engine.EventIncomingRequest} {
			if next, ok := trig.Next(ev); !ok || next == "" {
				continue
			}
			name := filepath.Base(file) + "/" + ev
			t.Run(name, func(t *testing.T) {
				contact := fmt.Sprintf("+1555%07d", runs)
				tr := engine.Trigger{Event: ev, Contact: contact, Channel: "+15550002222",
					Params: map[string]any{"From": contact, "To": "+15550002222", "Body": "hello", "CallSid": fmt.Sprintf("CA%032d", runs)}}
				var out bytes.Buffer
				res, err := Run(ctx, r, flowSID, tr, NewAuto(f), &out)
				require.NoError(t, err, out.String())
				require.False(t, res.Execution.Active(), "execution still active:\n%s", out.String())
				limit := res.Execution.EndReason == engine.EndMaxSteps || res.Execution.EndReason == engine.EndLoop
				if why, ok := loopsWhateverTheAnswer[name]; ok {
					require.True(t, limit, "listed as looping (%s) but ended: %s", why, res.Execution.EndReason)
					return
				}
				require.False(t, limit, "ended on the %s under Auto:\n%s", res.Execution.EndReason, tail(out.String(), 40))
			})
			runs++
		}
	}
	require.NotZero(t, runs)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestParse(t *testing.T) {
	gather := &engine.Wait{Inputs: []string{engine.InputDigits, engine.InputSpeech, engine.InputTimeout}}
	reply := &engine.Wait{Inputs: []string{engine.InputReply, engine.InputDelivery, engine.InputTimeout}}
	cases := []struct {
		line string
		w    *engine.Wait
		want engine.Input
		ok   bool
	}{
		{"12#", gather, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "12"}}, true},
		{"say sales please", gather, engine.Input{Type: engine.InputSpeech, Params: map[string]any{"SpeechResult": "sales please", "Confidence": "0.9"}}, true},
		{"/timeout", gather, engine.Input{Type: engine.InputTimeout}, true},
		{"hello there", gather, engine.Input{}, false},
		{"12", reply, engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": "12"}}, true},
		{"/delivery failed", reply, engine.Input{Type: engine.InputDelivery, Params: map[string]any{"Status": "failed"}}, true},
		{"/dial busy", reply, engine.Input{Type: engine.InputDial, Params: map[string]any{"DialCallStatus": "busy"}}, false},
		{"/hangup", reply, engine.Input{Type: engine.InputHangup}, true},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			got, ok := Parse(c.line, c.w)
			require.Equal(t, c.ok, ok)
			if ok {
				require.Equal(t, c.want, got)
			}
		})
	}
}
