package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/events"
)

const authToken = "0123456789abcdef0123456789abcdef"

// sseLines reads the stream's lines into a channel until it ends.
func sseLines(t *testing.T, resp *http.Response) <-chan string {
	t.Helper()
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// next returns the next line that starts with prefix, failing after timeout.
func next(t *testing.T, lines <-chan string, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "stream ended before a %q line", prefix)
			if strings.HasPrefix(l, prefix) {
				return strings.TrimPrefix(l, prefix)
			}
		case <-deadline:
			t.Fatalf("no %q line within %s", prefix, timeout)
		}
	}
}

// waitSubscribers waits (bounded) until the broker has n subscribers.
func waitSubscribers(t *testing.T, b *events.Broker, n int) {
	t.Helper()
	for i := 0; i < 200 && b.Subscribers() != n; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, n, b.Subscribers())
}

// TestStreamThroughAPI: a real HTTP client reads a started execution's
// events from GET /v2/Events/Stream, behind the API's Basic auth and its
// request logging writer (which must let flushes through).
func TestStreamThroughAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	broker := events.NewBroker(nil)
	broker.Heartbeat = 50 * time.Millisecond
	f := newFixture(t, nil, broker)
	srv := httptest.NewServer((&api.Server{Store: f.st, Runner: f.r, Version: "test", Events: broker,
		Auth: &auth.Authenticator{Creds: auth.Credentials{AccountSID: accountSID, AuthToken: authToken}}}).Handler())
	defer srv.Close()
	defer broker.Close()

	cases := []struct {
		name, query string
		status      int
		user        string
	}{
		{"no credentials", "", http.StatusUnauthorized, ""},
		{"filtered by flow", "?flow_sid=" + flowSID, http.StatusOK, accountSID},
	}
	var lines <-chan string
	parent := t
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/Events/Stream"+c.query, nil)
			require.NoError(t, err)
			if c.user != "" {
				req.SetBasicAuth(c.user, authToken)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.Equal(t, c.status, resp.StatusCode)
			if c.status != http.StatusOK {
				resp.Body.Close()
				return
			}
			parent.Cleanup(func() { resp.Body.Close() })
			require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			lines = sseLines(t, resp)
		})
	}
	require.NotNil(t, lines)
	require.Equal(t, "3000", next(t, lines, "retry: ", 2*time.Second))
	waitSubscribers(t, broker, 1)
	next(t, lines, ": ping", 2*time.Second)

	_, _, err := f.r.Message(ctx, flowSID, "+15550001111", "+15550002222", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	id := next(t, lines, "id: ", 2*time.Second)
	var ev events.Event
	require.NoError(t, json.Unmarshal([]byte(next(t, lines, "data: ", 2*time.Second)), &ev))
	require.Equal(t, id, ev.ID)
	require.Equal(t, events.TypeExecutionStarted, ev.Type)
	require.NoError(t, json.Unmarshal([]byte(next(t, lines, "data: ", 2*time.Second)), &ev))
	require.Equal(t, events.TypeStepEnded, ev.Type)
}

func TestStreamFilters(t *testing.T) {
	b := events.NewBroker(nil)
	srv := httptest.NewServer(b)
	defer srv.Close()
	defer b.Close()
	cases := []struct {
		name, query string
		want        []string // ids received from the three messages below
	}{
		{"all", "", []string{"a", "b", "c"}},
		{"flow", "?flow_sid=FW1", []string{"a", "b"}},
		{"execution", "?execution_sid=FN2", []string{"b"}},
		{"both, no match", "?flow_sid=FW2&execution_sid=FN2", nil},
	}
	msgs := []events.Message{
		{ID: "a", FlowSID: "FW1", ExecutionSID: "FN1", JSON: []byte(`{}`)},
		{ID: "b", FlowSID: "FW1", ExecutionSID: "FN2", JSON: []byte(`{}`)},
		{ID: "c", FlowSID: "FW2", ExecutionSID: "FN3", JSON: []byte(`{}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+c.query, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			lines := sseLines(t, resp)
			next(t, lines, "retry: ", 2*time.Second)
			waitSubscribers(t, b, 1)
			b.Publish(msgs)
			// A marker that passes the case's filter ends what it receives.
			b.Publish([]events.Message{{ID: "end", FlowSID: flowFor(c.query), ExecutionSID: execFor(c.query), JSON: []byte(`{}`)}})
			var got []string
			for {
				id := next(t, lines, "id: ", 2*time.Second)
				if id == "end" {
					break
				}
				got = append(got, id)
			}
			require.Equal(t, c.want, got)
			resp.Body.Close()
			cancel()
			waitSubscribers(t, b, 0)
		})
	}
}

// flowFor and execFor make a marker message that passes the query's filter.
func flowFor(q string) string {
	if i := strings.Index(q, "flow_sid="); i >= 0 {
		return strings.SplitN(q[i+len("flow_sid="):], "&", 2)[0]
	}
	return "FWx"
}

func execFor(q string) string {
	if i := strings.Index(q, "execution_sid="); i >= 0 {
		return strings.SplitN(q[i+len("execution_sid="):], "&", 2)[0]
	}
	return "FNx"
}

// TestSlowSubscriberDropped: a subscriber that does not read is dropped
// once its buffer is full; publishing never blocks.
func TestSlowSubscriberDropped(t *testing.T) {
	b := events.NewBroker(nil)
	b.Buffer = 4
	srv := httptest.NewServer(b)
	defer srv.Close()
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	waitSubscribers(t, b, 1)

	// The client reads nothing. Big events fill the socket buffers, then
	// the subscriber's buffer; then it is dropped. Bounded loop, and each
	// Publish must return at once.
	big := []byte(`{"pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	dropped := false
	for i := 0; i < 2000 && !dropped; i++ {
		start := time.Now()
		b.Publish([]events.Message{{ID: fmt.Sprint(i), JSON: big}})
		require.Less(t, time.Since(start), time.Second, "Publish blocked")
		dropped = b.Subscribers() == 0
	}
	require.True(t, dropped, "slow subscriber was not dropped")
	require.False(t, b.Listening())
}

// TestCloseEndsStreams: Close ends open streams (server shutdown).
func TestCloseEndsStreams(t *testing.T) {
	b := events.NewBroker(nil)
	srv := httptest.NewServer(b)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	lines := sseLines(t, resp)
	waitSubscribers(t, b, 1)
	b.Close()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("stream still open after Close")
		}
	}
}
