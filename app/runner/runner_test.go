package runner

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

const flowSID = "FW00000000000000000000000000000001"

// survey asks a question, waits for the reply (or 60 s) and answers.
const survey = `{
  "description": "survey", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true},
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [
      {"event": "incomingMessage", "next": "ask"}, {"event": "incomingRequest", "next": "ask"}]},
    {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "{{flow.variables.q | default: 'Rate us 1-5'}}", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout", "next": "bye"}, {"event": "deliveryFailure"}]},
    {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks for {{widgets.ask.inbound.Body}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]},
    {"name": "bye", "type": "send-message", "properties": {"body": "No answer, bye"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

type fixture struct {
	dir   string
	st    *store.Store
	r     *Runner
	clock *enginetest.Clock
}

func newFixture(t *testing.T, dir string) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := enginetest.NewClock()
	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithClock(clock.Now))
	return &fixture{dir: dir, st: st, r: r, clock: clock}
}

func (f *fixture) createFlow(t *testing.T, def string, status string) {
	t.Helper()
	_, err := f.st.CreateFlow(context.Background(), store.NewFlow{SID: flowSID, FriendlyName: "survey", Status: status, Definition: json.RawMessage(def), Valid: true})
	require.NoError(t, err)
}

func messages(sp *engine.Sprint) []string {
	var out []string
	for _, c := range sp.Commands {
		if m, ok := c.(engine.Message); ok {
			out = append(out, m.Body)
		}
	}
	return out
}

func TestMessageConversation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, survey, store.StatusPublished)

	x, sp, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi", "MessageSid": "SM1"})
	require.NoError(t, err)
	require.Equal(t, []string{"Rate us 1-5"}, messages(sp))
	require.True(t, x.Active())

	// The next message from the contact is the reply, not a new execution.
	x2, sp, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "5", "MessageSid": "SM2"})
	require.NoError(t, err)
	require.Equal(t, x.SID, x2.SID)
	require.Equal(t, []string{"Thanks for 5"}, messages(sp))
	require.False(t, x2.Active())

	steps, err := f.st.Steps(ctx, x.SID)
	require.NoError(t, err)
	var path []string
	for _, s := range steps {
		path = append(path, s.TransitionedFrom+"."+s.Name+">"+s.TransitionedTo)
	}
	require.Equal(t, []string{"Trigger.incomingMessage>ask", "ask.incomingMessage>thanks", "thanks.sent>Ended"}, path)

	out, err := f.st.ListMessages(ctx, store.MessageFilter{Status: store.MessageQueued}, store.Page{})
	require.NoError(t, err)
	require.Len(t, out, 2, "both messages wait in the outbox")
}

func TestOneActiveExecutionPerContact(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, survey, store.StatusPublished)
	trig := engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+15550001111", Channel: "+15550002222"}
	x, _, err := f.r.Start(ctx, flowSID, trig)
	require.NoError(t, err)
	_, _, err = f.r.Start(ctx, flowSID, trig)
	var conflict *store.ActiveConflict
	require.True(t, errors.As(err, &conflict), "%v", err)
	require.Equal(t, x.SID, conflict.ExecutionSID)
	// Another contact is fine.
	trig.Contact = "+15550003333"
	_, _, err = f.r.Start(ctx, flowSID, trig)
	require.NoError(t, err)
	// Once ended, the contact may start again.
	_, err = f.r.End(ctx, x.SID)
	require.NoError(t, err)
	trig.Contact = "+15550001111"
	_, _, err = f.r.Start(ctx, flowSID, trig)
	require.NoError(t, err)
}

func TestTimersFireAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFixture(t, dir)
	f.createFlow(t, survey, store.StatusPublished)
	x, _, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	n, err := f.r.FireTimers(ctx, f.clock.Now().Add(59*time.Second), 100)
	require.NoError(t, err)
	require.Zero(t, n, "not due yet")
	require.NoError(t, f.st.Close())

	// A new process on the same data: the timer is still there and fires.
	g := newFixture(t, dir)
	g.clock.Advance(61 * time.Second)
	n, err = g.r.FireTimers(ctx, g.clock.Now(), 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := g.st.Execution(ctx, x.SID)
	require.NoError(t, err)
	require.False(t, got.Active())
	n, err = g.r.FireTimers(ctx, g.clock.Now(), 100)
	require.NoError(t, err)
	require.Zero(t, n, "a fired timer is gone")
}

func TestTestUsersRunTheDraft(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, survey, store.StatusPublished)
	draft := []byte(strings.Replace(survey, "Rate us 1-5", "DRAFT question", 1))
	_, err := f.st.AddRevision(ctx, flowSID, store.NewFlow{Status: store.StatusDraft, Definition: draft, Valid: true})
	require.NoError(t, err)
	require.NoError(t, f.st.SetTestUsers(ctx, flowSID, []string{"+15550009999"}))

	_, sp, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	require.Equal(t, []string{"Rate us 1-5"}, messages(sp), "everyone else runs the published revision")
	x, sp, err := f.r.Message(ctx, flowSID, "+15550009999", "+15550002222", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	require.Equal(t, []string{"DRAFT question"}, messages(sp), "a test user runs the latest revision")
	require.Equal(t, 2, x.FlowRevision)
}

func mustProgram(tb testing.TB, def string) *engine.Program {
	tb.Helper()
	f, err := schema.Parse([]byte(def))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := engine.Compile(flowSID, 1, f)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
