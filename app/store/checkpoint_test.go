package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Sprint commits do not checkpoint on the writer; the background
// checkpointer and the writer's bounded checkpoint keep the WAL from
// growing without end under writes that never pause.
func TestWALStaysBoundedUnderSteadySprints(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~100 MB of WAL frames")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	big := strings.Repeat("x", 8000) // two pages and more per sprint
	var pageSize int
	require.NoError(t, s.db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize))
	wal := filepath.Join(dir, FileName+"-wal")
	maxSize := int64(0)
	for i := range 400 {
		tx, err := s.BeginSprints(ctx)
		require.NoError(t, err)
		var recs []SprintRecord
		for j := range 20 {
			rec := sprintFor(fmt.Sprintf("FN%05d-%02d", i, j))
			rec.Execution.Channel = big
			recs = append(recs, rec)
		}
		for _, err := range tx.Add(ctx, recs) {
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit())
		if fi, err := os.Stat(wal); err == nil && fi.Size() > maxSize {
			maxSize = fi.Size()
		}
	}
	// 400 commits of 20 sprints wrote far more than the bound; the log
	// restarted on the way.
	require.Less(t, maxSize, int64(3*walLimit*(pageSize+24)), "WAL %d bytes", maxSize)
}
