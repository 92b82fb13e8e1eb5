package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// TestStepReads: the step reads (an execution's steps in order, a page of
// them newest first, one step) find their rows through the steps table's
// key (execution_sid, seq) since 0017, and an execution's purge takes its
// steps with it (ON DELETE CASCADE).
func TestStepReads(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	for _, rec := range []SprintRecord{withSteps(sprintFor("FNone"), 4), withSteps(sprintFor("FNtwo"), 2)} {
		require.NoError(t, s.SaveSprint(ctx, rec))
	}

	steps, err := s.Steps(ctx, "FNone")
	require.NoError(t, err)
	require.Len(t, steps, 4)
	for i, st := range steps {
		require.Equal(t, "FNone-st"+string(rune('1'+i)), st.SID)
	}
	page, err := s.StepsPage(ctx, "FNone", Page{Limit: 3})
	require.NoError(t, err)
	require.Len(t, page, 3)
	require.Equal(t, []int{4, 3, 2}, []int{page[0].Seq, page[1].Seq, page[2].Seq})
	rest, err := s.StepsPage(ctx, "FNone", Page{Limit: 3, After: StepCursor(page[2])})
	require.NoError(t, err)
	require.Len(t, rest, 1)
	require.Equal(t, "FNone-st1", rest[0].SID)
	st, err := s.Step(ctx, "FNtwo", "FNtwo-st2")
	require.NoError(t, err)
	require.Equal(t, 2, st.Seq)
	_, err = s.Step(ctx, "FNone", "FNtwo-st2")
	require.ErrorIs(t, err, ErrNotFound, "a step is found only under its own execution")

	for _, q := range []string{
		`SELECT sid FROM steps WHERE execution_sid = 'FNone' ORDER BY seq`,
		`SELECT sid FROM steps WHERE execution_sid = 'FNone' AND seq < 3 ORDER BY seq DESC LIMIT 3`,
		`SELECT sid FROM steps WHERE execution_sid = 'FNone' AND sid = 'FNone-st1'`,
	} {
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Close())
		got := strings.Join(plan, "; ")
		require.Contains(t, got, "SEARCH steps USING PRIMARY KEY (execution_sid=", q)
		require.NotContains(t, got, "TEMP B-TREE", q)
	}

	// Ending FNone and purging it takes its steps; FNtwo's stay.
	end := sprintFor("FNone")
	end.New = false
	end.Execution.Status = engine.StatusEnded
	end.Execution.Steps = 4
	require.NoError(t, s.SaveSprint(ctx, end))
	n, err := s.PurgeEnded(ctx, RetainSinceStarted, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	steps, err = s.Steps(ctx, "FNone")
	require.NoError(t, err)
	require.Empty(t, steps)
	steps, err = s.Steps(ctx, "FNtwo")
	require.NoError(t, err)
	require.Len(t, steps, 2)
}
