package runner

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink the runner's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A flow author's mistake reaches the log with its Studio code and reason,
// as it reaches the step: here a Liquid bomb cut off by the render limits
// (84003), which used to leave only an empty message behind.
func TestAuthorMistakesAreLogged(t *testing.T) {
	const bomb = `{
  "description": "bomb", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true},
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "boom"}]},
    {"name": "boom", "type": "send-message", "properties": {"body": "{% assign a = 'xxxxxxxxxxxxxxxx' %}` + "{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}{% assign a = a | append: a %}" + `{{a}}"},
     "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`
	f := newFixture(t, t.TempDir())
	var logs syncBuffer
	f.r.log = slog.New(slog.NewTextHandler(&logs, nil))
	f.createFlow(t, bomb, "published")

	x, _, err := f.r.Message(context.Background(), flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi", "MessageSid": "SM1"})
	require.NoError(t, err)

	steps, err := f.st.Steps(context.Background(), x.SID)
	require.NoError(t, err)
	var stepEvent string
	for _, s := range steps {
		for _, ev := range s.Events {
			if ev.Code == 84003 {
				stepEvent = ev.Message
			}
		}
	}
	require.NotEmpty(t, stepEvent, "the step keeps the 84003 event")

	out := logs.String()
	require.Contains(t, out, "code=84003", out)
	require.Contains(t, out, "execution_sid="+x.SID)
	require.Contains(t, out, "widget=boom")
	require.True(t, strings.Contains(out, "append"), "the log line says why: %s", out)
}
