package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Gateway is a stored SMS gateway (see migrations/0011_sms.sql).
type Gateway struct {
	SID           string
	FriendlyName  string
	Kind          string
	Addresses     []string
	Settings      json.RawMessage // secrets included
	Enabled       bool
	RatePerMinute int
	DateCreated   time.Time
	DateUpdated   time.Time
}

const gatewayCols = `sid, friendly_name, kind, addresses, settings, enabled, rate_per_minute, date_created, date_updated`

func scanGateway(row scanner) (*Gateway, error) {
	var g Gateway
	var addrs, settings, dc, du string
	if err := row.Scan(&g.SID, &g.FriendlyName, &g.Kind, &addrs, &settings, &g.Enabled, &g.RatePerMinute, &dc, &du); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(addrs), &g.Addresses); err != nil {
		return nil, fmt.Errorf("gateway %s addresses: %w", g.SID, err)
	}
	g.Settings = json.RawMessage(settings)
	return &g, parseStamps(dc, du, &g.DateCreated, &g.DateUpdated)
}

func settingsText(s json.RawMessage) string {
	if len(s) == 0 {
		return "{}"
	}
	return string(s)
}

// CreateGateway stores a gateway; a name already taken fails with
// ErrDuplicate.
func (s *Store) CreateGateway(ctx context.Context, g Gateway) (*Gateway, error) {
	now := stamp(s.now())
	_, err := s.db.ExecContext(ctx, `INSERT INTO sms_gateways (`+gatewayCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.SID, g.FriendlyName, g.Kind, numbersJSON(g.Addresses), settingsText(g.Settings), g.Enabled, g.RatePerMinute, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("gateway %s: %w", g.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create gateway: %w", err)
	}
	return s.GatewayBySID(ctx, g.SID)
}

// UpdateGateway replaces a gateway's settings (its kind stays).
func (s *Store) UpdateGateway(ctx context.Context, g Gateway) (*Gateway, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sms_gateways SET friendly_name = ?, addresses = ?, settings = ?, enabled = ?,
		rate_per_minute = ?, date_updated = ? WHERE sid = ?`,
		g.FriendlyName, numbersJSON(g.Addresses), settingsText(g.Settings), g.Enabled, g.RatePerMinute, stamp(s.now()), g.SID)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("gateway %s: %w", g.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: update gateway: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("gateway %s: %w", g.SID, ErrNotFound)
	}
	return s.GatewayBySID(ctx, g.SID)
}

// GatewayBySID returns a gateway.
func (s *Store) GatewayBySID(ctx context.Context, sid string) (*Gateway, error) {
	g, err := scanGateway(s.db.QueryRowContext(ctx, `SELECT `+gatewayCols+` FROM sms_gateways WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("gateway %s: %w", sid, ErrNotFound)
	}
	return g, err
}

// Gateways lists every gateway, oldest first (there are few).
func (s *Store) Gateways(ctx context.Context) ([]Gateway, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+gatewayCols+` FROM sms_gateways ORDER BY date_created, sid`)
	return collect(rows, err, "list gateways", scanGateway)
}

// DeleteGateway removes a gateway. Its queued messages go back to routing
// (another gateway may own their address); its history keeps its SID.
func (s *Store) DeleteGateway(ctx context.Context, sid string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM sms_gateways WHERE sid = ?`, sid)
	if err != nil {
		return fmt.Errorf("store: delete gateway: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return fmt.Errorf("gateway %s: %w", sid, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sms_messages SET gateway_sid = '' WHERE gateway_sid = ? AND status = 'queued'`, sid); err != nil {
		return fmt.Errorf("store: delete gateway: %w", err)
	}
	return tx.Commit()
}
