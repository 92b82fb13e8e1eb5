package simulator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func says(cs engine.Commands) []string {
	var out []string
	for _, c := range cs {
		switch c := c.(type) {
		case engine.Say:
			out = append(out, c.Text)
		case engine.Gather:
			for _, p := range c.Prompts {
				if p, ok := p.(engine.Say); ok {
					out = append(out, p.Text)
				}
			}
		}
	}
	return out
}

// TestLiveConversesOneInputAtATime: the demo flow over Live answers the
// call with the menu and waits for keys; a wrong key goes back to the menu
// (the "Sorry" prompt passes by itself); 1 plays the opening hours and
// ends the call; a later Send is refused.
func TestLiveConversesOneInputAtATime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, st := testRunner(t)
	const flowSID = "FW00000000000000000000000000000001"
	publish(t, st, flowSID, "../demo/demo-ivr.json")
	tr, err := NewTrigger("call", "+15550001111", "+15550002222", "", nil, "CA00000000000000000000000000000009")
	require.NoError(t, err)
	l, first, err := StartLive(ctx, r, flowSID, tr)
	require.NoError(t, err)
	defer l.Stop()
	require.False(t, first.Ended)
	require.Equal(t, "main_menu", first.Wait.Widget)
	require.True(t, first.Wait.Accepts(engine.InputDigits))
	require.Len(t, says(first.Commands), 1)
	require.Contains(t, says(first.Commands)[0], "Welcome to the branch office")

	turn, err := l.Send(ctx, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "9"}})
	require.NoError(t, err)
	require.False(t, turn.Ended)
	require.Equal(t, "main_menu", turn.Wait.Widget)
	require.Equal(t, []string{"Sorry, that is not an option.", first.Commands[0].(engine.Gather).Prompts[0].(engine.Say).Text}, says(turn.Commands))

	turn, err = l.Send(ctx, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "1"}})
	require.NoError(t, err)
	require.True(t, turn.Ended, "the last sprint, which Input never sees, is in the turn")
	require.Equal(t, engine.EndCompleted, turn.Execution.EndReason)
	require.Contains(t, says(turn.Commands)[0], "We are open Monday to Friday")
	var path []string
	for _, s := range turn.Steps {
		path = append(path, s.TransitionedFrom)
	}
	require.Equal(t, []string{"main_menu", "route_choice", "opening_hours"}, path)

	_, err = l.Send(ctx, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "1"}})
	require.ErrorIs(t, err, ErrConversationOver)
}

// TestLiveHangupAndStop: a hang-up ends a call as the caller hanging up;
// Stop ends a run that still waits, without hanging.
func TestLiveHangupAndStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, st := testRunner(t)
	const flowSID = "FW00000000000000000000000000000001"
	publish(t, st, flowSID, "../demo/demo-ivr.json")
	for i, hang := range []bool{true, false} {
		tr, err := NewTrigger("call", "+1555000111"+string(rune('0'+i)), "+15550002222", "", nil, "CA0000000000000000000000000000000"+string(rune('0'+i)))
		require.NoError(t, err)
		l, _, err := StartLive(ctx, r, flowSID, tr)
		require.NoError(t, err)
		if hang {
			turn, err := l.Send(ctx, engine.Input{Type: engine.InputHangup})
			require.NoError(t, err)
			require.True(t, turn.Ended)
			require.Equal(t, engine.EndHangup, turn.Execution.EndReason)
		}
		l.Stop()
	}
}
