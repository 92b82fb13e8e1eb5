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

// A sprint refused after its receipt was written (its execution conflicts,
// or is gone) takes the receipt back out: the receipt can be claimed
// again. A duplicate receipt refuses its sprint and leaves the first.
func TestSprintTxRefusedSprintLeavesNoReceipt(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.SaveSprint(ctx, sprintFor("FNa")))

	clash := withSteps(sprintFor("FNclash"), 1)
	clash.SessionKey = "+1FNa"
	clash.Receipt = &Receipt{Key: "k-clash", FlowSID: "FW1"}
	gone := withSteps(sprintFor("FNgone"), 1)
	gone.New = false
	gone.Receipt = &Receipt{Key: "k-gone", FlowSID: "FW1"}
	ok := withSteps(sprintFor("FNok"), 2)
	ok.Receipt = &Receipt{Key: "k-ok", FlowSID: "FW1"}
	dup := withSteps(sprintFor("FNdup"), 1)
	dup.Receipt = &Receipt{Key: "k-ok", FlowSID: "FW1"}

	tx, err := s.BeginSprints(ctx)
	require.NoError(t, err)
	errs := tx.Add(ctx, []SprintRecord{clash, gone, ok, dup})
	var conflict *ActiveConflict
	require.ErrorAs(t, errs[0], &conflict)
	require.ErrorIs(t, errs[1], ErrNotFound)
	require.NoError(t, errs[2])
	require.ErrorIs(t, errs[3], ErrDuplicateReceipt)
	require.NoError(t, tx.Commit())

	for _, key := range []string{"k-clash", "k-gone"} {
		rc, err := s.Receipt(ctx, key)
		require.NoError(t, err)
		require.Nil(t, rc, key)
	}
	rc, err := s.Receipt(ctx, "k-ok")
	require.NoError(t, err)
	require.NotNil(t, rc)
	for _, sid := range []string{"FNclash", "FNgone", "FNdup"} {
		_, err := s.Execution(ctx, sid)
		require.ErrorIs(t, err, ErrNotFound, sid)
		steps, err := s.Steps(ctx, sid)
		require.NoError(t, err)
		require.Empty(t, steps, sid)
		_, err = s.MessageBySID(ctx, "SM"+sid)
		require.ErrorIs(t, err, ErrNotFound, sid)
	}
	steps, err := s.Steps(ctx, "FNok")
	require.NoError(t, err)
	require.Len(t, steps, 2)
}

// A sprint that fails past its first writes (here its steps clash with
// stored ones) may have left part of itself in the transaction: the
// transaction starts over with the sprints kept before (in this Add's
// transaction, from an earlier Add), the failing one gets its error alone
// and the rest commit.
func TestSprintTxFailureLateInASprint(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.SaveSprint(ctx, withSteps(sprintFor("FNbad"), 1)))

	tx, err := s.BeginSprints(ctx)
	require.NoError(t, err)
	require.Equal(t, []error{nil}, tx.Add(ctx, []SprintRecord{withSteps(sprintFor("FNearly"), 2)}))
	bad := withSteps(sprintFor("FNbad"), 1) // step 1 again: the steps' key refuses it
	bad.New = false
	bad.Receipt = &Receipt{Key: "k-bad", FlowSID: "FW1"}
	bad.Messages[0].SID = "SMFNbad2"
	errs := tx.Add(ctx, []SprintRecord{withSteps(sprintFor("FNa"), 1), bad, withSteps(sprintFor("FNb"), 3)})
	require.NoError(t, errs[0])
	require.Error(t, errs[1])
	require.NoError(t, errs[2])
	require.Equal(t, 3, tx.Len())
	require.NoError(t, tx.Commit())

	for _, tc := range []struct {
		sid   string
		steps int
	}{{"FNearly", 2}, {"FNa", 1}, {"FNb", 3}, {"FNbad", 1}} {
		steps, err := s.Steps(ctx, tc.sid)
		require.NoError(t, err)
		require.Len(t, steps, tc.steps, tc.sid)
		_, err = s.MessageBySID(ctx, "SM"+tc.sid)
		require.NoError(t, err, tc.sid)
	}
	_, err = s.MessageBySID(ctx, "SMFNbad2")
	require.ErrorIs(t, err, ErrNotFound)
	rc, err := s.Receipt(ctx, "k-bad")
	require.NoError(t, err)
	require.Nil(t, rc)
}

// The sprint connection writes without foreign key checks; when it goes
// back to the pool it checks them again like every other connection, so
// deleting an execution still takes its steps with it.
func TestSprintConnectionGoesBackWithForeignKeys(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.SaveSprint(ctx, withSteps(sprintFor("FNfk"), 2)))
	var fk int
	require.NoError(t, s.wconn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
	require.Equal(t, 0, fk, "the sprint connection checks no foreign keys")
	s.closeWriter()

	// Every connection the pool may hand out, the former sprint
	// connection among them, checks foreign keys.
	max := s.db.Stats().MaxOpenConnections
	var conns []interface{ Close() error }
	for i := 0; i < max; i++ {
		c, err := s.db.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
		require.NoError(t, c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
		require.Equal(t, 1, fk, "pool connection %d", i)
	}
	for _, c := range conns {
		c.Close()
	}
	require.NoError(t, s.DeleteExecution(ctx, "FW1", "FNfk"))
	steps, err := s.Steps(ctx, "FNfk")
	require.NoError(t, err)
	require.Empty(t, steps, "the steps went with their execution")
}
