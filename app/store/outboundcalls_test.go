package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// TestOutboundCallLifecycle: a call queued with its sprint is claimed once
// (dialing, leased), finished with its result and marked told; a call left
// dialing is failed by FailAbandonedCalls, never handed out again, and is
// among the untold results until marked.
func TestOutboundCallLifecycle(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	x := &engine.Execution{SID: "FN1", FlowSID: "FW1", FlowRevision: 1, Status: engine.StatusActive, Contact: "+1",
		CreatedAt: now, UpdatedAt: now}
	require.NoError(t, s.SaveSprint(ctx, SprintRecord{Execution: x, New: true, SessionKey: "+1", Calls: []OutboundCall{
		{SID: "CA1", Widget: "call", From: "+100", To: "+1", Timeout: 20, MachineDetection: "Enable", MachineDetectionTimeout: 30, SendDigits: "1w2"},
		{SID: "CA2", From: "+100", To: "+2", Timeout: 20},
	}}))
	c, err := s.ClaimOutboundCall(ctx, now, time.Minute)
	require.NoError(t, err)
	require.Equal(t, "CA1", c.SID)
	require.Equal(t, CallDialing, c.Status)
	require.Equal(t, "FN1", c.ExecutionSID)
	require.Equal(t, "FW1", c.FlowSID)
	require.Equal(t, "1w2", c.SendDigits)
	require.Equal(t, now.Add(time.Minute), c.LeaseUntil)
	c2, err := s.ClaimOutboundCall(ctx, now, time.Minute)
	require.NoError(t, err)
	require.Equal(t, "CA2", c2.SID)
	_, err = s.ClaimOutboundCall(ctx, now, time.Minute)
	require.True(t, errors.Is(err, ErrNotFound), "%v", err)

	require.NoError(t, s.FinishOutboundCall(ctx, "CA1", CallBusy, "", "abc@host", ""))
	require.True(t, errors.Is(s.FinishOutboundCall(ctx, "CA1", CallFailed, "", "", ""), ErrNotFound), "finished once only")

	// CA2 is left dialing, as by a process that died.
	failed, err := s.FailAbandonedCalls(ctx, "the appliance stopped while dialling")
	require.NoError(t, err)
	require.Len(t, failed, 1)
	require.Equal(t, "CA2", failed[0].SID)
	require.Equal(t, CallFailed, failed[0].Status)
	_, err = s.ClaimOutboundCall(ctx, now, time.Minute)
	require.True(t, errors.Is(err, ErrNotFound), "a failed call is never claimed again")

	untold, err := s.UntoldCalls(ctx, 10)
	require.NoError(t, err)
	require.Len(t, untold, 2)
	require.NoError(t, s.MarkOutboundCallResumed(ctx, "CA1"))
	require.NoError(t, s.MarkOutboundCallResumed(ctx, "CA2"))
	untold, err = s.UntoldCalls(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, untold)
	got, err := s.OutboundCallBySID(ctx, "CA2")
	require.NoError(t, err)
	require.Equal(t, "the appliance stopped while dialling", got.ErrorMessage)
}
