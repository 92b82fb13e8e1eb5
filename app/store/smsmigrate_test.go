package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMigrationMovesQueuedMessages: a store from before the SMS queue
// (schema 10) with messages the flows queued in the old outbox keeps them:
// after the upgrade they are queued messages, and nothing else moved.
func TestMigrationMovesQueuedMessages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	require.NoError(t, err)
	names, err := fs.Glob(migrations, "migrations/*.sql")
	require.NoError(t, err)
	sort.Strings(names)
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		require.NoError(t, err)
		if n > 10 {
			break
		}
		body, err := migrations.ReadFile(name)
		require.NoError(t, err)
		_, err = db.Exec(string(body))
		require.NoError(t, err, name)
		_, err = db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, n, filepath.Base(name), time.Now().Format(time.RFC3339))
		require.NoError(t, err)
	}
	due := stamp(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	for _, row := range []struct{ id, status, payload string }{
		{"SM00000000000000000000000000000001", "pending", `{"sid":"SM00000000000000000000000000000001","from":"+15550002222","to":"+15550001111","body":"Still there? ✓"}`},
		{"SM00000000000000000000000000000002", "done", `{"sid":"SM00000000000000000000000000000002","from":"+15550002222","to":"+15550001111","body":"went as a reply"}`},
	} {
		_, err = db.Exec(`INSERT INTO outbox (id, execution_sid, kind, payload, status, due, date_created) VALUES (?, ?, 'message', ?, ?, ?, ?)`,
			row.id, "FN00000000000000000000000000000001", row.payload, row.status, due, due)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	st, err := Open(ctx, dir)
	require.NoError(t, err)
	defer st.Close()
	ms, err := st.ListMessages(ctx, MessageFilter{}, Page{})
	require.NoError(t, err)
	require.Len(t, ms, 1, "the pending message moved; the one already answered did not")
	m := ms[0]
	require.Equal(t, "SM00000000000000000000000000000001", m.SID)
	require.Equal(t, MessageQueued, m.Status)
	require.Equal(t, "FN00000000000000000000000000000001", m.ExecutionSID)
	require.Equal(t, "+15550002222", m.From)
	require.Equal(t, "+15550001111", m.To)
	require.Equal(t, "Still there? ✓", m.Body)
	require.True(t, m.Handled)
	require.Equal(t, MessageQueued, m.Notified)
	var tables int
	require.NoError(t, st.db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox'`).Scan(&tables))
	require.Zero(t, tables)
}
