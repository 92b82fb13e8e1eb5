package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// saveAt stores an execution of flow created at created, ended at ended
// (zero: still active).
func saveAt(t *testing.T, s *Store, sid, flow string, created, ended time.Time) {
	t.Helper()
	ctx := context.Background()
	x := &engine.Execution{SID: sid, FlowSID: flow, FlowRevision: 1, Status: engine.StatusActive, Contact: "+1" + sid,
		CreatedAt: created, UpdatedAt: created}
	require.NoError(t, s.SaveSprint(ctx, SprintRecord{Execution: x, New: true, SessionKey: x.Contact}))
	if !ended.IsZero() {
		y := *x
		y.Status, y.UpdatedAt, y.EndedAt = engine.StatusEnded, ended, ended
		require.NoError(t, s.SaveSprint(ctx, SprintRecord{Execution: &y}))
	}
}

// The sweeps' queries find what they look for across flows, in batches:
// the lifetime sweep the active executions started before t (oldest
// first), the purge from the start the ended ones started before t flow by
// flow, the purge from the end those that ended before t. Active
// executions are never purged.
func TestSweepQueriesAcrossFlows(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	var oldEnded, oldActive []string
	for i, flow := range []string{"FWb", "FWa", "FWc"} {
		for j := 0; j < 3; j++ {
			sid := fmt.Sprintf("FN%s%d", flow, j)
			saveAt(t, s, sid+"old-ended", flow, day(1+j), day(20+i))
			oldEnded = append(oldEnded, sid+"old-ended")
			saveAt(t, s, sid+"old-active", flow, day(2+i+j), time.Time{})
			oldActive = append(oldActive, sid+"old-active")
			saveAt(t, s, sid+"new-ended", flow, day(12), day(13))
			saveAt(t, s, sid+"new-active", flow, day(12), time.Time{})
		}
	}
	n, err := s.CountExecutions(ctx, "active")
	require.NoError(t, err)
	require.Equal(t, 18, n)

	// Lifetime sweep: active executions started before day 10, oldest first.
	got, err := s.ActiveStartedBefore(ctx, day(10), 100)
	require.NoError(t, err)
	require.ElementsMatch(t, oldActive, got)
	for i := 1; i < len(got); i++ {
		var a, b string
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT date_created FROM executions WHERE sid = ?`, got[i-1]).Scan(&a))
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT date_created FROM executions WHERE sid = ?`, got[i]).Scan(&b))
		require.LessOrEqual(t, a, b, "oldest first")
	}
	first, err := s.ActiveStartedBefore(ctx, day(10), 2)
	require.NoError(t, err)
	require.Equal(t, got[:2], first)

	// Purge from the start, in batches of 4 across the three flows.
	var purged []string
	s.OnExecutionsDeleted(func(_, sid string) { purged = append(purged, sid) })
	for {
		n, err := s.PurgeEnded(ctx, RetainSinceStarted, day(10), 4)
		require.NoError(t, err)
		if n < 4 {
			break
		}
	}
	require.ElementsMatch(t, oldEnded, purged)
	total, err := s.CountExecutions(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 36-9, total)
	n, err = s.CountExecutions(ctx, "active")
	require.NoError(t, err)
	require.Equal(t, 18, n, "no active execution purged")

	// Purge from the end: the new ended ones ended on day 13.
	purged = nil
	n, err = s.PurgeEnded(ctx, RetainSinceEnded, day(13), 100)
	require.NoError(t, err)
	require.Zero(t, n, "none ended before day 13")
	n, err = s.PurgeEnded(ctx, RetainSinceEnded, day(14), 100)
	require.NoError(t, err)
	require.Equal(t, 9, n)
	sort.Strings(purged)
	for _, sid := range purged {
		require.True(t, strings.HasSuffix(sid, "new-ended"), sid)
	}
}

// queryPlan is EXPLAIN QUERY PLAN's details of a query, one line each.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		lines = append(lines, detail)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

// The queries that executions_by_status_created served before 0018 go by
// an index, never by a scan of the executions table.
func TestExecutionSweepQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	for _, tc := range []struct {
		query string
		args  []any
		want  string
	}{
		{activeStartedBeforeQuery, []any{"t", 1}, "SEARCH executions USING INDEX executions_active_by_created (date_created<?)"},
		{endedStartedBeforeQuery, []any{"FW", "t", 1}, "SEARCH executions USING INDEX executions_by_flow (flow_sid=? AND date_created<?)"},
		{executionFlowsQuery, nil, "SEARCH executions USING COVERING INDEX executions_by_flow (flow_sid>?)"},
		{endedUpdatedBeforeQuery, []any{"t", 1}, "SEARCH executions USING INDEX executions_ended_by_updated (date_updated<?)"},
		{`SELECT COUNT(*) FROM executions WHERE status = ?`, []any{"active"}, "USING COVERING INDEX executions_active_by_created"},
	} {
		plan := queryPlan(t, s, tc.query, tc.args...)
		require.Contains(t, plan, tc.want, tc.query)
		require.NotRegexp(t, `SCAN executions($|\n)`, plan, tc.query)
	}
}
