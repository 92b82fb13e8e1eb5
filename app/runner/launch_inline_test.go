package runner

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// askFlow's widgets all run inline: a REST create of it is one record.
const askFlow = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "ask"}]},
  {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Hi {{flow.data.name}}", "timeout": "3600"},
   "transitions": [{"event": "incomingMessage"}, {"event": "timeout"}, {"event": "deliveryFailure"}]}]}`

// TestLaunchFirstSprint: a flow of inline widgets is created and runs its
// first sprint in one commit, and Launch answers with the execution as it
// was created; a flow with an HTTP request commits the creation alone and
// runs its first sprint after Launch returned.
func TestLaunchFirstSprint(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": "yes"}`))
	}))
	defer srv.Close()
	defer close(hold)

	tests := []struct {
		name        string
		def         string
		wantCommits int64 // when Launch returns
		wantSteps   int   // stored when Launch returns
		wantWidget  string
	}{
		{name: "inline widgets", def: askFlow, wantCommits: 1, wantSteps: 1, wantWidget: "ask"},
		{name: "an HTTP request", def: fetchFlow, wantCommits: 1, wantSteps: 0, wantWidget: "Trigger"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, t.TempDir())
			require.NoError(t, err)
			defer st.Close()
			_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "f", Status: store.StatusPublished,
				Definition: json.RawMessage(tc.def), Valid: true})
			require.NoError(t, err)
			r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
			defer r.Close()

			x, err := r.Launch(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+15550001111",
				Channel: "+15550002222", Data: map[string]any{"name": "Ann", "url": srv.URL}})
			require.NoError(t, err)
			// The answer is the execution as created, whichever way it ran.
			require.True(t, x.Active())
			require.Equal(t, 0, x.Steps)
			require.Equal(t, "Trigger", x.Current)
			require.Empty(t, x.Context["widgets"], "no widget ran yet")

			require.Equal(t, tc.wantCommits, r.commit.commits.Load())
			stored, err := st.Execution(ctx, x.SID)
			require.NoError(t, err)
			steps, err := st.Steps(ctx, x.SID)
			require.NoError(t, err)
			if tc.wantSteps == 0 {
				// The background sprint is held in its HTTP request.
				require.Equal(t, tc.wantWidget, stored.Current)
				require.Empty(t, steps)
				return
			}
			require.Equal(t, tc.wantWidget, stored.Current)
			require.Len(t, steps, tc.wantSteps)
			msgs, err := st.ListMessages(ctx, store.MessageFilter{ExecutionSID: x.SID}, store.Page{})
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			require.Equal(t, "Hi Ann", msgs[0].Body)
			// Nothing runs after Launch: no second commit comes.
			time.Sleep(50 * time.Millisecond)
			require.Equal(t, int64(1), r.commit.commits.Load())
		})
	}
}
