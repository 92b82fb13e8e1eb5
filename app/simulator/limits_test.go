package simulator

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// TestRenderLimitsSayWhy: a template cut off by the render limits in a
// widget that waits leaves its 84003 event, with the reason, in the
// transcript and in the widget's stored step (the execution's log).
func TestRenderLimitsSayWhy(t *testing.T) {
	ctx := context.Background()
	r, st := testRunner(t)
	const flowSID = "FW00000000000000000000000000000001"
	f := publish(t, st, flowSID, "testdata/liquid-bomb.json")
	cases := []struct {
		channel, widget, reason string
	}{
		{"call", "greet", "the limit is 16384 bytes"},
		{"message", "ask", "would run 100 iterations"},
	}
	for i, c := range cases {
		t.Run(c.channel, func(t *testing.T) {
			tr, err := NewTrigger(c.channel, fmt.Sprintf("+1555000100%d", i), "+15550002222", "hi", nil, fmt.Sprintf("CA%032d", i))
			require.NoError(t, err)
			var out bytes.Buffer
			res, err := Run(ctx, r, flowSID, tr, NewAuto(f), &out)
			require.NoError(t, err)
			require.False(t, res.Execution.Active(), out.String())
			require.Contains(t, out.String(), "error 84003 "+c.widget+": ")
			require.Contains(t, out.String(), c.reason)

			steps, err := st.Steps(ctx, res.Execution.SID)
			require.NoError(t, err)
			var msgs []string
			for _, s := range steps {
				if s.TransitionedFrom != c.widget {
					continue
				}
				for _, ev := range s.Events {
					if ev.Code == engine.CodeLiquid {
						msgs = append(msgs, ev.Message)
					}
				}
			}
			require.Len(t, msgs, 1, "the stored step of %s should carry the 84003 event once\n%s", c.widget, out.String())
			require.True(t, strings.Contains(msgs[0], c.reason), msgs[0])
		})
	}
}
