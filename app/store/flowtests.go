package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrExists is wrapped when a row with the same key is already there.
var ErrExists = errors.New("already exists")

// FlowTest is a flow test kept with its flow: one test in the
// schema/flowtest.json format (Test holds its JSON).
type FlowTest struct {
	FlowSID     string
	Name        string
	Test        json.RawMessage
	DateCreated time.Time
	DateUpdated time.Time
}

// SaveFlowTest stores a test under its name. With replace false a name
// already taken is refused with ErrExists; with replace true it is
// overwritten (its creation date kept). The flow must exist (ErrNotFound).
func (s *Store) SaveFlowTest(ctx context.Context, flowSID, name string, test json.RawMessage, replace bool) (*FlowTest, error) {
	now := stamp(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: save flow test: %w", err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM flows WHERE sid = ?`, flowSID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("flow %s: %w", flowSID, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("store: save flow test: %w", err)
	}
	q := `INSERT INTO flow_tests (flow_sid, name, test, date_created, date_updated) VALUES (?, ?, ?, ?, ?)`
	if replace {
		q += ` ON CONFLICT (flow_sid, name) DO UPDATE SET test = excluded.test, date_updated = excluded.date_updated`
	} else {
		q += ` ON CONFLICT (flow_sid, name) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, q, flowSID, name, string(test), now, now)
	if err != nil {
		return nil, fmt.Errorf("store: save flow test: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("flow test %q: %w", name, ErrExists)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: save flow test: %w", err)
	}
	return s.FlowTest(ctx, flowSID, name)
}

// FlowTest returns one test of a flow.
func (s *Store) FlowTest(ctx context.Context, flowSID, name string) (*FlowTest, error) {
	rows, err := s.flowTests(ctx, `WHERE flow_sid = ? AND name = ?`, flowSID, name)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("flow test %q: %w", name, ErrNotFound)
	}
	return rows[0], nil
}

// FlowTests returns a flow's tests in the order they were made.
func (s *Store) FlowTests(ctx context.Context, flowSID string) ([]*FlowTest, error) {
	return s.flowTests(ctx, `WHERE flow_sid = ? ORDER BY date_created, name`, flowSID)
}

// DeleteFlowTest removes one test (ErrNotFound when there is none).
func (s *Store) DeleteFlowTest(ctx context.Context, flowSID, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM flow_tests WHERE flow_sid = ? AND name = ?`, flowSID, name)
	if err != nil {
		return fmt.Errorf("store: delete flow test: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("flow test %q: %w", name, ErrNotFound)
	}
	return nil
}

func (s *Store) flowTests(ctx context.Context, where string, args ...any) ([]*FlowTest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT flow_sid, name, test, date_created, date_updated FROM flow_tests `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: flow tests: %w", err)
	}
	defer rows.Close()
	var out []*FlowTest
	for rows.Next() {
		var (
			t      FlowTest
			body   string
			dc, du string
		)
		if err := rows.Scan(&t.FlowSID, &t.Name, &body, &dc, &du); err != nil {
			return nil, fmt.Errorf("store: flow tests: %w", err)
		}
		t.Test = json.RawMessage(body)
		if t.DateCreated, err = time.Parse(time.RFC3339Nano, dc); err != nil {
			return nil, fmt.Errorf("store: flow test %q: %w", t.Name, err)
		}
		if t.DateUpdated, err = time.Parse(time.RFC3339Nano, du); err != nil {
			return nil, fmt.Errorf("store: flow test %q: %w", t.Name, err)
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}
