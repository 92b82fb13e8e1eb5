package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ActiveStartedBefore returns up to limit active executions created before
// t, oldest first: the candidates of the lifetime sweep.
func (s *Store) ActiveStartedBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	// The partial index of active executions (0018); the planner could
	// otherwise take executions_one_active, also partial on status.
	out, err := s.strings(ctx, activeStartedBeforeQuery, stamp(t), limit)
	if err != nil {
		return nil, fmt.Errorf("store: lifetime sweep: %w", err)
	}
	return out, nil
}

const activeStartedBeforeQuery = `SELECT sid FROM executions INDEXED BY executions_active_by_created
	WHERE status = 'active' AND date_created < ? ORDER BY date_created LIMIT ?`

// endedStartedBefore returns up to limit ended executions created before
// t, flow by flow (oldest first within a flow): executions_by_flow
// (flow_sid, date_created) serves it with one range per flow, so that no
// index on status has to change when an execution ends (0018). The flows
// are found in the same index, one seek each (a loose index scan), so an
// execution whose flow row is gone is found too.
func endedStartedBefore(ctx context.Context, tx *sql.Tx, t time.Time, limit int) ([]string, error) {
	flows, err := scanStrings(tx.QueryContext(ctx, executionFlowsQuery))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, flow := range flows {
		if len(out) >= limit {
			break
		}
		sids, err := scanStrings(tx.QueryContext(ctx, endedStartedBeforeQuery, flow, stamp(t), limit-len(out)))
		if err != nil {
			return nil, err
		}
		out = append(out, sids...)
	}
	return out, nil
}

// executionFlowsQuery lists the flows that have executions, one seek of
// executions_by_flow per flow.
const executionFlowsQuery = `WITH RECURSIVE f(flow_sid) AS (
		SELECT MIN(flow_sid) FROM executions
		UNION ALL
		SELECT (SELECT MIN(flow_sid) FROM executions WHERE flow_sid > f.flow_sid) FROM f WHERE f.flow_sid IS NOT NULL)
	SELECT flow_sid FROM f WHERE flow_sid IS NOT NULL`

// endedUpdatedBeforeQuery is the purge counting from the end.
const endedUpdatedBeforeQuery = `SELECT sid FROM executions INDEXED BY executions_ended_by_updated
	WHERE status = 'ended' AND date_updated < ? ORDER BY date_updated LIMIT ?`

// endedStartedBeforeQuery is one flow's range of endedStartedBefore.
const endedStartedBeforeQuery = `SELECT sid FROM executions INDEXED BY executions_by_flow
	WHERE flow_sid = ? AND date_created < ? AND status = 'ended' ORDER BY date_created LIMIT ?`

// RetentionBasis is the moment the retention period of an ended execution
// counts from.
type RetentionBasis int

const (
	// RetainSinceStarted counts from when the execution started
	// (date_created), as Studio's user guide says today: "Execution and
	// Step data is retained for 30 days after the Execution starts".
	RetainSinceStarted RetentionBasis = iota
	// RetainSinceEnded counts from when it ended (its last update).
	RetainSinceEnded
)

// String returns the setting's value: "started" or "ended".
func (b RetentionBasis) String() string {
	if b == RetainSinceEnded {
		return "ended"
	}
	return "started"
}

// ParseRetentionBasis reads "started" or "ended".
func ParseRetentionBasis(s string) (RetentionBasis, error) {
	switch s {
	case "started":
		return RetainSinceStarted, nil
	case "ended":
		return RetainSinceEnded, nil
	}
	return 0, fmt.Errorf("retention basis %q: want started or ended", s)
}

// PurgeEnded deletes up to limit ended executions whose retention period,
// counted from basis, began before t (they started, or ended, before t),
// with their steps, and messages as old, in one transaction; it returns
// how many executions went. Active executions are never purged. Callers
// loop while it returns limit, so that one purge never holds the writer
// for long.
func (s *Store) PurgeEnded(ctx context.Context, basis RetentionBasis, t time.Time, limit int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var sids []string
	if basis == RetainSinceEnded {
		// The partial index of ended executions (0016); without
		// statistics the planner would rather scan another index.
		sids, err = scanStrings(tx.QueryContext(ctx, endedUpdatedBeforeQuery, stamp(t), limit))
	} else {
		sids, err = endedStartedBefore(ctx, tx, t, limit)
	}
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	for _, sid := range sids {
		// Steps go by ON DELETE CASCADE; messages are their
		// own resource (purged below by their age).
		if _, err := tx.ExecContext(ctx, `DELETE FROM executions WHERE sid = ? AND status = 'ended'`, sid); err != nil {
			return 0, fmt.Errorf("store: purge %s: %w", sid, err)
		}
	}
	// Messages are kept as long as executions, counted from their creation;
	// those still on their way or not yet handed to a flow stay.
	if _, err := tx.ExecContext(ctx, `DELETE FROM sms_messages WHERE sid IN (SELECT sid FROM sms_messages
		WHERE date_created < ? AND status NOT IN ('queued', 'sending') AND handled = 1 ORDER BY date_created LIMIT ?)`,
		stamp(t), limit); err != nil {
		return 0, fmt.Errorf("store: purge messages: %w", err)
	}
	// Outbound calls go with the same age rule once they are over and told.
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbound_calls WHERE sid IN (SELECT sid FROM outbound_calls
		WHERE date_created < ? AND resumed = 1 ORDER BY date_created LIMIT ?)`, stamp(t), limit); err != nil {
		return 0, fmt.Errorf("store: purge outbound calls: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	if len(sids) > 0 {
		s.executionsDeleted("", sids...)
	}
	return len(sids), nil
}
