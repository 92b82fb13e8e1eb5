// Package store keeps flows, revisions, test users, executions (with their
// context), steps, SMS gateways and messages (the outbox and inbox), the event outbox, wait timers, numbers, API
// keys and editor sessions (only their tokens' hashes) in an embedded SQLite
// database (modernc.org/sqlite, no cgo).
// Migrations are numbered SQL files embedded in the binary and applied in
// order at Open.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "switchboard.db"

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid input")
)

// Store is the appliance's database.
type Store struct {
	db  *sql.DB
	dir string // the data directory
	now func() time.Time

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // hot statements, prepared once

	wmu   sync.Mutex // held for a sprint transaction (sprintTx)
	wconn *sql.Conn  // the sprint connection, opened at the first sprint

	dmu      sync.Mutex
	onDelete []func(flowSID, executionSID string) // OnExecutionsDeleted
}

// OnExecutionsDeleted registers f to be told, after the commit, of every
// deletion of execution rows: DeleteExecution (the flow and the execution),
// DeleteFlow (the flow, executionSID "": all of its executions) and
// PurgeEnded (each execution, flowSID ""). A runner that keeps executions
// in memory drops its copies there. f must not block.
func (s *Store) OnExecutionsDeleted(f func(flowSID, executionSID string)) {
	s.dmu.Lock()
	s.onDelete = append(s.onDelete, f)
	s.dmu.Unlock()
}

// executionsDeleted tells the OnExecutionsDeleted functions.
func (s *Store) executionsDeleted(flowSID string, executionSIDs ...string) {
	s.dmu.Lock()
	fs := s.onDelete
	s.dmu.Unlock()
	for _, f := range fs {
		if len(executionSIDs) == 0 {
			f(flowSID, "")
		}
		for _, sid := range executionSIDs {
			f(flowSID, sid)
		}
	}
}

// Options tune OpenWith.
type Options struct {
	// Version is the binary's version, recorded with each migration it
	// applies so an older binary can say which one to install.
	Version string
	// BackupBeforeMigrate copies the store (VACUUM INTO) into the data
	// directory's backups/ before a migration changes an existing schema.
	BackupBeforeMigrate bool
	// NoMigrate opens the store as it is (backup, export): nothing is
	// applied and an existing file is required.
	NoMigrate bool

	upTo int // tests: apply migrations up to this version only (0: all)
}

// Open creates the data directory if needed, opens the database in it and
// applies pending migrations.
func Open(ctx context.Context, dir string) (*Store, error) { return OpenWith(ctx, dir, Options{}) }

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dir string, opts Options) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if opts.NoMigrate {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store: no store in %s: %w", dir, err)
		}
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	// synchronous=FULL: a commit is on disk (WAL fsynced) before SaveSprint
	// returns, so a sprint's side effects never outlive a power cut that
	// loses the sprint. Group commit (app/runner) pays one fsync per batch.
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Keep connections open: each new one pays for parsing the pragmas, and
	// WAL lets readers work beside the one writer.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, dir: dir, now: func() time.Time { return time.Now().UTC() }, stmts: map[string]*sql.Stmt{}}
	if opts.NoMigrate {
		return s, nil
	}
	if err := s.migrate(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeWriter()
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[string]*sql.Stmt{}
	s.mu.Unlock()
	return s.db.Close()
}

// prepared returns the statement for a query, preparing it the first time:
// parsing SQL is most of the cost of a small statement.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stmts[query]; st != nil {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// txExec runs a prepared statement inside a transaction.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// queryRow runs a prepared single-row query.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, query)
	if err != nil {
		// Let the caller see the error through Scan.
		return s.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SetClock replaces the clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// SchemaVersion returns the number of the last applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v)
	return int(v.Int64), err
}

// migrationFiles lists the embedded migrations in order with their numbers.
func migrationFiles() ([]string, []int, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	nums := make([]int, len(names))
	for i, name := range names {
		base := filepath.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, nil, fmt.Errorf("store: migration %s: name must start with a number", base)
		}
		nums[i] = n
	}
	return names, nums, nil
}

// KnownSchema is the newest schema version this binary can open.
func KnownSchema() int {
	_, nums, err := migrationFiles()
	if err != nil || len(nums) == 0 {
		return 0
	}
	return nums[len(nums)-1]
}

// ErrNewerSchema: the store was written by a newer binary. Nothing in it is
// changed; the error's text names the version to install.
var ErrNewerSchema = errors.New("store written by a newer Switchboard")

func (s *Store) migrate(ctx context.Context, opts Options) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	// Which binary applied each migration, so an older one can name the
	// version to install. Older binaries insert without it (default '').
	if err := s.ensureColumn(ctx, "schema_migrations", "app_version", "TEXT NOT NULL DEFAULT ''"); err != nil {
		return err
	}
	names, nums, err := migrationFiles()
	if err != nil {
		return err
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	known := 0
	if len(nums) > 0 {
		known = nums[len(nums)-1]
	}
	target := known
	if opts.upTo > 0 {
		target = opts.upTo
	}
	if current > known {
		var by string
		_ = s.db.QueryRowContext(ctx, "SELECT app_version FROM schema_migrations WHERE version = ?", current).Scan(&by)
		need := "a newer Switchboard"
		if by != "" {
			need = "Switchboard " + by + " or newer"
		}
		return fmt.Errorf("%w: %s holds schema version %d; this binary (%s) knows versions up to %d: install %s (the store was not changed)",
			ErrNewerSchema, filepath.Join(s.dir, FileName), current, cmpOr(opts.Version, "this build"), known, need)
	}
	if opts.BackupBeforeMigrate && current > 0 && current < target {
		if _, err := s.backupBeforeMigrate(ctx, current, target); err != nil {
			return fmt.Errorf("store: backup before migrating schema %d to %d (nothing was migrated): %w", current, target, err)
		}
	}
	for i, name := range names {
		base, n := filepath.Base(name), nums[i]
		if n <= current || n > target {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at, app_version) VALUES (?, ?, ?, ?)",
			n, base, s.now().Format(time.RFC3339), opts.Version); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
	}
	return nil
}

// ensureColumn adds a column to a table unless it is there.
func (s *Store) ensureColumn(ctx context.Context, table, column, decl string) error {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return fmt.Errorf("store: %s columns: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if name == column {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if _, err := s.db.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN "+column+" "+decl); err != nil {
		return fmt.Errorf("store: adding %s.%s: %w", table, column, err)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// collect scans every row of a query with scan; what names the query in
// its error. It closes rows.
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (*T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}
