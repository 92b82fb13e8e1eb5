package voice

// The appliance's call queues (enqueue-call). A queue's settings are stored
// (store.Queue); who waits in it is held here, in memory, by the one
// QueueManager of the appliance: a waiting caller is a live call of this
// process, its media and SIP dialog are here too, and a restart ends every
// call anyway, so nothing about a waiting caller could outlive the process
// usefully. (Several nodes behind a dispatcher would each hold their own
// callers; agents shared between nodes would then need the store.)

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

// Agent states as the API and events show them.
const (
	AgentFree    = "free"
	AgentRinging = "ringing"
	AgentBusy    = "busy"    // on a bridged queue call
	AgentOffline = "offline" // not registered with us
)

// QueueAgent is an agent (a desk phone) of a queue and its state.
type QueueAgent struct {
	User  string `json:"user"`
	State string `json:"state"`
}

// QueueMember is a caller waiting in a queue (Twilio's Member).
type QueueMember struct {
	CallSID  string
	Enqueued time.Time
	Position int // 1 is next
}

// QueueState is a queue's live state: what GET …/Queues/{Sid}.json,
// /metrics, the dashboard and the queue.updated event show.
type QueueState struct {
	SID          string
	FriendlyName string
	// The queue's settings, so an open settings page sees another's edits.
	MaxSize          int
	HoldMusic        string
	AnnouncePosition bool
	LongestWait      time.Duration
	AverageWait      time.Duration // of the callers waiting now, as Twilio's average_wait_time
	AgentsFree       int
	Agents           []QueueAgent
	Members          []QueueMember // in order
	// Removed says the queue was deleted (its last event).
	Removed bool
}

// ErrQueueFull is returned when a queue holds max_size callers.
var ErrQueueFull = errors.New("the queue is full")

// QueueManager holds the callers waiting in the queues and the agents on
// queue calls.
type QueueManager struct {
	Store *store.Store
	// Registrations lists the desk phones registered with us (an agent
	// who is not is offline); nil: every agent is offline.
	Registrations func() []sip.Registration
	// OnChange gets a queue's state after every change (a caller joins,
	// leaves or is bridged; an agent rings, answers or hangs up; the
	// queue's settings change).
	OnChange func(QueueState)
	Log      *slog.Logger

	mu      sync.Mutex
	waiting map[string][]*member // by queue SID, oldest first
	agents  map[string]*agentUse // by username: agents ringing or busy, and when each was last idle
	kick    chan struct{}        // closed and replaced on every change
}

type member struct {
	callSID string
	since   time.Time
	ringing string          // the agent being rung for this caller
	tried   map[string]bool // agents who did not answer this caller
}

type agentUse struct {
	state     string    // AgentRinging, AgentBusy or "" (free)
	idleSince time.Time // the end of its last queue call (zero: never had one)
}

func (m *QueueManager) init() {
	if m.waiting == nil {
		m.waiting, m.agents, m.kick = map[string][]*member{}, map[string]*agentUse{}, make(chan struct{})
	}
}

// changed wakes every waiting caller; m.mu is held.
func (m *QueueManager) changed() <-chan struct{} {
	close(m.kick)
	m.kick = make(chan struct{})
	return m.kick
}

// wake is a channel closed at the next change.
func (m *QueueManager) wake() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	return m.kick
}

func (m *QueueManager) registered() map[string]bool {
	out := map[string]bool{}
	if m.Registrations != nil {
		for _, r := range m.Registrations() {
			out[r.User] = true
		}
	}
	return out
}

// State is a queue's live state.
func (m *QueueManager) State(q *store.Queue) QueueState {
	regs := m.registered()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	return m.stateLocked(q, regs, time.Now())
}

func (m *QueueManager) stateLocked(q *store.Queue, regs map[string]bool, now time.Time) QueueState {
	st := QueueState{SID: q.SID, FriendlyName: q.FriendlyName, MaxSize: q.MaxSize, HoldMusic: q.HoldMusic, AnnouncePosition: q.AnnouncePosition,
		Agents: []QueueAgent{}, Members: []QueueMember{}}
	var total time.Duration
	for i, w := range m.waiting[q.SID] {
		wait := now.Sub(w.since)
		total += wait
		st.LongestWait = max(st.LongestWait, wait)
		st.Members = append(st.Members, QueueMember{CallSID: w.callSID, Enqueued: w.since, Position: i + 1})
	}
	if n := len(st.Members); n > 0 {
		st.AverageWait = total / time.Duration(n)
	}
	for _, u := range q.Agents {
		s := m.agentStateLocked(u, regs)
		if s == AgentFree {
			st.AgentsFree++
		}
		st.Agents = append(st.Agents, QueueAgent{User: u, State: s})
	}
	return st
}

func (m *QueueManager) agentStateLocked(user string, regs map[string]bool) string {
	if a := m.agents[user]; a != nil && a.state != "" {
		return a.state // a call in progress outlasts a lapsed registration
	}
	if !regs[user] {
		return AgentOffline
	}
	return AgentFree
}

// Changed publishes a queue's state, e.g. after its settings changed; a
// queue that is gone is not published.
func (m *QueueManager) Changed(ctx context.Context, sid string) {
	q, err := m.Store.Queue(ctx, sid)
	if err != nil {
		return
	}
	m.publish(q)
}

// Removed publishes that a queue was deleted, so that pages showing it
// drop it at once.
func (m *QueueManager) Removed(sid, name string) {
	if m.OnChange != nil {
		m.OnChange(QueueState{SID: sid, FriendlyName: name, Agents: []QueueAgent{}, Removed: true})
	}
}

// RegistrationChanged publishes every queue the desk phone is an agent
// of (it came online or went offline) and wakes callers who may now
// reach it.
func (m *QueueManager) RegistrationChanged(ctx context.Context, user string) {
	qs, err := m.Store.Queues(ctx)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.init()
	m.changed()
	m.mu.Unlock()
	for i := range qs {
		for _, a := range qs[i].Agents {
			if a == user {
				m.publish(&qs[i])
				break
			}
		}
	}
}

func (m *QueueManager) publish(q *store.Queue) {
	if m.OnChange != nil {
		m.OnChange(m.State(q))
	}
}

// Snapshot is every stored queue's live state, oldest queue first.
func (m *QueueManager) Snapshot(ctx context.Context) ([]QueueState, error) {
	qs, err := m.Store.Queues(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]QueueState, 0, len(qs))
	for i := range qs {
		out = append(out, m.State(&qs[i]))
	}
	return out, nil
}

// join puts a caller at the end of the queue.
func (m *QueueManager) join(q *store.Queue, callSID string) (*member, error) {
	m.mu.Lock()
	m.init()
	if len(m.waiting[q.SID]) >= q.MaxSize {
		m.mu.Unlock()
		return nil, ErrQueueFull
	}
	w := &member{callSID: callSID, since: time.Now(), tried: map[string]bool{}}
	m.waiting[q.SID] = append(m.waiting[q.SID], w)
	m.changed()
	m.mu.Unlock()
	m.publish(q)
	return w, nil
}

// leave takes a caller out of the queue (it hung up, or an agent took
// it); a caller already gone is left alone.
func (m *QueueManager) leave(q *store.Queue, w *member) {
	m.mu.Lock()
	m.init()
	ws := m.waiting[q.SID]
	found := false
	for i, x := range ws {
		if x == w {
			m.waiting[q.SID] = append(ws[:i:i], ws[i+1:]...)
			found = true
			break
		}
	}
	if len(m.waiting[q.SID]) == 0 {
		delete(m.waiting, q.SID)
	}
	if found {
		m.changed()
	}
	m.mu.Unlock()
	if found {
		m.publish(q)
	}
}

// position is the caller's place in its queue (1 is next; 0 when gone).
func (m *QueueManager) position(q *store.Queue, w *member) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.waiting[q.SID] {
		if x == w {
			return i + 1
		}
	}
	return 0
}

// claim picks the agent to ring for the caller: callers are served in
// order, so a caller rings only when every caller ahead of it is already
// ringing an agent. The agent is the free one (registered, not ringing or
// on a queue call) idle longest, skipping those who did not answer this
// caller while another is free; agents who never had a queue call come
// first, in the queue's order. "" when nobody can be rung now.
func (m *QueueManager) claim(q *store.Queue, w *member) string {
	regs := m.registered()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	for _, x := range m.waiting[q.SID] {
		if x == w {
			break
		}
		if x.ringing == "" {
			return ""
		}
	}
	pick := func(skipTried bool) string {
		best, bestIdle := "", time.Time{}
		for _, u := range q.Agents {
			if m.agentStateLocked(u, regs) != AgentFree || skipTried && w.tried[u] {
				continue
			}
			idle := time.Time{}
			if a := m.agents[u]; a != nil {
				idle = a.idleSince
			}
			if best == "" || idle.Before(bestIdle) {
				best, bestIdle = u, idle
			}
		}
		return best
	}
	u := pick(true)
	if u == "" {
		if u = pick(false); u != "" {
			clear(w.tried) // everyone free was tried: round again
		}
	}
	if u == "" {
		return ""
	}
	a := m.agents[u]
	if a == nil {
		a = &agentUse{}
		m.agents[u] = a
	}
	a.state, w.ringing = AgentRinging, u
	m.changed()
	return u
}

// noAnswer frees an agent who did not answer the caller.
func (m *QueueManager) noAnswer(q *store.Queue, w *member, user string) {
	m.mu.Lock()
	if a := m.agents[user]; a != nil {
		a.state = ""
	}
	w.ringing, w.tried[user] = "", true
	m.changed()
	m.mu.Unlock()
	m.publish(q)
}

// answered makes the agent busy and takes the caller out of the queue.
func (m *QueueManager) answered(q *store.Queue, w *member, user string) {
	m.mu.Lock()
	if a := m.agents[user]; a != nil {
		a.state = AgentBusy
	}
	w.ringing = ""
	m.mu.Unlock()
	m.leave(q, w) // publishes
}

// release frees an agent after its queue call.
func (m *QueueManager) release(q *store.Queue, user string) {
	m.mu.Lock()
	if a := m.agents[user]; a != nil {
		a.state, a.idleSince = "", time.Now()
	}
	m.changed()
	m.mu.Unlock()
	m.publish(q)
}
