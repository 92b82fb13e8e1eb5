package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in editor session, found by the hash of its token (the
// token itself is never stored).
type Session struct {
	AccountSID  string
	KeySID      string // set when the session was opened with an API key
	DateCreated time.Time
	Expires     time.Time
}

// CreateSession stores a session under the hash of its token, first purging
// the sessions that have expired.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, sess Session) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, stamp(now)); err != nil {
		return fmt.Errorf("store: purge sessions: %w", err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_sid, key_sid, date_created, expires)
		VALUES (?, ?, ?, ?, ?)`, tokenHash, sess.AccountSID, sess.KeySID, stamp(now), stamp(sess.Expires))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session returns the session stored under a token hash, or nil when there
// is none or it has expired.
func (s *Store) Session(ctx context.Context, tokenHash string) (*Session, error) {
	var sess Session
	var dc, ex string
	err := s.queryRow(ctx, `SELECT account_sid, key_sid, date_created, expires FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&sess.AccountSID, &sess.KeySID, &dc, &ex)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	sess.DateCreated, _ = time.Parse(ts, dc)
	sess.Expires, err = time.Parse(ts, ex)
	if err != nil || !s.now().Before(sess.Expires) {
		return nil, nil
	}
	return &sess, nil
}

// ExtendSession moves a session's expiry (sliding expiry).
func (s *Store) ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET expires = ? WHERE token_hash = ?`, stamp(expires), tokenHash); err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	return nil
}

// DeleteSession revokes a session; deleting one that is gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
