package store

import (
	"context"
	"fmt"
	"time"
)

// Minute is one minute of activity, for the dashboard's charts.
type Minute struct {
	Start       time.Time
	Calls       int // executions started by a call
	Executions  int // executions started, every channel
	MessagesIn  int // inbound messages answered (webhook receipts of an SMS)
	MessagesOut int // messages queued to send (by flows and the Messages API)
}

// Activity is what happened since a time, minute by minute (every minute
// present, oldest first), and the outbound messages by state.
type Activity struct {
	Minutes           []Minute
	MessagesPending   int // outbound messages not sent yet
	MessagesFailed    int // outbound messages that failed or were not delivered, in the window
	ExecutionsStarted int // in the window
}

// Activity counts executions, calls and messages per minute from since
// (truncated to the minute) to now. It reads the indexed creation dates, so
// its cost follows the window's rows, not the store's size.
func (s *Store) Activity(ctx context.Context, since time.Time) (Activity, error) {
	from := since.UTC().Truncate(time.Minute)
	now := s.now().UTC().Truncate(time.Minute)
	if now.Before(from) {
		now = from
	}
	n := int(now.Sub(from)/time.Minute) + 1
	if n > 24*60 {
		return Activity{}, fmt.Errorf("activity: a window of %d minutes is over a day", n)
	}
	a := Activity{Minutes: make([]Minute, n)}
	for i := range a.Minutes {
		a.Minutes[i].Start = from.Add(time.Duration(i) * time.Minute)
	}
	at := func(m string) *Minute {
		t, err := time.Parse("2006-01-02T15:04", m)
		if err != nil {
			return nil
		}
		i := int(t.Sub(from) / time.Minute)
		if i < 0 || i >= n {
			return nil
		}
		return &a.Minutes[i]
	}
	lo := stamp(from)

	// A call's execution is the one whose trigger is a call (the channel
	// column holds the address, not the kind).
	rows, err := s.db.QueryContext(ctx, `SELECT substr(date_created, 1, 16),
		json_type(state, '$.context.trigger.call') IS NOT NULL, COUNT(*) FROM executions
		WHERE date_created >= ? GROUP BY 1, 2`, lo)
	if err != nil {
		return Activity{}, fmt.Errorf("activity: executions: %w", err)
	}
	for rows.Next() {
		var m string
		var call bool
		var c int
		if err := rows.Scan(&m, &call, &c); err != nil {
			rows.Close()
			return Activity{}, fmt.Errorf("activity: executions: %w", err)
		}
		a.ExecutionsStarted += c
		if p := at(m); p != nil {
			p.Executions += c
			if call {
				p.Calls += c
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Activity{}, fmt.Errorf("activity: executions: %w", err)
	}

	count := func(what, q string, add func(*Minute, int)) error {
		rows, err := s.db.QueryContext(ctx, q, lo)
		if err != nil {
			return fmt.Errorf("activity: %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var c int
			if err := rows.Scan(&m, &c); err != nil {
				return fmt.Errorf("activity: %s: %w", what, err)
			}
			if p := at(m); p != nil {
				add(p, c)
			}
		}
		return rows.Err()
	}
	if err := count("messages out", `SELECT substr(date_created, 1, 16), COUNT(*) FROM sms_messages
		WHERE direction != 'inbound' AND date_created >= ? GROUP BY 1`, func(p *Minute, c int) { p.MessagesOut += c }); err != nil {
		return Activity{}, err
	}
	if err := count("messages in", `SELECT substr(date_created, 1, 16), COUNT(*) FROM webhook_receipts
		WHERE key LIKE 'sms|%' AND date_created >= ? GROUP BY 1`, func(p *Minute, c int) { p.MessagesIn += c }); err != nil {
		return Activity{}, err
	}
	if err := count("messages received", `SELECT substr(date_created, 1, 16), COUNT(*) FROM sms_messages
		WHERE direction = 'inbound' AND date_created >= ? GROUP BY 1`, func(p *Minute, c int) { p.MessagesIn += c }); err != nil {
		return Activity{}, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(status IN ('queued', 'sending')), 0),
		COALESCE(SUM(status IN ('failed', 'undelivered') AND date_created >= ?), 0)
		FROM sms_messages WHERE direction != 'inbound' AND (status IN ('queued', 'sending') OR date_created >= ?)`, lo, lo).
		Scan(&a.MessagesPending, &a.MessagesFailed); err != nil {
		return Activity{}, fmt.Errorf("activity: messages: %w", err)
	}
	return a, nil
}
