package voice

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
)

// TestQueueCreatedOnFirstUse: a flow from Studio names its queue and never
// creates it; the first caller creates it (no agents yet, so the caller
// holds), callers at once get the same queue, and the change is published
// for the settings page and the dashboard.
func TestQueueCreatedOnFirstUse(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	var mu sync.Mutex
	var published []QueueState
	m := &QueueManager{Store: st, OnChange: func(s QueueState) { mu.Lock(); published = append(published, s); mu.Unlock() }}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	var wg sync.WaitGroup
	sids := make([]string, 8)
	for i := range sids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := m.queue(ctx, log, "support")
			require.NoError(t, err)
			sids[i] = q.SID
		}()
	}
	wg.Wait()
	for _, s := range sids {
		require.Equal(t, sids[0], s, "every caller joins the one queue")
	}
	q, err := st.QueueByName(ctx, "support")
	require.NoError(t, err)
	require.Equal(t, sids[0], q.SID)
	require.Equal(t, store.DefaultQueueSize, q.MaxSize)
	require.Empty(t, q.Agents)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, published, 1, "its creation is published once")
	require.Equal(t, "support", published[0].FriendlyName)
}
