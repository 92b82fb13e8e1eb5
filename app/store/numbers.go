package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Number routes a phone number (or SIP user) to flows.
type Number struct {
	SID          string
	PhoneNumber  string
	FriendlyName string
	VoiceFlowSID string
	SMSFlowSID   string
	DateCreated  time.Time
	DateUpdated  time.Time
}

// ErrDuplicate is returned when a unique value is already taken.
var ErrDuplicate = errors.New("already exists")

const numberCols = `sid, phone_number, friendly_name, voice_flow_sid, sms_flow_sid, date_created, date_updated`

func scanNumber(row interface{ Scan(...any) error }) (*Number, error) {
	var n Number
	var dc, du string
	if err := row.Scan(&n.SID, &n.PhoneNumber, &n.FriendlyName, &n.VoiceFlowSID, &n.SMSFlowSID, &dc, &du); err != nil {
		return nil, err
	}
	var err error
	if n.DateCreated, err = time.Parse(time.RFC3339Nano, dc); err != nil {
		return nil, err
	}
	if n.DateUpdated, err = time.Parse(time.RFC3339Nano, du); err != nil {
		return nil, err
	}
	return &n, nil
}

// CreateNumber stores a number; a phone number already present fails with
// ErrDuplicate.
func (s *Store) CreateNumber(ctx context.Context, n Number) (*Number, error) {
	now := stamp(s.now())
	_, err := s.db.ExecContext(ctx, `INSERT INTO numbers (`+numberCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		n.SID, n.PhoneNumber, n.FriendlyName, n.VoiceFlowSID, n.SMSFlowSID, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("number %s: %w", n.PhoneNumber, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create number: %w", err)
	}
	return s.NumberBySID(ctx, n.SID)
}

// UpdateNumber replaces a number's name and flows.
func (s *Store) UpdateNumber(ctx context.Context, n Number) (*Number, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE numbers SET friendly_name = ?, voice_flow_sid = ?, sms_flow_sid = ?, date_updated = ?
		WHERE sid = ?`, n.FriendlyName, n.VoiceFlowSID, n.SMSFlowSID, stamp(s.now()), n.SID)
	if err != nil {
		return nil, fmt.Errorf("store: update number: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("number %s: %w", n.SID, ErrNotFound)
	}
	return s.NumberBySID(ctx, n.SID)
}

// NumberBySID returns a number by its SID.
func (s *Store) NumberBySID(ctx context.Context, sid string) (*Number, error) {
	n, err := scanNumber(s.db.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("number %s: %w", sid, ErrNotFound)
	}
	return n, err
}

// NumberFor returns the number record for a dialled number or SIP user.
func (s *Store) NumberFor(ctx context.Context, phoneNumber string) (*Number, error) {
	n, err := scanNumber(s.queryRow(ctx, `SELECT `+numberCols+` FROM numbers WHERE phone_number = ?`, phoneNumber))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("number %s: %w", phoneNumber, ErrNotFound)
	}
	return n, err
}

// Numbers lists numbers, newest first.
func (s *Store) Numbers(ctx context.Context, p Page) ([]Number, error) {
	q, args := keyset(`SELECT `+numberCols+` FROM numbers WHERE 1 = 1`, nil, "date_created", "sid", p)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list numbers: %w", err)
	}
	defer rows.Close()
	var out []Number
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, rows.Err()
}

// DeleteNumber removes a number.
func (s *Store) DeleteNumber(ctx context.Context, sid string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM numbers WHERE sid = ?`, sid)
	if err != nil {
		return err
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return fmt.Errorf("number %s: %w", sid, ErrNotFound)
	}
	return nil
}
