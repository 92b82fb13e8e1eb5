package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// withSteps gives a sprint record n steps and one queued message, so that
// an undone sprint must take rows of every kind with it.
func withSteps(rec SprintRecord, n int) SprintRecord {
	x := rec.Execution
	for i := 1; i <= n; i++ {
		rec.Steps = append(rec.Steps, engine.Step{SID: x.SID + "-st" + string(rune('0'+i)), FlowSID: x.FlowSID, Name: "w",
			TransitionedFrom: "a", TransitionedTo: "b", Type: "set-variables", CreatedAt: time.Now()})
	}
	x.Steps = n
	rec.Messages = []Message{{SID: "SM" + x.SID, Direction: DirectionOutboundAPI, From: "+1", To: x.Contact, Body: "hi",
		Status: MessageQueued}}
	return rec
}

// TestSprintTx: sprints added to an open sprint transaction commit
// together; one that conflicts is undone alone (its execution, steps and
// message), with its own error, while the sprints before and after it in
// the same Add and in later Adds commit.
func TestSprintTx(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()

	clash := withSteps(sprintFor("FNclash"), 2)
	clash.SessionKey = "+1FNa" // FNa's contact: one active execution per contact
	tx, err := s.BeginSprints(ctx)
	require.NoError(t, err)
	errs := tx.Add(ctx, []SprintRecord{withSteps(sprintFor("FNa"), 2), clash, withSteps(sprintFor("FNb"), 3)})
	require.NoError(t, errs[0])
	var conflict *ActiveConflict
	require.ErrorAs(t, errs[1], &conflict)
	require.Equal(t, "FNa", conflict.ExecutionSID)
	require.NoError(t, errs[2])
	require.Equal(t, []error{nil}, tx.Add(ctx, []SprintRecord{withSteps(sprintFor("FNc"), 1)}), "a later Add joins")
	require.Equal(t, 3, tx.Len())
	require.NoError(t, tx.Commit())

	for _, tc := range []struct {
		sid   string
		steps int
	}{{"FNa", 2}, {"FNb", 3}, {"FNc", 1}} {
		_, err := s.Execution(ctx, tc.sid)
		require.NoError(t, err, tc.sid)
		steps, err := s.Steps(ctx, tc.sid)
		require.NoError(t, err)
		require.Len(t, steps, tc.steps, tc.sid)
		_, err = s.MessageBySID(ctx, "SM"+tc.sid)
		require.NoError(t, err, tc.sid)
	}
	_, err = s.Execution(ctx, "FNclash")
	require.ErrorIs(t, err, ErrNotFound)
	steps, err := s.Steps(ctx, "FNclash")
	require.NoError(t, err)
	require.Empty(t, steps)
	_, err = s.MessageBySID(ctx, "SMFNclash")
	require.ErrorIs(t, err, ErrNotFound)

	// A transaction rolled back leaves nothing.
	tx, err = s.BeginSprints(ctx)
	require.NoError(t, err)
	require.Equal(t, []error{nil}, tx.Add(ctx, []SprintRecord{withSteps(sprintFor("FNd"), 1)}))
	tx.Rollback()
	_, err = s.Execution(ctx, "FNd")
	require.ErrorIs(t, err, ErrNotFound)
}
