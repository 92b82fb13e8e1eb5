package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func sprintFor(sid string) SprintRecord {
	now := time.Now().UTC()
	x := &engine.Execution{SID: sid, FlowSID: "FW1", FlowRevision: 1, Status: engine.StatusActive, Contact: "+1" + sid,
		CreatedAt: now, UpdatedAt: now}
	return SprintRecord{Execution: x, New: true, SessionKey: x.Contact}
}

// A backup taken while executions are being written holds every execution
// acknowledged before it began, passes the integrity check, and the
// writers never see an error.
func TestBackupUnderWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()

	var acked sync.Map // SIDs whose SaveSprint returned
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr atomic.Value
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sid := fmt.Sprintf("FN%d_%06d", w, i)
				if err := s.SaveSprint(ctx, sprintFor(sid)); err != nil {
					werr.Store(err)
					return
				}
				acked.Store(sid, true)
				n.Add(1)
			}
		}()
	}
	for n.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	var before []string
	acked.Range(func(k, _ any) bool { before = append(before, k.(string)); return true })
	dest := filepath.Join(t.TempDir(), "b.db")
	info, err := s.Backup(ctx, dest)
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	require.Nil(t, werr.Load(), "a writer failed during the backup")
	require.Equal(t, dest, info.Path)
	require.GreaterOrEqual(t, info.Executions, len(before))
	require.Less(t, info.Executions, int(n.Load())+1)
	v, _ := s.SchemaVersion(ctx)
	require.Equal(t, v, info.SchemaVersion)

	// Every execution acknowledged before the backup began is in it.
	b, err := OpenWith(ctx, filepath.Dir(dest), Options{NoMigrate: true})
	require.Error(t, err, "the backup is not named switchboard.db")
	_ = b
	rdir := t.TempDir()
	_, _, err = Restore(ctx, dest, rdir)
	require.NoError(t, err)
	r, err := Open(ctx, rdir)
	require.NoError(t, err)
	defer r.Close()
	for _, sid := range before {
		_, err := r.Execution(ctx, sid)
		require.NoError(t, err, "execution %s acknowledged before the backup is missing", sid)
	}

	// A backup never overwrites.
	_, err = s.Backup(ctx, dest)
	require.ErrorIs(t, err, ErrBackupExists)
}

func TestInspectRejectsWhatIsNotAStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte("hello, not a database at all"), 0o644))
	_, err := Inspect(ctx, junk)
	require.ErrorContains(t, err, "not an SQLite database")

	// A store with a page overwritten fails the integrity check.
	sdir := t.TempDir()
	s, err := Open(ctx, sdir)
	require.NoError(t, err)
	for i := range 300 {
		require.NoError(t, s.SaveSprint(ctx, sprintFor(fmt.Sprintf("FN%04d", i))))
	}
	good := filepath.Join(dir, "good.db")
	_, err = s.Backup(ctx, good)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	pageSize := int(raw[16])<<8 | int(raw[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	require.Greater(t, len(raw), 6*pageSize)
	for i := 3 * pageSize; i < 4*pageSize; i++ {
		raw[i] = 0x5a
	}
	bad := filepath.Join(dir, "bad.db")
	require.NoError(t, os.WriteFile(bad, raw, 0o644))
	_, err = Inspect(ctx, bad)
	require.Error(t, err)
	rdir := t.TempDir()
	_, _, err = Restore(ctx, bad, rdir)
	require.Error(t, err, "a damaged file is never restored")
	_, err = os.Stat(filepath.Join(rdir, FileName))
	require.True(t, errors.Is(err, os.ErrNotExist), "nothing was put in place")
}

// Restore refuses while the data directory is locked by a running
// appliance, and keeps the store it replaces.
func TestRestoreRefusesARunningApplianceAndKeepsTheOldStore(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	s, err := Open(ctx, src)
	require.NoError(t, err)
	require.NoError(t, s.SaveSprint(ctx, sprintFor("FNfrombackup")))
	backup := filepath.Join(t.TempDir(), "b.db")
	_, err = s.Backup(ctx, backup)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	live := t.TempDir()
	l, err := Open(ctx, live)
	require.NoError(t, err)
	require.NoError(t, l.SaveSprint(ctx, sprintFor("FNlive")))
	unlock, err := LockDir(live)
	require.NoError(t, err)
	_, _, err = Restore(ctx, backup, live)
	require.ErrorIs(t, err, ErrRunning)
	require.ErrorContains(t, err, fmt.Sprintf("pid %d", os.Getpid()))
	require.NoError(t, unlock())
	require.NoError(t, l.Close())

	info, kept, err := Restore(ctx, backup, live)
	require.NoError(t, err)
	require.Equal(t, 1, info.Executions)
	require.NotEmpty(t, kept)
	r, err := Open(ctx, live)
	require.NoError(t, err)
	_, err = r.Execution(ctx, "FNfrombackup")
	require.NoError(t, err)
	_, err = r.Execution(ctx, "FNlive")
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, r.Close())

	// The replaced store (with its WAL) still opens and holds its data.
	kdir := t.TempDir()
	for _, suf := range []string{"", "-wal"} {
		if b, err := os.ReadFile(kept + suf); err == nil {
			require.NoError(t, os.WriteFile(filepath.Join(kdir, FileName+suf), b, 0o640))
		}
	}
	k, err := Open(ctx, kdir)
	require.NoError(t, err)
	defer k.Close()
	_, err = k.Execution(ctx, "FNlive")
	require.NoError(t, err, "the replaced store lost its data")
}

// A store written by a newer binary is refused untouched, naming the
// version to install; a store one migration behind is backed up before it
// is migrated.
func TestSchemaVersionGuards(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenWith(ctx, dir, Options{Version: "v1.0.0"})
	require.NoError(t, err)
	known := KnownSchema()
	_, err = s.db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at, app_version) VALUES (?, 'future.sql', 'x', 'v9.9.9')", known+1)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	before, err := os.ReadFile(filepath.Join(dir, FileName))
	require.NoError(t, err)
	_, err = OpenWith(ctx, dir, Options{Version: "v1.0.0", BackupBeforeMigrate: true})
	require.ErrorIs(t, err, ErrNewerSchema)
	require.ErrorContains(t, err, "install Switchboard v9.9.9 or newer")
	require.ErrorContains(t, err, fmt.Sprintf("schema version %d", known+1))
	after, err := os.ReadFile(filepath.Join(dir, FileName))
	require.NoError(t, err)
	require.Equal(t, before, after, "the refused store was changed")

	// One migration behind: reopening backs it up first, then migrates.
	dir2 := t.TempDir()
	s2, err := Open(ctx, dir2)
	require.NoError(t, err)
	require.NoError(t, s2.SaveSprint(ctx, sprintFor("FNold")))
	last := known
	_, err = s2.db.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = ?", last)
	require.NoError(t, err)
	require.NoError(t, s2.Close())
	// Undo the last migration's effect enough for it to apply again is not
	// possible in general; instead check the backup is taken and named,
	// by opening with the migration re-applied to a scratch copy.
	files, _ := filepath.Glob(filepath.Join(dir2, BackupDir, "*"))
	require.Empty(t, files)
	_, err = OpenWith(ctx, dir2, Options{BackupBeforeMigrate: true})
	files, _ = filepath.Glob(filepath.Join(dir2, BackupDir, preMigratePrefix+"*.db"))
	require.Len(t, files, 1, "a backup before migrating (migrate result: %v)", err)
	info, err := Inspect(ctx, files[0])
	require.NoError(t, err)
	require.Equal(t, last-1, info.SchemaVersion)
	require.Equal(t, 1, info.Executions)
}

func TestPruneBackupsKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"auto-20260101.db", "auto-20260103.db", "auto-20260102.db", "auto-20260104.db", "other.db", "auto-x.txt"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	removed, err := PruneBackups(dir, "auto-", 2)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{filepath.Join(dir, "auto-20260101.db"), filepath.Join(dir, "auto-20260102.db")}, removed)
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	require.Len(t, left, 4)
}
