package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// twoQuestions waits for two replies in a row and then answers: a sprint
// that answers the first question leaves the execution active, waiting in
// the second.
const twoQuestions = `{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "q1"}]},
    {"name": "q1", "type": "send-and-wait-for-reply", "properties": {"body": "first?", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "q2"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "q2", "type": "send-and-wait-for-reply", "properties": {"body": "second, after {{widgets.q1.inbound.Body}}?", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "bye"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "bye", "type": "send-message", "properties": {"body": "got {{widgets.q1.inbound.Body}} and {{widgets.q2.inbound.Body}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

// loop asks forever: every reply is answered by the next question.
const loop = `{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "a"}]},
    {"name": "a", "type": "send-and-wait-for-reply", "properties": {"body": "a {{trigger.message.Body}}", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "b"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "b", "type": "send-and-wait-for-reply", "properties": {"body": "b {{widgets.a.inbound.Body}}", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "a"}, {"event": "timeout"}, {"event": "deliveryFailure"}]}
  ]}`

const contact, channel = "+15550001111", "+15550002222"

func reply(body string) map[string]any { return map[string]any{"Body": body} }

// A committed sprint leaves its execution in the cache, and the next
// message finds it there (active lookup and state).
func TestCacheKeepsCommittedExecutions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, twoQuestions, store.StatusPublished)
	x, _, err := f.r.Message(ctx, flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)
	require.Equal(t, x.SID, f.r.cache.active(flowSID, contact))
	require.Equal(t, 1, f.r.cache.len())

	_, sp, err := f.r.Message(ctx, flowSID, contact, channel, reply("1"))
	require.NoError(t, err)
	require.Equal(t, []string{"second, after 1?"}, messages(sp))
	_, sp, err = f.r.Message(ctx, flowSID, contact, channel, reply("2"))
	require.NoError(t, err)
	require.Equal(t, []string{"got 1 and 2"}, messages(sp))
	require.Zero(t, f.r.cache.len(), "an ended execution is not kept")
	require.Empty(t, f.r.cache.active(flowSID, contact))
	steps, err := f.st.Steps(ctx, x.SID)
	require.NoError(t, err)
	require.Len(t, steps, 4)
}

// A sprint whose save fails changed the execution in memory only: the next
// sprint runs on the stored state, not on that.
func TestResumeAfterFailedSaveReloads(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, twoQuestions, store.StatusPublished)
	rc := store.Receipt{Key: "webhook-1", FlowSID: flowSID}
	x, _, err := f.r.Message(WithReceipt(ctx, rc), flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)

	// The same receipt again: the engine answers q1 (moving to q2 in
	// memory), and the save fails.
	_, _, err = f.r.Message(WithReceipt(ctx, rc), flowSID, contact, channel, reply("lost"))
	require.ErrorIs(t, err, store.ErrDuplicateReceipt)
	require.Empty(t, f.r.cache.active(flowSID, contact), "an uncommitted sprint's execution is not kept")

	// So this reply answers q1, as the store says, not q2.
	_, sp, err := f.r.Message(ctx, flowSID, contact, channel, reply("1"))
	require.NoError(t, err)
	require.Equal(t, []string{"second, after 1?"}, messages(sp))
	got, err := f.st.Execution(ctx, x.SID)
	require.NoError(t, err)
	require.Equal(t, "q2", got.Current)
	require.Equal(t, 2, got.Steps)
}

// An execution deleted in the store is not resumed from the cache, nor
// found as the contact's active one.
func TestDeletedExecutionLeavesTheCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, twoQuestions, store.StatusPublished)
	x, _, err := f.r.Message(ctx, flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)
	require.Equal(t, 1, f.r.cache.len())

	require.NoError(t, f.st.DeleteExecution(ctx, flowSID, x.SID))
	require.Zero(t, f.r.cache.len())
	_, _, err = f.r.Resume(ctx, x.SID, engine.Input{Type: engine.InputReply, Params: reply("1")})
	require.ErrorIs(t, err, store.ErrNotFound)
	// The contact's next message starts a new execution.
	y, sp, err := f.r.Message(ctx, flowSID, contact, channel, reply("again"))
	require.NoError(t, err)
	require.NotEqual(t, x.SID, y.SID)
	require.Equal(t, []string{"first?"}, messages(sp))

	// Deleting the flow drops all of its executions.
	_, _, err = f.r.Message(ctx, flowSID, "+15550003333", channel, reply("hi"))
	require.NoError(t, err)
	require.Equal(t, 2, f.r.cache.len())
	require.NoError(t, f.st.DeleteFlow(ctx, flowSID))
	require.Zero(t, f.r.cache.len())
	_, _, err = f.r.Resume(ctx, y.SID, engine.Input{Type: engine.InputReply, Params: reply("1")})
	require.ErrorIs(t, err, store.ErrNotFound)
}

// A sprint that took its execution before a deletion does not put it back
// after: the deletion's generation tells.
func TestCachePutAfterDeletionIsRefused(t *testing.T) {
	c := newExecCache(10)
	x := &engine.Execution{SID: "FN1", FlowSID: flowSID, Status: engine.StatusActive}
	gen := c.generation()
	c.deleted(flowSID, "FN1") // committed while the sprint ran
	c.put(x, sessionRef{flowSID, contact}, gen)
	require.Zero(t, c.len())
	require.Empty(t, c.active(flowSID, contact))
	c.put(x, sessionRef{flowSID, contact}, c.generation())
	require.Equal(t, 1, c.len())
	c.deleted("", "FN1") // a purge names the execution only
	require.Zero(t, c.len())
}

// The cache holds at most its bound; executions that fell out resume from
// the store.
func TestCacheBound(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, twoQuestions, store.StatusPublished)
	f.r.cache = newExecCache(3)
	f.st.OnExecutionsDeleted(f.r.cache.deleted)
	const n = 8
	for i := range n {
		_, _, err := f.r.Message(ctx, flowSID, fmt.Sprintf("+1555000%04d", i), channel, reply("hi"))
		require.NoError(t, err)
		require.LessOrEqual(t, f.r.cache.len(), 3)
	}
	require.Equal(t, 3, f.r.cache.len())
	require.Empty(t, f.r.cache.active(flowSID, "+15550000000"), "the oldest fell out")
	require.NotEmpty(t, f.r.cache.active(flowSID, fmt.Sprintf("+1555000%04d", n-1)))
	for i := range n {
		_, sp, err := f.r.Message(ctx, flowSID, fmt.Sprintf("+1555000%04d", i), channel, reply("1"))
		require.NoError(t, err)
		require.Equal(t, []string{"second, after 1?"}, messages(sp))
		require.LessOrEqual(t, f.r.cache.len(), 3)
	}
}

// The execution a sprint returns is its caller's: the cache keeps its own
// copy, so later sprints (here from other goroutines) never change what a
// caller reads (go test -race).
func TestCachedExecutionIsNotShared(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, loop, store.StatusPublished)
	_, _, err := f.r.Message(ctx, flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				x, sp, err := f.r.Message(ctx, flowSID, contact, channel, reply(fmt.Sprintf("%d-%d", g, i)))
				if err != nil {
					errs <- err
					return
				}
				// Read all of it, as an API answer would.
				if _, err := json.Marshal(x); err != nil {
					errs <- err
					return
				}
				if _, err := json.Marshal(sp.Steps); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	x, err := f.st.Execution(ctx, f.r.cache.active(flowSID, contact))
	require.NoError(t, err)
	require.Equal(t, 41, x.Steps)
}

// A timer fires for a cached execution and its sprint is the one the store
// would give; an End of a cached execution ends it.
func TestCachedTimerAndEnd(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, survey, store.StatusPublished)
	x, _, err := f.r.Message(ctx, flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)
	f.clock.Advance(61 * time.Second)
	n, err := f.r.FireTimers(ctx, f.clock.Now(), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := f.st.Execution(ctx, x.SID)
	require.NoError(t, err)
	require.False(t, got.Active())
	require.Zero(t, f.r.cache.len())

	y, _, err := f.r.Message(ctx, flowSID, "+15550003333", channel, reply("hi"))
	require.NoError(t, err)
	require.Equal(t, 1, f.r.cache.len())
	_, err = f.r.End(ctx, y.SID)
	require.NoError(t, err)
	require.Zero(t, f.r.cache.len())
	_, err = f.r.End(ctx, y.SID)
	require.True(t, errors.Is(err, engine.ErrEnded), "%v", err)
}

// An execution that waits past compactAfter is kept as its JSON: it is
// still found by SID and by contact, and the sprint that takes it gets
// exactly what a store read would give; the conversation goes on from it.
func TestCacheEncodesWaitingExecutions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	// Random SIDs: the engine's default counter is per process, and
	// TestCrashRecovery's parent and child, each counting from its own
	// start, write one database; sprints here that took from the parent's
	// counter moved its message SIDs onto the child's.
	f.r = New(f.st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sid.New))
	t.Cleanup(f.r.Close)
	f.createFlow(t, twoQuestions, store.StatusPublished)
	f.r.cache.after = 0 // no timer: this test encodes when it says so
	x, _, err := f.r.Message(ctx, flowSID, contact, channel, reply("hi"))
	require.NoError(t, err)
	y, _, err := f.r.Message(ctx, flowSID, "+15550003333", channel, reply("hey"))
	require.NoError(t, err)

	require.False(t, f.r.cache.compact(time.Now().Add(time.Hour)), "two entries are less than a batch")
	require.Equal(t, 2, f.r.cache.encoded())
	require.Equal(t, 2, f.r.cache.len())
	require.Equal(t, x.SID, f.r.cache.active(flowSID, contact))

	stored, err := f.st.Execution(ctx, y.SID)
	require.NoError(t, err)
	gen := f.r.cache.generation()
	got, ref := f.r.cache.take(y.SID)
	require.NotNil(t, got)
	require.Equal(t, stored, got)
	require.Equal(t, sessionRef{flowSID, "+15550003333"}, ref)
	f.r.cache.put(got, ref, gen)
	require.Equal(t, 1, f.r.cache.encoded(), "put back decoded")

	_, sp, err := f.r.Message(ctx, flowSID, contact, channel, reply("1"))
	require.NoError(t, err)
	require.Equal(t, []string{"second, after 1?"}, messages(sp))
	_, sp, err = f.r.Message(ctx, flowSID, "+15550003333", channel, reply("a"))
	require.NoError(t, err)
	require.Equal(t, []string{"second, after a?"}, messages(sp))
	require.Zero(t, f.r.cache.encoded())
	require.Equal(t, 2, f.r.cache.len())
}

// compact encodes the entries put before its cutoff, oldest first and at
// most a batch at a time; the bound evicts the oldest first, encoded or
// not; a flow's deletion drops its encoded entries too.
func TestCacheCompactOrderAndBound(t *testing.T) {
	const n = compactBatch + 2
	c := newExecCache(n)
	c.after = 0
	base := time.Now()
	var at time.Time
	c.now = func() time.Time { return at }
	for i := range n {
		at = base.Add(time.Duration(i) * time.Second)
		c.put(&engine.Execution{SID: fmt.Sprintf("FN%02d", i), FlowSID: "FW1", Status: engine.StatusActive},
			sessionRef{"FW1", fmt.Sprintf("+1%02d", i)}, c.generation())
	}
	require.True(t, c.compact(base.Add(time.Hour)), "a full batch")
	require.Equal(t, compactBatch, c.encoded())
	require.False(t, c.compact(base.Add(time.Duration(compactBatch)*time.Second)), "the next is due, the last is not")
	require.Equal(t, compactBatch+1, c.encoded())
	for i := range n {
		require.Equal(t, fmt.Sprintf("FN%02d", i), c.active("FW1", fmt.Sprintf("+1%02d", i)))
	}

	at = base.Add(time.Hour)
	c.put(&engine.Execution{SID: "FNnew", FlowSID: "FW2", Status: engine.StatusActive}, sessionRef{}, c.generation())
	require.Equal(t, n, c.len())
	x, _ := c.take("FN00")
	require.Nil(t, x, "the oldest (encoded) fell out")
	x, _ = c.take("FN01")
	require.NotNil(t, x)
	require.Equal(t, "FN01", x.SID)

	c.deleted("FW1", "")
	require.Equal(t, 1, c.len())
	require.Zero(t, c.encoded())
	require.Empty(t, c.active("FW1", "+105"))
}

// The cache's own timer encodes what waited compactAfter, with no sprint
// to prompt it.
func TestCacheTimerEncodes(t *testing.T) {
	c := newExecCache(4)
	c.after = time.Millisecond
	c.put(&engine.Execution{SID: "FN1", FlowSID: "FW1", Status: engine.StatusActive}, sessionRef{}, c.generation())
	require.Eventually(t, func() bool { return c.encoded() == 1 }, 5*time.Second, time.Millisecond)
	c.put(&engine.Execution{SID: "FN2", FlowSID: "FW1", Status: engine.StatusActive}, sessionRef{}, c.generation())
	require.Eventually(t, func() bool { return c.encoded() == 2 }, 5*time.Second, time.Millisecond, "the timer is set again")
	x, _ := c.take("FN2")
	require.Equal(t, &engine.Execution{SID: "FN2", FlowSID: "FW1", Status: engine.StatusActive}, x)
}
