package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// readOnConns runs a read on n connections held at once, so the pool opens
// n of them, and gives them back to it.
func readOnConns(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		c, err := s.db.Conn(ctx)
		require.NoError(t, err)
		defer c.Close() // back to the pool once all n were held
		var flows int
		require.NoError(t, c.QueryRowContext(ctx, `SELECT count(*) FROM flows`).Scan(&flows), "connection %d", i)
		require.Equal(t, 1, flows)
	}
}

// TestReleaseIdleMemory: after a burst of reads on several connections the
// release closes every idle one (the sprint connection, the writer's, stays
// open), and the store keeps working: reads, writes and sprints go on, and
// the pool keeps its idle connections again afterwards (the limit restored).
func TestReleaseIdleMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	def := json.RawMessage(`{"initial_state":"Trigger","states":[]}`)
	_, err = s.CreateFlow(ctx, NewFlow{SID: "FW0123456789abcdef0123456789abcdef", FriendlyName: "Demo", Status: StatusDraft, Definition: def})
	require.NoError(t, err)
	sprint := func() {
		tx, err := s.BeginSprints(ctx)
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
	}
	sprint() // opens the sprint connection

	readOnConns(t, s, 5)
	require.GreaterOrEqual(t, s.db.Stats().Idle, 5, "the burst left its connections idle")

	require.NoError(t, s.ReleaseIdleMemory(ctx))
	st := s.db.Stats()
	require.Zero(t, st.Idle, "idle connections after the release")
	require.Equal(t, 1, st.OpenConnections, "only the sprint connection stays open")

	// Still working, and the pool keeps connections idle again.
	f, err := s.Flow(ctx, "FW0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	require.Equal(t, "Demo", f.FriendlyName)
	sprint()
	readOnConns(t, s, 3)
	require.GreaterOrEqual(t, s.db.Stats().Idle, 3, "the idle limit was not restored")

	// A store whose writer never ran has no sprint connection to shrink.
	s2, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s2.Close()
	require.NoError(t, s2.ReleaseIdleMemory(ctx))
	require.Zero(t, s2.db.Stats().Idle)
}
