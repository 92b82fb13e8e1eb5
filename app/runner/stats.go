package runner

import (
	"sync"
	"sync/atomic"

	"github.com/switchboard/switchboard/engine"
)

// Stats are the runner's counters since it started (for /metrics).
type Stats struct {
	Started int64 // executions started
	Ended   int64 // executions that ended
	Sprints int64 // sprints persisted
	Steps   int64 // steps persisted
	// Events counts the error and warning events of persisted steps by
	// level and Studio code ("error/81011").
	Events map[EventKey]int64
}

// EventKey is an event's level and code.
type EventKey struct {
	Level string
	Code  int
}

type stats struct {
	started, ended, sprints, steps atomic.Int64

	mu     sync.Mutex
	events map[EventKey]int64
}

// count records a persisted sprint.
func (s *stats) count(x *engine.Execution, steps []engine.Step, isNew bool) {
	if isNew {
		s.started.Add(1)
	}
	if !x.Active() {
		s.ended.Add(1)
	}
	s.sprints.Add(1)
	s.steps.Add(int64(len(steps)))
	for _, st := range steps {
		for _, ev := range st.Events {
			if ev.Level != "error" && ev.Level != "warning" {
				continue
			}
			s.mu.Lock()
			if s.events == nil {
				s.events = map[EventKey]int64{}
			}
			s.events[EventKey{ev.Level, ev.Code}]++
			s.mu.Unlock()
		}
	}
}

// Stats returns a snapshot of the runner's counters.
func (r *Runner) Stats() Stats {
	s := &r.stats
	out := Stats{Started: s.started.Load(), Ended: s.ended.Load(), Sprints: s.sprints.Load(), Steps: s.steps.Load(),
		Events: map[EventKey]int64{}}
	s.mu.Lock()
	for k, v := range s.events {
		out.Events[k] = v
	}
	s.mu.Unlock()
	return out
}
