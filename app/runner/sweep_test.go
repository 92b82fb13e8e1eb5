package runner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

func TestSweepTimeoutsLifetimeAndRetention(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	// Retention counted from the end, so that the execution the lifetime
	// ends is still there to look at (TestRetentionBasis has both bases).
	f.r.SetRetentionBasis(store.RetainSinceEnded)
	f.createFlow(t, waiter, store.StatusPublished)
	start := func(contact, timeout string) *engine.Execution {
		x, _, err := f.r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: contact,
			Channel: "+15550002222", Data: map[string]any{"n": contact, "timeout": timeout}})
		require.NoError(t, err)
		return x
	}
	day := 24 * time.Hour
	long := start("+15550000001", "3456000") // waits 40 days: outlives the 30-day lifetime
	answered := start("+15550000002", "60")
	quiet := start("+15550000003", "60")
	_, _, err := f.r.Message(ctx, flowSID, "+15550000002", "+15550002222", map[string]any{"Body": "yes"})
	require.NoError(t, err)

	// Two minutes on: the quiet one times out; nothing else changes.
	f.clock.Advance(2 * time.Minute)
	sw, err := f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, Swept{Timeouts: 1}, sw)
	x, err := f.st.Execution(ctx, quiet.SID)
	require.NoError(t, err)
	require.False(t, x.Active())

	// A day before the lifetime ends: nothing to do.
	f.clock.Advance(29 * day)
	sw, err = f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, Swept{}, sw)

	// Past 30 days: the long wait ends as expired, and the two executions
	// that ended 30 days ago are purged with their steps and outbox rows.
	f.clock.Advance(day + time.Hour)
	sw, err = f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, Swept{Expired: 1, Purged: 2}, sw)
	x, err = f.st.Execution(ctx, long.SID)
	require.NoError(t, err)
	require.False(t, x.Active())
	require.Equal(t, engine.EndExpired, x.EndReason)
	for _, sid := range []string{answered.SID, quiet.SID} {
		_, err := f.st.Execution(ctx, sid)
		require.True(t, errors.Is(err, store.ErrNotFound), "%s: %v", sid, err)
		steps, err := f.st.Steps(ctx, sid)
		require.NoError(t, err)
		require.Empty(t, steps)
	}
	out, err := f.st.ListMessages(ctx, store.MessageFilter{Status: store.MessageQueued}, store.Page{})
	require.NoError(t, err)
	// Messages are their own resource: the ones still queued (no gateway
	// took them) outlive their purged executions and are still sent.
	require.Len(t, out, 5, "no queued message went with its execution")
	var ofLong int
	for _, m := range out {
		if m.ExecutionSID == long.SID {
			ofLong++
		}
	}
	require.Equal(t, 1, ofLong, "the expired execution's question is still queued")

	// The expired execution's 40-day timer went with its wait.
	f.clock.Advance(20 * day)
	due, err := f.st.DueTimers(ctx, f.clock.Now(), 10)
	require.NoError(t, err)
	require.Empty(t, due)

	// Retention 0 keeps ended executions forever.
	f.r.SetRetention(0)
	f.clock.Advance(365 * day)
	sw, err = f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, Swept{}, sw)
	_, err = f.st.Execution(ctx, long.SID)
	require.NoError(t, err)
	n, err := f.st.CountExecutions(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// TestSweepWorksInBatches: more due timers, expired and purgeable
// executions than one batch holds are all handled in one sweep.
func TestSweepWorksInBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1,200 executions")
	}
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, waiter, store.StatusPublished)
	const n = sweepBatch + 100
	for i := 0; i < n; i++ {
		timeout := "60"
		if i%2 == 1 {
			timeout = "3456000"
		}
		_, _, err := f.r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest,
			Contact: "+1555" + string(rune('A'+i%26)) + time.Duration(i).String(), Channel: "+15550002222",
			Data: map[string]any{"n": i, "timeout": timeout}})
		require.NoError(t, err)
	}
	f.clock.Advance(2 * time.Minute)
	sw, err := f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, Swept{Timeouts: n / 2}, sw)
	f.clock.Advance(31 * 24 * time.Hour)
	sw, err = f.r.Sweep(ctx, f.clock.Now())
	require.NoError(t, err)
	// Retention counts from the start (the default): the executions the
	// lifetime just ended go in the same sweep as those that timed out.
	require.Equal(t, Swept{Expired: n / 2, Purged: n}, sw)
	left, err := f.st.CountExecutions(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 0, left)
}

// TestRetentionBasis: the retention period counts from when an execution
// started (Studio's user guide today, the default) or, as a setting, from
// when it ended. An execution that starts on day 0 and ends on day 20 (its
// reply never comes) is gone on day 31 counted from its start, and kept
// until day 50 counted from its end.
func TestRetentionBasis(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		basis     store.RetentionBasis
		setBasis  bool
		keptDay31 bool
		purgedDay time.Duration // first sweep day on which it is gone
	}{
		{basis: store.RetainSinceStarted, setBasis: false, keptDay31: false, purgedDay: 31},
		{basis: store.RetainSinceStarted, setBasis: true, keptDay31: false, purgedDay: 31},
		{basis: store.RetainSinceEnded, setBasis: true, keptDay31: true, purgedDay: 51},
	}
	for _, c := range cases {
		name := c.basis.String()
		if !c.setBasis {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, t.TempDir())
			if c.setBasis {
				f.r.SetRetentionBasis(c.basis)
			}
			f.createFlow(t, waiter, store.StatusPublished)
			start := f.clock.Now()
			x, _, err := f.r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+15550000001",
				Channel: "+15550002222", Data: map[string]any{"n": 1, "timeout": "1728000"}}) // 20 days
			require.NoError(t, err)
			sweepAt := func(d time.Duration) Swept {
				f.clock.Advance(start.Add(d).Sub(f.clock.Now()))
				sw, err := f.r.Sweep(ctx, f.clock.Now())
				require.NoError(t, err)
				return sw
			}
			require.Equal(t, Swept{Timeouts: 1}, sweepAt(20*day+time.Minute))
			got, err := f.st.Execution(ctx, x.SID)
			require.NoError(t, err)
			require.False(t, got.Active())

			sw := sweepAt(31 * day)
			_, err = f.st.Execution(ctx, x.SID)
			if c.keptDay31 {
				require.NoError(t, err)
				require.Equal(t, Swept{}, sw)
				require.Equal(t, Swept{}, sweepAt((c.purgedDay-1)*day)) // it ended on day 20 and a minute
				sw = sweepAt(c.purgedDay * day)
				_, err = f.st.Execution(ctx, x.SID)
			}
			require.Equal(t, Swept{Purged: 1}, sw)
			require.True(t, errors.Is(err, store.ErrNotFound), "%v", err)
			steps, err := f.st.Steps(ctx, x.SID)
			require.NoError(t, err)
			require.Empty(t, steps)
		})
	}
}
