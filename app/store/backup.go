package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Backups. A backup is a single SQLite file made with VACUUM INTO: one read
// transaction, so it is a consistent snapshot of the moment it began while
// calls, executions and messages go on writing (WAL lets readers and the
// writer work side by side). The copy is written under a temporary name,
// checked (PRAGMA integrity_check), synced and only then renamed into
// place, so a half-written backup never carries the final name.

// BackupDir is the data directory's folder for automatic backups (before a
// migration, and scheduled ones).
const BackupDir = "backups"

// FileInfo describes a store file (a backup, or a store to restore).
type FileInfo struct {
	Path          string
	Bytes         int64
	SchemaVersion int
	WrittenBy     string // the binary version that applied the last migration, if recorded
	Flows         int
	Executions    int
}

// ErrBackupExists: the destination is taken; a backup never overwrites.
var ErrBackupExists = errors.New("backup file exists")

// Backup writes a consistent copy of the store to dest, which must not
// exist. The copy is checked before it gets its name.
func (s *Store) Backup(ctx context.Context, dest string) (*FileInfo, error) {
	if _, err := os.Lstat(dest); err == nil {
		return nil, fmt.Errorf("store: %w: %s", ErrBackupExists, dest)
	}
	dir := filepath.Dir(dest)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	os.Remove(tmpPath) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmpPath)
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmpPath); err != nil {
		return nil, fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	info, err := Inspect(ctx, tmpPath)
	if err != nil {
		return nil, fmt.Errorf("store: the backup copy failed its check: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	// Link rather than rename: fails if dest appeared meanwhile.
	if err := os.Link(tmpPath, dest); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("store: %w: %s", ErrBackupExists, dest)
		}
		if err := os.Rename(tmpPath, dest); err != nil { // filesystems without hard links
			return nil, fmt.Errorf("store: backup: %w", err)
		}
	}
	_ = syncDir(dir)
	info.Path = dest
	return info, nil
}

// Inspect opens a store file read-only, checks its integrity and reads its
// schema version and counts. It never changes the file.
func Inspect(ctx context.Context, path string) (*FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("store: %s is not a regular file", path)
	}
	head := make([]byte, 16)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "SQLite format 3\x00" {
		return nil, fmt.Errorf("store: %s is not an SQLite database", path)
	}
	// immutable: nobody writes the file while we read it, so SQLite takes no
	// locks and needs no -shm beside it.
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro&immutable=1"))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var problems []string
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, fmt.Errorf("store: %s: integrity check: %w", path, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %s: integrity check: %w", path, err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if len(problems) > 0 {
		return nil, fmt.Errorf("store: %s fails SQLite's integrity check: %s", path, strings.Join(problems, "; "))
	}
	info := &FileInfo{Path: path, Bytes: st.Size()}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return nil, fmt.Errorf("store: %s is not a Switchboard store (no schema_migrations): %w", path, err)
	}
	info.SchemaVersion = int(v.Int64)
	_ = db.QueryRowContext(ctx, "SELECT app_version FROM schema_migrations WHERE version = ?", info.SchemaVersion).Scan(&info.WrittenBy)
	_ = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM flows").Scan(&info.Flows)
	_ = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM executions").Scan(&info.Executions)
	return info, nil
}

// backupBeforeMigrate copies the store into backups/ before a migration
// from schema from to schema to, and keeps the newest few such copies.
func (s *Store) backupBeforeMigrate(ctx context.Context, from, to int) (*FileInfo, error) {
	dir := filepath.Join(s.dir, BackupDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s%d-to-%d-%s.db", preMigratePrefix, from, to, s.now().Format("20060102T150405Z"))
	info, err := s.Backup(ctx, filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	_, _ = PruneBackups(dir, preMigratePrefix, keepPreMigrate)
	return info, nil
}

const (
	preMigratePrefix = "before-migration-schema"
	keepPreMigrate   = 5
)

// PruneBackups removes the oldest files in dir whose names start with
// prefix and end in .db, keeping the newest keep (names sort by time).
func PruneBackups(dir, prefix string, keep int) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".db") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var removed []string
	for len(names) > max(keep, 0) {
		p := filepath.Join(dir, names[0])
		if err := os.Remove(p); err != nil {
			return removed, err
		}
		removed = append(removed, p)
		names = names[1:]
	}
	return removed, nil
}

// ErrRunning: the data directory belongs to a running appliance.
var ErrRunning = errors.New("an appliance is running on this data directory")

// Restore puts the store file src in place as dir's store. The appliance
// must not be running there (the data directory's lock is taken for the
// whole restore). src is checked first (integrity, a schema this binary
// knows); the store it replaces is kept beside it, renamed, never deleted.
// It returns what was restored and where the old store went ("" if none).
func Restore(ctx context.Context, src, dir string) (*FileInfo, string, error) {
	info, err := Inspect(ctx, src)
	if err != nil {
		return nil, "", err
	}
	if known := KnownSchema(); info.SchemaVersion > known {
		by := "a newer Switchboard"
		if info.WrittenBy != "" {
			by = "Switchboard " + info.WrittenBy + " or newer"
		}
		return nil, "", fmt.Errorf("store: %w: %s holds schema version %d and this binary knows up to %d: restore it with %s",
			ErrNewerSchema, src, info.SchemaVersion, known, by)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, "", err
	}
	unlock, err := LockDir(dir)
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	path := filepath.Join(dir, FileName)
	tmp := path + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return nil, "", fmt.Errorf("store: restore: %w", err)
	}
	kept := ""
	if _, err := os.Stat(path); err == nil {
		kept = fmt.Sprintf("%s.replaced-%s", path, time.Now().UTC().Format("20060102T150405Z"))
		// The -wal holds committed transactions not yet in the main file:
		// it moves with it, so the kept store opens complete.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(path+suffix, kept+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				os.Remove(tmp)
				return nil, "", fmt.Errorf("store: keeping the old store: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, kept, fmt.Errorf("store: restore: %w", err)
	}
	_ = syncDir(dir)
	info.Path = path
	return info, kept, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
