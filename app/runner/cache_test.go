package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
