package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// sink is a loopback HTTP sink that answers with the codes it is given
// (then 200) and records the batches it accepted.
type sink struct {
	mu      sync.Mutex
	codes   []int
	batches [][]events.Event
	posts   int
	bad     []string // protocol violations
	down    bool     // answer 500 to everything
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		s.bad = append(s.bad, r.Method+" "+r.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(r.Body)
	code := http.StatusOK
	if s.down {
		code = http.StatusInternalServerError
	} else if len(s.codes) > 0 {
		code, s.codes = s.codes[0], s.codes[1:]
	}
	if code/100 == 2 {
		var batch []events.Event
		if err := json.Unmarshal(body, &batch); err != nil {
			s.bad = append(s.bad, "not a JSON array: "+err.Error())
		}
		s.batches = append(s.batches, batch)
	}
	w.WriteHeader(code)
}

func (s *sink) delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.batches {
		n += len(b)
	}
	return n
}

// fakeClock is the dispatcher's clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newDispatcher(t *testing.T, st *store.Store, url string, clock *fakeClock) *events.Dispatcher {
	t.Helper()
	d := events.NewDispatcher(st, []string{url}, nil)
	d.Now = clock.Now
	d.Jitter = func(time.Duration) time.Duration { return 0 }
	d.Timeout = 2 * time.Second
	require.NoError(t, d.Prepare(context.Background()))
	return d
}

func TestDispatcherDelivers(t *testing.T) {
	ctx := context.Background()
	sk := &sink{}
	srv := httptest.NewServer(sk) // loopback
	defer srv.Close()
	f := newFixture(t, []string{srv.URL}, nil)
	f.converse(t, "+15550001111")
	f.converse(t, "+15550003333")

	clock := &fakeClock{now: enginetest.Epoch.Add(time.Minute)}
	d := newDispatcher(t, f.st, srv.URL, clock)
	d.Batch = 6
	// 10 events, 6 per batch: two rounds.
	n, err := d.Round(ctx)
	require.NoError(t, err)
	require.Equal(t, 6, n)
	n, err = d.Round(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	n, err = d.Round(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	require.Empty(t, sk.bad)
	require.Len(t, sk.batches, 2)
	require.Equal(t, events.TypeExecutionStarted, sk.batches[0][0].Type)
	done, err := f.st.CountEvents(ctx, store.EventDone)
	require.NoError(t, err)
	require.Equal(t, 10, done)
}

func TestDispatcherRetriesWithBackoff(t *testing.T) {
	ctx := context.Background()
	sk := &sink{codes: []int{500, 503}}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	f := newFixture(t, []string{srv.URL}, nil)
	f.converse(t, "+15550001111")

	clock := &fakeClock{now: enginetest.Epoch.Add(time.Minute)}
	d := newDispatcher(t, f.st, srv.URL, clock)

	steps := []struct {
		advance   time.Duration
		posts     int
		delivered int
	}{
		{0, 1, 0},                       // 500: retry in 1 s
		{500 * time.Millisecond, 1, 0},  // not yet due
		{500 * time.Millisecond, 2, 0},  // 503: retry in 2 s
		{1900 * time.Millisecond, 2, 0}, // not yet
		{100 * time.Millisecond, 3, 5},  // 200
		{time.Hour, 3, 5},               // nothing left
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		_, err := d.Round(ctx)
		require.NoError(t, err, "step %d", i)
		sk.mu.Lock()
		posts := sk.posts
		sk.mu.Unlock()
		require.Equal(t, s.posts, posts, "step %d", i)
		require.Equal(t, s.delivered, sk.delivered(), "step %d", i)
	}
}

func TestDispatcherBackoffCapAndGiveUp(t *testing.T) {
	ctx := context.Background()
	sk := &sink{down: true}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	f := newFixture(t, []string{srv.URL}, nil)
	f.converse(t, "+15550001111")
	clock := &fakeClock{now: enginetest.Epoch}
	d := newDispatcher(t, f.st, srv.URL, clock)

	// Bounded: backoff doubles to 5 min; 24 h pass in well under 400 tries.
	var last int
	for i := 0; i < 400; i++ {
		_, err := d.Round(ctx)
		require.NoError(t, err)
		failed, err := f.st.CountEvents(ctx, store.EventFailed)
		require.NoError(t, err)
		if failed == 5 {
			break
		}
		sk.mu.Lock()
		last = sk.posts
		sk.mu.Unlock()
		clock.Advance(5 * time.Minute)
	}
	failed, err := f.st.CountEvents(ctx, store.EventFailed)
	require.NoError(t, err)
	require.Equal(t, 5, failed, "given up after 24 h")
	require.Less(t, last, 300+20, "backoff capped at 5 min, not every round")
	require.Greater(t, last, 24*60/5-20)
}

// TestDispatcherSurvivesRestart: the sink is down while one dispatcher
// runs; the rows stay pending and a new dispatcher delivers them once the
// sink is back.
func TestDispatcherSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	// Reserve a loopback port, then close it: the sink is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	url := "http://" + addr + "/events"

	f := newFixture(t, []string{url}, nil)
	f.converse(t, "+15550001111")
	clock := &fakeClock{now: enginetest.Epoch.Add(time.Minute)}
	d1 := newDispatcher(t, f.st, url, clock)
	for i := 0; i < 3; i++ {
		n, err := d1.Round(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		clock.Advance(10 * time.Second)
	}
	pending, err := f.st.CountEvents(ctx, store.EventPending)
	require.NoError(t, err)
	require.Equal(t, 5, pending)

	// The sink comes up on the same address; a new dispatcher (a restart)
	// delivers what the old one could not.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	sk := &sink{}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: sk, ReadHeaderTimeout: time.Second}}
	srv.Start()
	defer srv.Close()

	d2 := newDispatcher(t, f.st, url, clock)
	clock.Advance(time.Minute)
	n, err := d2.Round(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	require.Equal(t, 5, sk.delivered())
	require.Empty(t, sk.bad)
}

func TestDispatcherPurge(t *testing.T) {
	ctx := context.Background()
	sk := &sink{}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	f := newFixture(t, []string{srv.URL}, nil)
	f.converse(t, "+15550001111")
	clock := &fakeClock{now: enginetest.Epoch.Add(time.Minute)}
	d := newDispatcher(t, f.st, srv.URL, clock)
	d.Retention = 24 * time.Hour
	_, err := d.Round(ctx)
	require.NoError(t, err)

	n, err := d.Purge(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "too young")
	clock.Advance(25 * time.Hour)
	n, err = d.Purge(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, n)
}

func TestDispatcherAbandonsRemovedSinks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, []string{sinkURL}, nil)
	f.converse(t, "+15550001111")
	d := events.NewDispatcher(f.st, []string{"http://127.0.0.1:9/other"}, nil)
	require.NoError(t, d.Prepare(ctx))
	failed, err := f.st.CountEvents(ctx, store.EventFailed)
	require.NoError(t, err)
	require.Equal(t, 5, failed)
}
