package runner

import (
	"sync"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// recentCap is how many error and warning events the runner keeps for the
// dashboard; older ones are only in their steps.
const recentCap = 50

// RecentEvent is an error or warning a flow raised, as the dashboard lists it.
type RecentEvent struct {
	Time         time.Time
	FlowSID      string
	ExecutionSID string
	StepSID      string
	Widget       string
	Level        string // error or warning
	Code         int
	Message      string
}

// recentEvents is a ring of the last recentCap events.
type recentEvents struct {
	mu   sync.Mutex
	ring [recentCap]RecentEvent
	next int
	n    int
}

func (q *recentEvents) add(e RecentEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ring[q.next] = e
	q.next = (q.next + 1) % recentCap
	if q.n < recentCap {
		q.n++
	}
}

// list returns the events, newest first.
func (q *recentEvents) list() []RecentEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]RecentEvent, 0, q.n)
	for i := 1; i <= q.n; i++ {
		out = append(out, q.ring[(q.next-i+recentCap)%recentCap])
	}
	return out
}

// RecentEvents returns the last error and warning events flows raised since
// the appliance started (at most 50), newest first.
func (r *Runner) RecentEvents() []RecentEvent { return r.recent.list() }

// keepRecent records a sprint's error and warning events for RecentEvents.
func (r *Runner) keepRecent(x *engine.Execution, steps []engine.Step, at time.Time) {
	for _, st := range steps {
		for _, ev := range st.Events {
			if ev.Level != "error" && ev.Level != "warning" {
				continue
			}
			r.recent.add(RecentEvent{Time: at, FlowSID: x.FlowSID, ExecutionSID: x.SID, StepSID: st.SID,
				Widget: ev.Widget, Level: ev.Level, Code: ev.Code, Message: ev.Message})
		}
	}
}
