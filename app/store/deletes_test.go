package store

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// Every deletion of execution rows is told to OnExecutionsDeleted after
// its commit (a runner's cached executions depend on it); a deletion that
// fails tells nothing.
func TestExecutionDeletionsAreTold(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	_, err = s.CreateFlow(ctx, NewFlow{SID: "FW1", FriendlyName: "f", Status: StatusPublished,
		Definition: json.RawMessage(`{"initial_state": "Trigger", "states": []}`), Valid: true})
	require.NoError(t, err)
	for _, sid := range []string{"FNa", "FNb", "FNc", "FNd"} {
		require.NoError(t, s.SaveSprint(ctx, sprintFor(sid)))
	}
	var mu sync.Mutex
	var told [][2]string
	s.OnExecutionsDeleted(func(flowSID, executionSID string) {
		mu.Lock()
		told = append(told, [2]string{flowSID, executionSID})
		mu.Unlock()
	})
	take := func() [][2]string {
		mu.Lock()
		defer mu.Unlock()
		out := told
		told = nil
		return out
	}

	require.NoError(t, s.DeleteExecution(ctx, "FW1", "FNa"))
	require.Equal(t, [][2]string{{"FW1", "FNa"}}, take())
	require.ErrorIs(t, s.DeleteExecution(ctx, "FW1", "FNa"), ErrNotFound)
	require.Empty(t, take())

	end := sprintFor("FNb")
	end.New = false
	end.Execution.Status = engine.StatusEnded
	require.NoError(t, s.SaveSprint(ctx, end))
	n, err := s.PurgeEnded(ctx, RetainSinceStarted, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, [][2]string{{"", "FNb"}}, take())
	_, err = s.PurgeEnded(ctx, RetainSinceStarted, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, take(), "a purge that deleted nothing tells nothing")

	require.NoError(t, s.DeleteFlow(ctx, "FW1"))
	require.Equal(t, [][2]string{{"FW1", ""}}, take())
	require.ErrorIs(t, s.DeleteFlow(ctx, "FW1"), ErrNotFound)
	require.Empty(t, take())
}
