package simulator

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// TestRenderLimitsSayWhy: a template cut off by the render limits in a
// widget that waits leaves its 84003 event, with the reason, in the
// transcript and in the widget's stored step (the execution's log).
func TestRenderLimitsSayWhy(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	b, err := os.ReadFile("testdata/liquid-bomb.json")
	require.NoError(t, err)
	const flowSID = "FW00000000000000000000000000000001"
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "bomb", Status: store.StatusPublished, Definition: b})
	require.NoError(t, err)
	sids := &enginetest.SIDs{}
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sids.New))
	defer r.Close()
	cases := []struct {
		channel, widget, reason string
	}{
		{"call", "greet", "the limit is 16384 bytes"},
		{"message", "ask", "would run 100 iterations"},
	}
	for i, c := range cases {
		t.Run(c.channel, func(t *testing.T) {
			from := "+1555000100" + string(rune('0'+i))
			tr, err := NewTrigger(c.channel, from, "+15550002222", "hi", nil, "CA0000000000000000000000000000000"+string(rune('0'+i)))
			require.NoError(t, err)
			var out bytes.Buffer
			res, err := Run(ctx, r, flowSID, tr, Auto{}, &out)
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
