package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Queue is a local call queue's settings (migrations/0013_queues.sql).
// Its callers live in memory (app/voice).
type Queue struct {
	SID              string
	FriendlyName     string
	MaxSize          int
	HoldMusic        string // "tone" or a media file name
	AnnouncePosition bool
	Agents           []string // desk-phone SIP usernames
	DateCreated      time.Time
	DateUpdated      time.Time
}

// DefaultQueueSize is Twilio's default (and maximum) max_size.
const DefaultQueueSize = 100

const queueCols = `sid, friendly_name, max_size, hold_music, announce_position, agents, date_created, date_updated`

func scanQueue(row scanner) (*Queue, error) {
	var q Queue
	var agents, dc, du string
	if err := row.Scan(&q.SID, &q.FriendlyName, &q.MaxSize, &q.HoldMusic, &q.AnnouncePosition, &agents, &dc, &du); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(agents), &q.Agents); err != nil {
		return nil, fmt.Errorf("queue %s agents: %w", q.SID, err)
	}
	return &q, parseStamps(dc, du, &q.DateCreated, &q.DateUpdated)
}

// CreateQueue stores a queue; a name already taken fails with ErrDuplicate.
func (s *Store) CreateQueue(ctx context.Context, q Queue) (*Queue, error) {
	now := stamp(s.now())
	if q.MaxSize <= 0 {
		q.MaxSize = DefaultQueueSize
	}
	if q.HoldMusic == "" {
		q.HoldMusic = "tone"
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO queues (`+queueCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		q.SID, q.FriendlyName, q.MaxSize, q.HoldMusic, q.AnnouncePosition, numbersJSON(q.Agents), now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("queue %s: %w", q.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create queue: %w", err)
	}
	return s.Queue(ctx, q.SID)
}

// UpdateQueue replaces a queue's settings.
func (s *Store) UpdateQueue(ctx context.Context, q Queue) (*Queue, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE queues SET friendly_name = ?, max_size = ?, hold_music = ?, announce_position = ?,
		agents = ?, date_updated = ? WHERE sid = ?`,
		q.FriendlyName, q.MaxSize, q.HoldMusic, q.AnnouncePosition, numbersJSON(q.Agents), stamp(s.now()), q.SID)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("queue %s: %w", q.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: update queue: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("queue %s: %w", q.SID, ErrNotFound)
	}
	return s.Queue(ctx, q.SID)
}

// Queue returns a queue by SID.
func (s *Store) Queue(ctx context.Context, sid string) (*Queue, error) {
	q, err := scanQueue(s.db.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("queue %s: %w", sid, ErrNotFound)
	}
	return q, err
}

// QueueByName returns the queue an enqueue-call widget names.
func (s *Store) QueueByName(ctx context.Context, name string) (*Queue, error) {
	q, err := scanQueue(s.db.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE friendly_name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("queue %q: %w", name, ErrNotFound)
	}
	return q, err
}

// Queues lists every queue, oldest first (there are few).
func (s *Store) Queues(ctx context.Context) ([]Queue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueCols+` FROM queues ORDER BY date_created, sid`)
	return collect(rows, err, "list queues", scanQueue)
}

// DeleteQueue removes a queue.
func (s *Store) DeleteQueue(ctx context.Context, sid string) error {
	return s.deleteBySID(ctx, "queues", "queue", sid)
}
