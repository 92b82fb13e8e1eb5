package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// EventRow is one event for one sink, written with the sprint that made it.
type EventRow struct {
	EventID string
	Sink    string // the sink URL
	Payload []byte // one CloudEvent, JSON
	// Created is when the event was made; the row is due at once.
	Created time.Time
}

// EventDelivery is a pending event row as the dispatcher sees it.
type EventDelivery struct {
	ID       int64
	EventID  string
	Payload  []byte
	Attempts int
	Created  time.Time
}

// Event row statuses.
const (
	EventPending = "pending"
	EventDone    = "done"
	EventFailed  = "failed"
)

// eventCols is the number of insert arguments per event row.
const eventCols = 5

// maxEventRowsPerInsert bounds one multi-row insert (and the number of
// distinct prepared statements) well below SQLite's variable limit.
const maxEventRowsPerInsert = 200

func appendEventArgs(args []any, rows []EventRow) []any {
	for _, e := range rows {
		t := stamp(e.Created)
		args = append(args, e.EventID, e.Sink, string(e.Payload), t, t)
	}
	return args
}

// insertEvents is the multi-row insert for n event rows.
func insertEvents(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO event_outbox (event_id, sink, payload, next_attempt, date_created, status) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, 'pending')")
	}
	return b.String()
}

// DueEvents returns up to limit pending events of a sink whose next attempt
// is due by now, oldest first.
func (s *Store) DueEvents(ctx context.Context, sink string, now time.Time, limit int) ([]EventDelivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, event_id, payload, attempts, date_created FROM event_outbox
		WHERE status = 'pending' AND sink = ? AND next_attempt <= ? ORDER BY id LIMIT ?`, sink, stamp(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due events: %w", err)
	}
	defer rows.Close()
	var out []EventDelivery
	for rows.Next() {
		var d EventDelivery
		var payload, created string
		if err := rows.Scan(&d.ID, &d.EventID, &payload, &d.Attempts, &created); err != nil {
			return nil, fmt.Errorf("store: due events: %w", err)
		}
		d.Payload = []byte(payload)
		if d.Created, err = time.Parse(ts, created); err != nil {
			return nil, fmt.Errorf("store: event %d date_created: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FinishEvents records one delivery attempt of event rows: status done or
// failed, or pending again (status EventPending) with the next attempt at
// next. Every row's attempts go up by one.
func (s *Store) FinishEvents(ctx context.Context, ids []int64, status string, next time.Time, errText string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{status, stamp(next), errText}
	for _, id := range ids {
		args = append(args, id)
	}
	q := `UPDATE event_outbox SET status = ?, attempts = attempts + 1, next_attempt = ?, last_error = ?
		WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: finish events: %w", err)
	}
	return nil
}

// AbandonEvents marks failed the pending rows of sinks that are no longer
// configured (keep lists the configured ones), so they do not wait forever.
func (s *Store) AbandonEvents(ctx context.Context, keep []string) (int, error) {
	q, args := `UPDATE event_outbox SET status = 'failed', last_error = 'sink no longer configured' WHERE status = 'pending'`, []any{}
	if len(keep) > 0 {
		q += ` AND sink NOT IN (?` + strings.Repeat(", ?", len(keep)-1) + `)`
		for _, k := range keep {
			args = append(args, k)
		}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: abandon events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PurgeEvents deletes up to limit delivered or failed event rows created
// before t and returns how many went. Callers loop while it returns limit.
func (s *Store) PurgeEvents(ctx context.Context, t time.Time, limit int) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM event_outbox WHERE id IN (
		SELECT id FROM event_outbox WHERE status IN ('done', 'failed') AND date_created < ? LIMIT ?)`,
		stamp(t), limit)
	if err != nil {
		return 0, fmt.Errorf("store: purge events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CountEvents counts event rows by status ("" for all).
func (s *Store) CountEvents(ctx context.Context, status string) (int, error) {
	q, args := `SELECT COUNT(*) FROM event_outbox`, []any{}
	if status != "" {
		q, args = q+` WHERE status = ?`, append(args, status)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count events: %w", err)
	}
	return n, nil
}
