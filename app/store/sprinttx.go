package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SprintTx is an open sprint transaction that a group committer keeps
// adding sprints to while it writes them, and commits once no more are
// waiting: sprints that arrive while the one writer is busy writing join
// the transaction under way instead of waiting for the next commit, so one
// fsync covers more of them. A sprint that fails (an active-execution
// conflict, a duplicate receipt) is undone alone and the others stay.
type SprintTx struct {
	s       *Store
	tx      *sql.Tx
	release func()
	kept    []SprintRecord // sprints added and kept, for a replay (restart)
	broken  error          // a sprint could not be undone: the whole transaction is lost
}

// BeginSprints opens a sprint transaction on the store's sprint
// connection; the caller must Commit or Rollback it.
func (s *Store) BeginSprints(ctx context.Context) (*SprintTx, error) {
	tx, release, err := s.sprintTx(ctx)
	if err != nil {
		return nil, err
	}
	return &SprintTx{s: s, tx: tx, release: release}, nil
}

// Len is the number of sprints added and kept.
func (t *SprintTx) Len() int { return len(t.kept) }

// Add writes sprints into the transaction and returns each one's error
// (nil for those kept). They are written together (writeSprints), their
// steps and messages in shared multi-row inserts; a sprint refused by its
// receipt or its execution row leaves nothing and gets its error. Should
// anything else fail, part of a sprint may be in the transaction: it is
// rolled back and begun again with the sprints kept before, and these are
// tried one by one, each in a savepoint, so that each caller learns its
// own outcome.
func (t *SprintTx) Add(ctx context.Context, recs []SprintRecord) []error {
	errs := make([]error, len(recs))
	if t.broken != nil {
		for i := range errs {
			errs[i] = t.broken
		}
		return errs
	}
	errs, fatal := t.s.writeSprints(ctx, t.tx, recs, true)
	if fatal == nil {
		for i := range recs {
			if errs[i] == nil {
				t.kept = append(t.kept, recs[i])
			}
		}
		return errs
	}
	if err := t.restart(ctx); err != nil {
		t.broken = fmt.Errorf("store: sprint transaction lost: %w (after: %v)", err, fatal)
	}
	for i := range recs {
		if t.broken != nil {
			errs[i] = t.broken
			continue
		}
		if errs[i] = t.savepoint(ctx, recs[i:i+1]); errs[i] == nil {
			t.kept = append(t.kept, recs[i])
		}
	}
	return errs
}

// restart rolls the transaction back and begins it again with the sprints
// kept so far.
func (t *SprintTx) restart(ctx context.Context) error {
	_ = t.tx.Rollback()
	tx, err := t.s.wconn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin again: %w", err)
	}
	t.tx = tx
	errs, err := t.s.writeSprints(ctx, tx, t.kept, true)
	if err != nil {
		return fmt.Errorf("write the sprints kept again: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("write the sprints kept again: %w", err)
		}
	}
	return nil
}

// savepoint writes recs inside a savepoint, undone when they fail.
func (t *SprintTx) savepoint(ctx context.Context, recs []SprintRecord) error {
	if _, err := t.s.txExec(ctx, t.tx, `SAVEPOINT sprint`); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	err := t.s.saveSprints(ctx, t.tx, recs, false)
	if err != nil {
		// SQLite undoes a whole transaction on some errors (a full disk,
		// I/O); then the savepoint is gone too and nothing may commit.
		if _, rerr := t.s.txExec(ctx, t.tx, `ROLLBACK TO sprint`); rerr != nil {
			t.broken = fmt.Errorf("store: sprint transaction lost: %w (undoing a sprint: %v)", err, rerr)
			return t.broken
		}
	}
	if _, rerr := t.s.txExec(ctx, t.tx, `RELEASE sprint`); rerr != nil {
		t.broken = fmt.Errorf("store: sprint transaction lost: release savepoint: %w", rerr)
		return t.broken
	}
	return err
}

// Commit makes the kept sprints durable (synchronous=FULL: the WAL is
// fsynced before it returns) and gives the sprint connection back.
func (t *SprintTx) Commit() error {
	defer t.release()
	if t.broken != nil {
		_ = t.tx.Rollback()
		return t.broken
	}
	return t.tx.Commit()
}

// Rollback drops the transaction and gives the sprint connection back.
func (t *SprintTx) Rollback() {
	defer t.release()
	_ = t.tx.Rollback()
}
