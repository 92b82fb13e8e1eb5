package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrDuplicateReceipt is returned by SaveSprint for a sprint whose webhook
// receipt is already stored: the webhook was delivered before, and the
// sprint is not written.
var ErrDuplicateReceipt = errors.New("webhook already received")

// Receipt is a webhook answered: its dedupe key and the answer. Status 0
// means the sprint the webhook caused committed and its answer was not
// written (yet, or ever: the process stopped in between).
type Receipt struct {
	Key         string
	FlowSID     string
	Status      int
	ContentType string
	Body        string
	Created     time.Time
}

// insertReceipt claims a receipt's key in a sprint's transaction.
func (s *Store) insertReceipt(ctx context.Context, tx *sql.Tx, r *Receipt) error {
	_, err := s.txExec(ctx, tx, `INSERT INTO webhook_receipts (key, flow_sid, status, content_type, body, date_created)
		VALUES (?, ?, 0, '', '', ?)`, r.Key, r.FlowSID, stamp(s.now()))
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("receipt %s: %w", r.Key, ErrDuplicateReceipt)
		}
		return fmt.Errorf("store: insert receipt: %w", err)
	}
	return nil
}

// FinishReceipt stores a webhook's answer: it fills in the receipt its
// sprint claimed, or creates the receipt of a webhook that caused no sprint.
// An answer already written is kept.
func (s *Store) FinishReceipt(ctx context.Context, r Receipt) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webhook_receipts (key, flow_sid, status, content_type, body, date_created)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET status = excluded.status, content_type = excluded.content_type, body = excluded.body
		WHERE webhook_receipts.status = 0`, r.Key, r.FlowSID, r.Status, r.ContentType, r.Body, stamp(s.now()))
	if err != nil {
		return fmt.Errorf("store: receipt %s: %w", r.Key, err)
	}
	return nil
}

// Receipt returns the receipt stored under key, or nil.
func (s *Store) Receipt(ctx context.Context, key string) (*Receipt, error) {
	r := Receipt{Key: key}
	var created string
	err := s.queryRow(ctx, `SELECT flow_sid, status, content_type, body, date_created FROM webhook_receipts WHERE key = ?`, key).
		Scan(&r.FlowSID, &r.Status, &r.ContentType, &r.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: receipt %s: %w", key, err)
	}
	if r.Created, err = time.Parse(ts, created); err != nil {
		return nil, fmt.Errorf("store: receipt %s: %w", key, err)
	}
	return &r, nil
}

// PurgeReceipts deletes up to limit receipts created before t and returns
// how many went.
func (s *Store) PurgeReceipts(ctx context.Context, t time.Time, limit int) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_receipts WHERE key IN
		(SELECT key FROM webhook_receipts WHERE date_created < ? ORDER BY date_created LIMIT ?)`, stamp(t), limit)
	if err != nil {
		return 0, fmt.Errorf("store: purge receipts: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
