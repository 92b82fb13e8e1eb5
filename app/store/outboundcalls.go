package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Outbound call statuses (Twilio's CallStatus words, plus dialing for a
// row a dialer holds).
const (
	CallQueued     = "queued"
	CallDialing    = "dialing"
	CallInProgress = "in-progress"
	CallBusy       = "busy"
	CallNoAnswer   = "no-answer"
	CallFailed     = "failed"
	CallCanceled   = "canceled"
)

// OutboundCall is a call a flow placed (see migrations/0012_outbound_calls.sql).
type OutboundCall struct {
	SID          string
	ExecutionSID string
	FlowSID      string
	Widget       string
	From         string
	To           string
	Timeout      int // ring seconds
	Record       bool
	// MachineDetection is "", Enable or DetectMessageEnd;
	// MachineDetectionTimeout is in seconds.
	MachineDetection        string
	MachineDetectionTimeout int
	SendDigits              string
	Status                  string
	AnsweredBy              string
	SIPCallID               string
	ErrorMessage            string
	LeaseUntil              time.Time
	Resumed                 bool
	DateCreated             time.Time
	DateUpdated             time.Time
}

const callCols = `sid, execution_sid, flow_sid, widget, from_address, to_address, timeout, record, machine_detection,
	machine_detection_timeout, send_digits, status, answered_by, sip_call_id, error_message, lease_until, resumed,
	date_created, date_updated`

func scanCall(row scanner) (*OutboundCall, error) {
	var c OutboundCall
	var lease, dc, du string
	if err := row.Scan(&c.SID, &c.ExecutionSID, &c.FlowSID, &c.Widget, &c.From, &c.To, &c.Timeout, &c.Record,
		&c.MachineDetection, &c.MachineDetectionTimeout, &c.SendDigits, &c.Status, &c.AnsweredBy, &c.SIPCallID,
		&c.ErrorMessage, &lease, &c.Resumed, &dc, &du); err != nil {
		return nil, err
	}
	var err error
	for _, f := range []struct {
		s string
		t *time.Time
	}{{lease, &c.LeaseUntil}, {dc, &c.DateCreated}, {du, &c.DateUpdated}} {
		if *f.t, err = optStamp(f.s); err != nil {
			return nil, fmt.Errorf("outbound call %s: %w", c.SID, err)
		}
	}
	return &c, nil
}

func scanCalls(rows *sql.Rows, err error) ([]OutboundCall, error) {
	return collect(rows, err, "outbound calls", scanCall)
}

// insertCall queues a sprint's call in the sprint's transaction.
func (s *Store) insertCall(ctx context.Context, tx *sql.Tx, c *OutboundCall) error {
	if c.Status == "" {
		c.Status = CallQueued
	}
	if c.DateUpdated.IsZero() {
		c.DateUpdated = c.DateCreated
	}
	_, err := s.txExec(ctx, tx, `INSERT INTO outbound_calls (`+callCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.SID, c.ExecutionSID, c.FlowSID, c.Widget, c.From, c.To, c.Timeout, c.Record, c.MachineDetection,
		c.MachineDetectionTimeout, c.SendDigits, c.Status, c.AnsweredBy, c.SIPCallID, c.ErrorMessage,
		optText(c.LeaseUntil), c.Resumed, stamp(c.DateCreated), stamp(c.DateUpdated))
	return err
}

// OutboundCallBySID loads one outbound call.
func (s *Store) OutboundCallBySID(ctx context.Context, sid string) (*OutboundCall, error) {
	c, err := scanCall(s.queryRow(ctx, `SELECT `+callCols+` FROM outbound_calls WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("outbound call %s: %w", sid, ErrNotFound)
	}
	return c, err
}

// ClaimOutboundCall takes the oldest queued call for placing: it becomes
// dialing with a lease until now+lease. It returns ErrNotFound when no call
// is queued. The claim is one statement, so two dialers never take the
// same row.
func (s *Store) ClaimOutboundCall(ctx context.Context, now time.Time, lease time.Duration) (*OutboundCall, error) {
	c, err := scanCall(s.queryRow(ctx, `UPDATE outbound_calls SET status = 'dialing', lease_until = ?, date_updated = ?
		WHERE sid = (SELECT sid FROM outbound_calls WHERE status = 'queued' ORDER BY date_created, sid LIMIT 1)
		RETURNING `+callCols, stamp(now.Add(lease)), stamp(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim outbound call: %w", err)
	}
	return c, nil
}

// FinishOutboundCall records what became of a dialing call (in-progress
// once answered, busy, no-answer, failed or canceled).
func (s *Store) FinishOutboundCall(ctx context.Context, sid, status, answeredBy, sipCallID, errMsg string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE outbound_calls SET status = ?, answered_by = ?, sip_call_id = ?, error_message = ?,
		lease_until = '', date_updated = ? WHERE sid = ? AND status = 'dialing'`, status, answeredBy, sipCallID, errMsg, stamp(s.now()), sid)
	if err != nil {
		return fmt.Errorf("store: finish outbound call %s: %w", sid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("outbound call %s is not dialing: %w", sid, ErrNotFound)
	}
	return nil
}

// MarkOutboundCallResumed records that the call's execution was told its
// result (or can no longer be told: it ended).
func (s *Store) MarkOutboundCallResumed(ctx context.Context, sid string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbound_calls SET resumed = 1, date_updated = ? WHERE sid = ?`, stamp(s.now()), sid); err != nil {
		return fmt.Errorf("store: outbound call %s resumed: %w", sid, err)
	}
	return nil
}

// FailAbandonedCalls turns every call still dialing into failed, with why,
// and returns them. The dialer calls it at start-up, before it claims
// anything: such a row belongs to a process that died while dialling, and
// the call may have rung or even been answered; it is never placed again.
func (s *Store) FailAbandonedCalls(ctx context.Context, why string) ([]OutboundCall, error) {
	return scanCalls(s.db.QueryContext(ctx, `UPDATE outbound_calls SET status = 'failed', error_message = ?, lease_until = '',
		date_updated = ? WHERE status = 'dialing' RETURNING `+callCols, why, stamp(s.now())))
}

// UntoldCalls are calls with a result whose execution was not told it yet
// (the process stopped in between), oldest first.
func (s *Store) UntoldCalls(ctx context.Context, limit int) ([]OutboundCall, error) {
	return scanCalls(s.db.QueryContext(ctx, `SELECT `+callCols+` FROM outbound_calls
		WHERE resumed = 0 AND status NOT IN ('queued', 'dialing') ORDER BY date_updated LIMIT ?`, limit))
}
