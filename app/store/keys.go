package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIKey is an API key without its secret.
type APIKey struct {
	SID          string
	FriendlyName string
	DateCreated  time.Time
	DateUpdated  time.Time
}

// CreateAPIKey stores a key with the hash of its secret.
func (s *Store) CreateAPIKey(ctx context.Context, keySID, friendlyName, secretHash string) (*APIKey, error) {
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (sid, friendly_name, secret_hash, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?)`, keySID, friendlyName, secretHash, stamp(now), stamp(now))
	if err != nil {
		return nil, fmt.Errorf("store: create api key: %w", err)
	}
	return &APIKey{SID: keySID, FriendlyName: friendlyName, DateCreated: now, DateUpdated: now}, nil
}

// KeySecretHash returns a key's secret hash, or "" when there is no such key.
func (s *Store) KeySecretHash(ctx context.Context, keySID string) (string, error) {
	var h string
	err := s.queryRow(ctx, `SELECT secret_hash FROM api_keys WHERE sid = ?`, keySID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, err
}

// APIKeys lists the keys, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sid, friendly_name, date_created, date_updated FROM api_keys ORDER BY date_created DESC, sid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var dc, du string
		if err := rows.Scan(&k.SID, &k.FriendlyName, &dc, &du); err != nil {
			return nil, err
		}
		k.DateCreated, _ = time.Parse(ts, dc)
		k.DateUpdated, _ = time.Parse(ts, du)
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteAPIKey revokes a key.
func (s *Store) DeleteAPIKey(ctx context.Context, keySID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_keys WHERE sid = ?`, keySID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("key %s: %w", keySID, ErrNotFound)
	}
	return nil
}

// RenameAPIKey changes a key's friendly name.
func (s *Store) RenameAPIKey(ctx context.Context, keySID, friendlyName string) (*APIKey, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE api_keys SET friendly_name = ?, date_updated = ? WHERE sid = ?`,
		friendlyName, stamp(now), keySID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("key %s: %w", keySID, ErrNotFound)
	}
	keys, err := s.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].SID == keySID {
			return &keys[i], nil
		}
	}
	return nil, fmt.Errorf("key %s: %w", keySID, ErrNotFound)
}
