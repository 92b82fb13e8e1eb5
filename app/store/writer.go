package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// sprintTx begins a sprint's write transaction on the store's sprint
// connection, one connection kept for sprint writes alone. SQLite keeps a
// page cache per connection and drops it whenever another connection has
// committed since; sprints spread over the pool found their cache cold
// after nearly every commit and re-read the pages they were about to change.
// On one connection the pages the last commit wrote stay warm. The caller
// holds the returned release until the transaction is done.
func (s *Store) sprintTx(ctx context.Context) (*sql.Tx, func(), error) {
	s.wmu.Lock()
	if s.wconn == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			s.wmu.Unlock()
			return nil, nil, fmt.Errorf("store: sprint connection: %w", err)
		}
		// Savepoints (SprintTx) keep the pages they may have to undo in
		// memory rather than in a temporary file.
		//
		// Foreign keys are not checked on this connection (sprintFKs):
		// the only one a sprint's rows have is a step's execution, and
		// writeSprints writes a sprint's steps only after its execution
		// row was inserted or updated in the same transaction. The check
		// was a lookup of the execution per step, and it made every
		// multi-row insert keep a statement journal, on the one writer's
		// time. Deletes, which cascade, run on the pool's connections.
		if _, err := c.ExecContext(ctx, `PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF`); err != nil {
			dropConn(c)
			s.wmu.Unlock()
			return nil, nil, fmt.Errorf("store: sprint connection: %w", err)
		}
		s.wconn = c
	}
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		// A broken connection is replaced at the next sprint.
		if errors.Is(err, sql.ErrConnDone) {
			dropConn(s.wconn)
			s.wconn = nil
		}
		s.wmu.Unlock()
		return nil, nil, err
	}
	return tx, s.wmu.Unlock, nil
}

// closeWriter returns the sprint connection to the pool with foreign
// keys checked again, as every pool connection has them; one whose
// setting cannot be restored is closed instead.
func (s *Store) closeWriter() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wconn == nil {
		return
	}
	if _, err := s.wconn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
		dropConn(s.wconn)
	} else {
		s.wconn.Close()
	}
	s.wconn = nil
}

// dropConn closes a connection's driver connection instead of returning
// it to the pool (a connection with the sprint connection's settings must
// not serve other queries).
func dropConn(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	c.Close()
}
