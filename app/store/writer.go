package store

import (
	"context"
	"database/sql"
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
		if _, err := c.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
			c.Close()
			s.wmu.Unlock()
			return nil, nil, fmt.Errorf("store: sprint connection: %w", err)
		}
		s.wconn = c
	}
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		// A broken connection is replaced at the next sprint.
		if errors.Is(err, sql.ErrConnDone) {
			s.wconn.Close()
			s.wconn = nil
		}
		s.wmu.Unlock()
		return nil, nil, err
	}
	return tx, s.wmu.Unlock, nil
}

// closeWriter returns the sprint connection to the pool.
func (s *Store) closeWriter() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.wconn != nil {
		s.wconn.Close()
		s.wconn = nil
	}
}
