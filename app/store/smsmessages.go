package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Message directions (Twilio's words).
const (
	DirectionInbound       = "inbound"
	DirectionOutboundAPI   = "outbound-api"
	DirectionOutboundReply = "outbound-reply"
)

// Message statuses (Twilio's words).
const (
	MessageQueued      = "queued"
	MessageSending     = "sending"
	MessageSent        = "sent"
	MessageDelivered   = "delivered"
	MessageUndelivered = "undelivered"
	MessageFailed      = "failed"
	MessageReceived    = "received"
)

// Message is an SMS in either direction (see migrations/0011_sms.sql).
type Message struct {
	SID            string
	Direction      string
	GatewaySID     string
	ExecutionSID   string
	FlowSID        string
	From           string
	To             string
	Body           string
	Status         string
	NumSegments    int
	ErrorCode      int
	ErrorMessage   string
	Attempts       int
	NextAttempt    time.Time
	LeaseUntil     time.Time
	ProviderID     string
	Incomplete     bool
	Handled        bool
	Notified       string
	StatusCallback string
	DateCreated    time.Time
	DateUpdated    time.Time
	DateSent       time.Time
}

const messageCols = `sid, direction, gateway_sid, execution_sid, flow_sid, from_address, to_address, body, status, num_segments,
	error_code, error_message, attempts, next_attempt, lease_until, provider_id, incomplete, handled, notified, status_callback,
	date_created, date_updated, date_sent`

func optStamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(ts, s)
}

func optText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

func scanMessage(row scanner) (*Message, error) {
	var m Message
	var next, lease, dc, du, ds string
	if err := row.Scan(&m.SID, &m.Direction, &m.GatewaySID, &m.ExecutionSID, &m.FlowSID, &m.From, &m.To, &m.Body, &m.Status,
		&m.NumSegments, &m.ErrorCode, &m.ErrorMessage, &m.Attempts, &next, &lease, &m.ProviderID, &m.Incomplete, &m.Handled,
		&m.Notified, &m.StatusCallback, &dc, &du, &ds); err != nil {
		return nil, err
	}
	var err error
	for _, f := range []struct {
		s string
		t *time.Time
	}{{next, &m.NextAttempt}, {lease, &m.LeaseUntil}, {dc, &m.DateCreated}, {du, &m.DateUpdated}, {ds, &m.DateSent}} {
		if *f.t, err = optStamp(f.s); err != nil {
			return nil, fmt.Errorf("message %s: %w", m.SID, err)
		}
	}
	return &m, nil
}

func scanMessages(rows *sql.Rows, err error) ([]Message, error) {
	return collect(rows, err, "messages", scanMessage)
}

func (s *Store) insertMessage(ctx context.Context, tx *sql.Tx, m *Message) (sql.Result, error) {
	q := `INSERT INTO sms_messages (` + messageCols + `) VALUES ` + messageRow
	args := s.messageArgs(m)
	if m.Direction == DirectionInbound && m.ProviderID != "" {
		q += ` ON CONFLICT (gateway_sid, provider_id) WHERE provider_id != '' DO NOTHING`
	}
	if tx != nil {
		return s.txExec(ctx, tx, q, args...)
	}
	return s.db.ExecContext(ctx, q, args...)
}

// messageRow is one row of an sms_messages insert (messageColN values).
const messageRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// messageColN is the number of columns in messageCols.
const messageColN = 23

// messageArgs fills in a new message's defaults and returns its insert
// arguments, in messageCols' order.
func (s *Store) messageArgs(m *Message) []any {
	return appendMessageArgs(make([]any, 0, messageColN), m, s.now)
}

// appendMessageArgs fills in a new message's defaults (now is the clock
// for a message without a creation time) and appends its insert arguments,
// in messageCols' order.
func appendMessageArgs(args []any, m *Message, now func() time.Time) []any {
	if m.DateCreated.IsZero() {
		m.DateCreated = now().UTC()
	}
	if m.DateUpdated.IsZero() {
		m.DateUpdated = m.DateCreated
	}
	if m.Direction != DirectionInbound {
		m.Handled = true // only inbound messages wait for a flow
	}
	if m.Status == MessageQueued && m.NextAttempt.IsZero() {
		m.NextAttempt = m.DateCreated
	}
	return append(args, m.SID, m.Direction, m.GatewaySID, m.ExecutionSID, m.FlowSID, m.From, m.To, m.Body, m.Status, m.NumSegments,
		m.ErrorCode, m.ErrorMessage, m.Attempts, optText(m.NextAttempt), optText(m.LeaseUntil), m.ProviderID, m.Incomplete,
		m.Handled, m.Notified, m.StatusCallback, stamp(m.DateCreated), stamp(m.DateUpdated), optText(m.DateSent))
}

// CreateMessage stores an outbound message (queued) or any other row.
func (s *Store) CreateMessage(ctx context.Context, m Message) (*Message, error) {
	if _, err := s.insertMessage(ctx, nil, &m); err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("message %s: %w", m.SID, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create message: %w", err)
	}
	return s.MessageBySID(ctx, m.SID)
}

// ReceiveMessage stores an inbound message for the flows (handled = false).
// A message whose gateway and provider id are stored already is dropped:
// dup is true and nothing is written.
func (s *Store) ReceiveMessage(ctx context.Context, m Message) (dup bool, err error) {
	m.Direction, m.Handled = DirectionInbound, false
	if m.Status == "" {
		m.Status = MessageReceived
	}
	res, err := s.insertMessage(ctx, nil, &m)
	if err != nil {
		return false, fmt.Errorf("store: receive message: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 0, nil
}

// MessageBySID returns a message.
func (s *Store) MessageBySID(ctx context.Context, sid string) (*Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM sms_messages WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %s: %w", sid, ErrNotFound)
	}
	return m, err
}

// MessageFilter narrows ListMessages; empty fields match all.
type MessageFilter struct {
	From, To     string
	SentAfter    time.Time // date_created >= (Twilio's DateSent>)
	SentBefore   time.Time // date_created <  (Twilio's DateSent<)
	GatewaySID   string
	ExecutionSID string
	Status       string
}

// ListMessages lists messages, newest first.
func (s *Store) ListMessages(ctx context.Context, f MessageFilter, p Page) ([]Message, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.From != "" {
		add(`from_address = ?`, f.From)
	}
	if f.To != "" {
		add(`to_address = ?`, f.To)
	}
	if !f.SentAfter.IsZero() {
		add(`date_created >= ?`, stamp(f.SentAfter))
	}
	if !f.SentBefore.IsZero() {
		add(`date_created < ?`, stamp(f.SentBefore))
	}
	if f.GatewaySID != "" {
		add(`gateway_sid = ?`, f.GatewaySID)
	}
	if f.ExecutionSID != "" {
		add(`execution_sid = ?`, f.ExecutionSID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	q := `SELECT ` + messageCols + ` FROM sms_messages WHERE 1 = 1`
	for _, w := range where {
		q += ` AND ` + w
	}
	q += ` ORDER BY date_created DESC, sid DESC`
	if p.Limit > 0 {
		q, args = q+` LIMIT ? OFFSET ?`, append(args, p.Limit, p.Offset)
	}
	return scanMessages(s.db.QueryContext(ctx, q, args...))
}

// DeleteMessage removes a message that is not on its way: a queued or
// sending message cannot be deleted (Twilio answers the same).
func (s *Store) DeleteMessage(ctx context.Context, sid string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sms_messages WHERE sid = ? AND status NOT IN ('queued', 'sending')`, sid)
	if err != nil {
		return fmt.Errorf("store: delete message: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		if _, err := s.MessageBySID(ctx, sid); err != nil {
			return err
		}
		return fmt.Errorf("message %s is still on its way: %w", sid, ErrInvalid)
	}
	return nil
}

// Unrouted returns queued outbound messages no gateway has taken yet.
func (s *Store) Unrouted(ctx context.Context, limit int) ([]Message, error) {
	return scanMessages(s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM sms_messages
		WHERE status = 'queued' AND gateway_sid = '' ORDER BY next_attempt LIMIT ?`, limit))
}

// RouteMessage gives a queued message to a gateway.
func (s *Store) RouteMessage(ctx context.Context, sid, gatewaySID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET gateway_sid = ?, date_updated = ? WHERE sid = ? AND status = 'queued'`,
		gatewaySID, stamp(s.now()), sid)
	return err
}

// ClaimMessages takes up to limit due messages of a gateway for sending:
// they become sending, with a lease until now+lease. A message whose lease
// runs out (the process died while sending it) is queued again by
// RequeueExpired: it is sent again, which is the at-least-once window.
func (s *Store) ClaimMessages(ctx context.Context, gatewaySID string, now time.Time, lease time.Duration, limit int) ([]Message, error) {
	n := stamp(now)
	return scanMessages(s.db.QueryContext(ctx, `UPDATE sms_messages SET status = 'sending', lease_until = ?, attempts = attempts + 1,
		date_updated = ? WHERE sid IN (SELECT sid FROM sms_messages WHERE status = 'queued' AND gateway_sid = ? AND next_attempt <= ?
		ORDER BY next_attempt, date_created LIMIT ?) RETURNING `+messageCols, stamp(now.Add(lease)), n, gatewaySID, n, limit))
}

// RequeueExpired queues again the sending messages whose lease ran out.
func (s *Store) RequeueExpired(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET status = 'queued', lease_until = '', next_attempt = ?, date_updated = ?
		WHERE status = 'sending' AND lease_until < ?`, stamp(now), stamp(now), stamp(now))
	if err != nil {
		return 0, fmt.Errorf("store: requeue messages: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// NextDue is when the gateway's next queued message is due (zero: none).
func (s *Store) NextDue(ctx context.Context, gatewaySID string) (time.Time, error) {
	var due sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM sms_messages WHERE status = 'queued' AND gateway_sid = ?`,
		gatewaySID).Scan(&due)
	if err != nil || !due.Valid {
		return time.Time{}, err
	}
	return optStamp(due.String)
}

// SentPart is one part's reference at the gateway.
type SentPart struct {
	Ref       string
	Recipient string
}

// MessageSent records a message the gateway took: status sent, its parts'
// references kept for delivery reports. errText notes an uncertain send.
func (s *Store) MessageSent(ctx context.Context, sid string, segments int, parts []SentPart, code int, errText string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := stamp(s.now())
	var gw string
	if err := tx.QueryRowContext(ctx, `UPDATE sms_messages SET status = 'sent', num_segments = ?, error_code = ?, error_message = ?,
		lease_until = '', date_sent = ?, date_updated = ? WHERE sid = ? AND status = 'sending' RETURNING gateway_sid`,
		segments, code, errText, now, now, sid).Scan(&gw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %s is not being sent: %w", sid, ErrNotFound)
		}
		return fmt.Errorf("store: message sent: %w", err)
	}
	for i, p := range parts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sms_parts (gateway_sid, ref, recipient, message_sid, part, date_sent)
			VALUES (?, ?, ?, ?, ?, ?)`, gw, p.Ref, p.Recipient, sid, i+1, now); err != nil {
			return fmt.Errorf("store: message parts: %w", err)
		}
	}
	return tx.Commit()
}

// MessageRetry queues a message again for an attempt at next.
func (s *Store) MessageRetry(ctx context.Context, sid string, next time.Time, code int, errText string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET status = 'queued', next_attempt = ?, lease_until = '', error_code = ?,
		error_message = ?, date_updated = ? WHERE sid = ? AND status = 'sending'`, stamp(next), code, errText, stamp(s.now()), sid)
	if err != nil {
		return fmt.Errorf("store: message retry: %w", err)
	}
	return nil
}

// MessageFailed ends a message that cannot be sent. A queued message
// (unroutable) or one being sent may fail.
func (s *Store) MessageFailed(ctx context.Context, sid string, code int, errText string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET status = 'failed', lease_until = '', error_code = ?, error_message = ?,
		date_updated = ? WHERE sid = ? AND status IN ('queued', 'sending')`, code, errText, stamp(s.now()), sid)
	if err != nil {
		return fmt.Errorf("store: message failed: %w", err)
	}
	return nil
}

// DeliveryReport applies a report for one part: the newest part of the
// gateway with that reference (and recipient, when given) sent within the
// window (0: any age). The message becomes delivered when every part is,
// undelivered or failed as soon as one part is. It returns the message's
// SID, or "" when no part matches (a report for a message from before the
// store, or too late).
func (s *Store) DeliveryReport(ctx context.Context, gatewaySID, ref, recipient, status string, code int, window time.Duration) (string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	// The first statement writes, so the transaction holds the write lock
	// from its start: one that read first would fail at once with
	// SQLITE_BUSY (not wait) when another writer committed meanwhile. A
	// final report is not undone by a late intermediate one ("sent" after
	// "delivered": peers send them in either order).
	match := `SELECT rowid FROM sms_parts WHERE gateway_sid = ? AND ref = ?`
	matchArgs := []any{gatewaySID, ref}
	if recipient != "" {
		match, matchArgs = match+` AND (recipient = ? OR recipient = '')`, append(matchArgs, recipient)
	}
	if window > 0 {
		match, matchArgs = match+` AND date_sent >= ?`, append(matchArgs, stamp(s.now().Add(-window)))
	}
	match += ` ORDER BY date_sent DESC LIMIT 1`
	var msg string
	if err := tx.QueryRowContext(ctx, `UPDATE sms_parts SET status = CASE WHEN status = 'sent' OR ? != 'sent' THEN ? ELSE status END
		WHERE rowid = (`+match+`) RETURNING message_sid`, append([]any{status, status}, matchArgs...)...).Scan(&msg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", fmt.Errorf("store: delivery report: %w", err)
	}
	// The message's status from its parts: one bad part makes it bad.
	var total, delivered, bad int
	var worst string
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), SUM(status = 'delivered'), SUM(status IN ('undelivered', 'failed')),
		COALESCE(MAX(CASE WHEN status = 'failed' THEN 'failed' WHEN status = 'undelivered' THEN 'undelivered' END), '')
		FROM sms_parts WHERE message_sid = ?`, msg).Scan(&total, &delivered, &bad, &worst); err != nil {
		return "", fmt.Errorf("store: delivery report: %w", err)
	}
	next := ""
	switch {
	case bad > 0:
		next = worst
	case delivered == total:
		next = MessageDelivered
	}
	if next != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE sms_messages SET status = ?, error_code = CASE WHEN ? != 0 THEN ? ELSE error_code END,
			date_updated = ? WHERE sid = ? AND status IN ('sent', 'delivered', 'undelivered')`,
			next, code, code, stamp(s.now()), msg); err != nil {
			return "", fmt.Errorf("store: delivery report: %w", err)
		}
	}
	return msg, tx.Commit()
}

// Unnotified returns outbound messages whose status changed since their
// execution and status callback were last told.
func (s *Store) Unnotified(ctx context.Context, limit int) ([]Message, error) {
	return scanMessages(s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM sms_messages
		WHERE notified != status AND direction != 'inbound' ORDER BY date_updated LIMIT ?`, limit))
}

// MarkNotified records that status was told; a later change is told again.
func (s *Store) MarkNotified(ctx context.Context, sid, status string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET notified = ? WHERE sid = ?`, status, sid)
	return err
}

// Unhandled returns inbound messages not yet handed to a flow, oldest first.
func (s *Store) Unhandled(ctx context.Context, limit int) ([]Message, error) {
	return scanMessages(s.db.QueryContext(ctx, `SELECT `+messageCols+` FROM sms_messages
		WHERE handled = 0 ORDER BY date_created LIMIT ?`, limit))
}

// MarkHandled records which execution (if any) an inbound message went to.
func (s *Store) MarkHandled(ctx context.Context, sid, flowSID, executionSID, errText string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sms_messages SET handled = 1, flow_sid = ?, execution_sid = ?,
		error_message = CASE WHEN ? != '' THEN ? ELSE error_message END, date_updated = ?
		WHERE sid = ? AND direction = 'inbound'`, flowSID, executionSID, errText, errText, stamp(s.now()), sid)
	return err
}

// QueueCounts is how many messages wait per gateway ("" for unrouted).
func (s *Store) QueueCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT gateway_sid, COUNT(*) FROM sms_messages WHERE status IN ('queued', 'sending') GROUP BY gateway_sid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var g string
		var n int
		if err := rows.Scan(&g, &n); err != nil {
			return nil, err
		}
		out[g] = n
	}
	return out, rows.Err()
}

// Unroutable counts the messages that failed since t because no gateway
// owns their From address (Twilio's 21606), with up to 5 of those addresses.
func (s *Store) Unroutable(ctx context.Context, t time.Time) (int, []string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_address, COUNT(*) FROM sms_messages
		WHERE status = 'failed' AND error_code = 21606 AND date_updated >= ? GROUP BY from_address ORDER BY COUNT(*) DESC`, stamp(t))
	if err != nil {
		return 0, nil, fmt.Errorf("store: unroutable messages: %w", err)
	}
	defer rows.Close()
	total, froms := 0, []string{}
	for rows.Next() {
		var from string
		var n int
		if err := rows.Scan(&from, &n); err != nil {
			return 0, nil, err
		}
		total += n
		if len(froms) < 5 {
			froms = append(froms, from)
		}
	}
	return total, froms, rows.Err()
}
