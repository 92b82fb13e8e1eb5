package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	_ "github.com/switchboard/switchboard/engine/widgets"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	flowSID    = "FW00000000000000000000000000000001"
	accountSID = "AC00000000000000000000000000000001"
	sinkURL    = "http://127.0.0.1:9/unused"
)

// survey asks a question, waits for the reply and thanks.
const survey = `{
  "description": "survey", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "ask"}]},
    {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Rate us 1-5", "timeout": "60"},
     "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks for {{widgets.ask.inbound.Body}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

type fixture struct {
	st    *store.Store
	r     *runner.Runner
	clock *enginetest.Clock
	hook  *events.Hook
}

// newFixture is a runner on a fresh store with a deterministic clock, SIDs
// and event ids, and the events hook installed with the given sinks.
func newFixture(t *testing.T, sinks []string, broker *events.Broker) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "survey", Status: store.StatusPublished,
		Definition: json.RawMessage(survey), Valid: true})
	require.NoError(t, err)
	clock := enginetest.NewClock()
	sids := &enginetest.SIDs{}
	r := runner.New(st, slog.New(slog.DiscardHandler), engine.WithClock(clock.Now), engine.WithSIDs(sids.New))
	t.Cleanup(r.Close)
	var mu sync.Mutex
	n := 0
	hook := &events.Hook{Builder: events.Builder{AccountSID: accountSID, NewID: func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("EV%032d", n)
	}}, Sinks: sinks, Broker: broker}
	r.SetEvents(hook)
	return &fixture{st: st, r: r, clock: clock, hook: hook}
}

// converse runs the survey for one contact: the first message starts it,
// the reply ends it.
func (f *fixture) converse(t *testing.T, contact string) {
	t.Helper()
	ctx := context.Background()
	_, _, err := f.r.Message(ctx, flowSID, contact, "+15550002222", map[string]any{"Body": "hi", "MessageSid": "SM01"})
	require.NoError(t, err)
	f.clock.Advance(2 * time.Second)
	x, _, err := f.r.Message(ctx, flowSID, contact, "+15550002222", map[string]any{"Body": "5", "MessageSid": "SM02"})
	require.NoError(t, err)
	require.False(t, x.Active())
}

func TestBuilderGolden(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, []string{sinkURL}, nil)
	f.converse(t, "+15550001111")

	rows, err := f.st.DueEvents(ctx, sinkURL, enginetest.Epoch.Add(time.Hour), 100)
	require.NoError(t, err)
	var got []json.RawMessage
	for _, r := range rows {
		got = append(got, r.Payload)
	}
	out, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	out = append(out, '\n')
	golden := filepath.Join("testdata", "conversation.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), string(out))

	// The types, in order: started, one step.ended per step, ended.
	var types []string
	for _, r := range rows {
		var ev events.Event
		require.NoError(t, json.Unmarshal(r.Payload, &ev))
		require.Equal(t, "1.0", ev.SpecVersion)
		require.Equal(t, "application/json", ev.DataContentType)
		types = append(types, ev.Type)
	}
	require.Equal(t, []string{events.TypeExecutionStarted, events.TypeStepEnded, events.TypeStepEnded, events.TypeStepEnded,
		events.TypeExecutionEnded}, types)
}

func TestEndedReason(t *testing.T) {
	cases := []struct{ in, want string }{
		{engine.EndCompleted, "FLOW_END"},
		{engine.EndByUser, "ENDED_BY_USER"},
		{engine.EndExpired, "EXPIRED"},
		{"something new", "SOMETHING_NEW"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) { require.Equal(t, c.want, events.EndedReason(c.in)) })
	}
}

// TestNoSinkNoRows: without sinks and subscribers a sprint writes no event
// rows and builds nothing.
func TestNoSinkNoRows(t *testing.T) {
	f := newFixture(t, nil, events.NewBroker(nil))
	f.converse(t, "+15550001111")
	n, err := f.st.CountEvents(context.Background(), "")
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestRowsCommitWithSprint: event rows exist exactly when their sprint
// committed; a sprint that fails (an active-execution conflict) writes none.
func TestRowsCommitWithSprint(t *testing.T) {
	ctx := context.Background()
	sinks := []string{sinkURL, "http://127.0.0.1:9/second"}
	f := newFixture(t, sinks, nil)

	x, _, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	require.True(t, x.Active())
	n, err := f.st.CountEvents(ctx, store.EventPending)
	require.NoError(t, err)
	require.Equal(t, 2*2, n, "started + one step, for each of two sinks")

	// A second start for the same contact conflicts: nothing is written.
	_, _, err = f.r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingMessage, Contact: "+15550001111", Channel: "+15550002222"})
	require.ErrorIs(t, err, store.ErrActiveExecution)
	n2, err := f.st.CountEvents(ctx, "")
	require.NoError(t, err)
	require.Equal(t, n, n2)
}

// TestSaveSprintsAtomic: in a group commit that fails, the events of the
// good sprint go with it.
func TestSaveSprintsAtomic(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	now := enginetest.Epoch
	mk := func(sid string) store.SprintRecord {
		x := &engine.Execution{SID: sid, FlowSID: flowSID, Status: engine.StatusActive, Contact: "+1555", Channel: "+1666",
			CreatedAt: now, UpdatedAt: now}
		return store.SprintRecord{Execution: x, New: true, SessionKey: "+1555",
			Events: []store.EventRow{{EventID: "EV1" + sid, Sink: sinkURL, Payload: []byte(`{}`), Created: now}}}
	}
	// Both sprints want the one active execution of the contact.
	err = st.SaveSprints(ctx, []store.SprintRecord{mk("FN00000000000000000000000000000001"), mk("FN00000000000000000000000000000002")})
	require.ErrorIs(t, err, store.ErrActiveExecution)
	n, err := st.CountEvents(ctx, "")
	require.NoError(t, err)
	require.Zero(t, n)

	require.NoError(t, st.SaveSprint(ctx, mk("FN00000000000000000000000000000003")))
	n, err = st.CountEvents(ctx, store.EventPending)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://user:secret@example.org/hook?token=abc", "https://example.org/hook"},
		{"http://127.0.0.1:8081/e", "http://127.0.0.1:8081/e"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := events.Redact(c.in)
			require.Equal(t, c.want, got)
			require.False(t, bytes.Contains([]byte(got), []byte("secret")))
		})
	}
}
