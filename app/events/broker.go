package events

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Message is one encoded event on its way to live subscribers.
type Message struct {
	ID           string
	FlowSID      string
	ExecutionSID string
	JSON         []byte // the CloudEvent
}

// Broker fans committed events out to Server-Sent Events subscribers (the
// editor's live view of executions). Each subscriber has a bounded buffer;
// one that falls behind is dropped, never waited for: publishing never
// blocks the runner. Nothing is kept: a subscriber sees what happens while
// it is connected (the REST API has the history).
type Broker struct {
	// Buffer is each subscriber's buffer in events (default 256).
	Buffer int
	// Heartbeat is the interval of ": ping" comments (default 15 s).
	Heartbeat time.Duration
	// Retry is the reconnection delay suggested to clients (default 3 s).
	Retry time.Duration
	Log   *slog.Logger

	n      atomic.Int64 // subscribers, read on the hot path
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	done   chan struct{}
}

type subscriber struct {
	flowSID, executionSID string
	ch                    chan Message
	dropped               chan struct{} // closed when the broker drops it
}

// NewBroker returns a broker with the default settings.
func NewBroker(log *slog.Logger) *Broker {
	return &Broker{Log: log}
}

func (b *Broker) init() {
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
		b.done = make(chan struct{})
	}
}

// Listening reports whether anyone subscribes (then sprints build events).
func (b *Broker) Listening() bool { return b.n.Load() > 0 }

// Subscribers returns the number of subscribers.
func (b *Broker) Subscribers() int { return int(b.n.Load()) }

// Publish hands events to every matching subscriber without blocking; a
// subscriber whose buffer is full is dropped.
func (b *Broker) Publish(msgs []Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, m := range msgs {
			if !s.match(m) {
				continue
			}
			select {
			case s.ch <- m:
			default:
				b.dropLocked(s)
				if b.Log != nil {
					b.Log.Warn("event stream subscriber dropped: too slow", "flow_sid", s.flowSID, "execution_sid", s.executionSID)
				}
			}
			if _, ok := b.subs[s]; !ok {
				break
			}
		}
	}
}

func (s *subscriber) match(m Message) bool {
	return (s.flowSID == "" || s.flowSID == m.FlowSID) && (s.executionSID == "" || s.executionSID == m.ExecutionSID)
}

func (b *Broker) subscribe(flowSID, executionSID string) (*subscriber, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	if b.closed {
		return nil, false
	}
	size := b.Buffer
	if size <= 0 {
		size = 256
	}
	s := &subscriber{flowSID: flowSID, executionSID: executionSID, ch: make(chan Message, size), dropped: make(chan struct{})}
	b.subs[s] = struct{}{}
	b.n.Add(1)
	return s, true
}

func (b *Broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		b.n.Add(-1)
	}
}

func (b *Broker) dropLocked(s *subscriber) {
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		b.n.Add(-1)
		close(s.dropped)
	}
}

// Close ends every stream (call it when the HTTP server shuts down, so
// that open streams do not hold the shutdown).
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	if b.closed {
		return
	}
	b.closed = true
	close(b.done)
	for s := range b.subs {
		b.dropLocked(s)
	}
}

// ServeHTTP streams events as Server-Sent Events: "id:" is the event id and
// "data:" the CloudEvent JSON. Query parameters flow_sid and execution_sid
// filter the stream.
func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	q := r.URL.Query()
	s, ok := b.subscribe(q.Get("flow_sid"), q.Get("execution_sid"))
	if !ok {
		http.Error(w, "event stream closed", http.StatusServiceUnavailable)
		return
	}
	defer b.unsubscribe(s)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	retry := b.Retry
	if retry <= 0 {
		retry = 3 * time.Second
	}
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", retry.Milliseconds()); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		if b.Log != nil {
			b.Log.Error("event stream: response cannot flush", "err", err)
		}
		return
	}
	every := b.Heartbeat
	if every <= 0 {
		every = 15 * time.Second
	}
	ping := time.NewTicker(every)
	defer ping.Stop()
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-done:
			return
		case <-s.dropped:
			// Drain nothing more: tell the client and let it reconnect.
			_, _ = fmt.Fprint(w, ": dropped: too slow\n\n")
			_ = rc.Flush()
			return
		case <-ping.C:
			_, err = fmt.Fprint(w, ": ping\n\n")
		case m := <-s.ch:
			err = writeMessage(w, m)
			// Write what is already buffered before flushing once.
			for n := cap(s.ch); n > 0 && err == nil; n-- {
				select {
				case m := <-s.ch:
					err = writeMessage(w, m)
				default:
					n = 0
				}
			}
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return // the client went away
		}
	}
}

func writeMessage(w http.ResponseWriter, m Message) error {
	// CloudEvent JSON from encoding/json has no newlines: one data line.
	_, err := fmt.Fprintf(w, "id: %s\ndata: %s\n\n", m.ID, m.JSON)
	return err
}
