package api

// Local call queues for enqueue-call: Twilio's Queue and Member resources
// plus the desk phones (agents) that answer each queue.
//
//	POST   /2010-04-01/Accounts/{AC}/Queues.json        create: FriendlyName (required, ≤64, unique),
//	                                                     MaxSize (1-5000, default 100), Agents (desk-phone
//	                                                     usernames of the SIP credential lists, repeated or
//	                                                     comma-separated), HoldMusic ("tone" default, or a
//	                                                     media file name as say-play plays it),
//	                                                     AnnouncePosition (true/false) → 201 Queue
//	GET    …/Queues.json                                 list (PageSize, Page) → {"queues": [Queue], paging}
//	GET    …/Queues/{Sid}.json                           → Queue
//	POST   …/Queues/{Sid}.json                           update: any of the create parameters → Queue
//	DELETE …/Queues/{Sid}.json                           → 204 (callers waiting keep waiting until they leave)
//	GET    …/Queues/{Sid}/Members.json                   waiting callers, oldest first (PageSize, Page)
//	                                                     → {"queue_members": [Member], paging}
//
// Queue: sid (QU…), account_sid, friendly_name, max_size, current_size,
// average_wait_time (s, of the callers waiting now), date_created,
// date_updated (RFC 2822), uri; ours: agents [{user, state}] with state
// "free", "ringing", "busy" (on a bridged queue call) or "offline" (not
// registered), agents_free, hold_music, announce_position, longest_wait (s).
// Member: call_sid, date_enqueued (RFC 2822), position (1 is next),
// wait_time (s), queue_sid, uri.
//
// Every change (a caller joins, leaves or is bridged, an agent rings,
// answers, hangs up, registers; the queue's settings) is published on the
// event stream as com.switchboard.voice.queue.updated with QueueEvent as
// data (a deleted queue's last event has "removed": true); GET /v2/Dashboard
// lists the same shape under queues; /metrics has
// switchboard_queue_waiting, switchboard_queue_longest_wait_seconds and
// switchboard_queue_agents_free by queue (friendly name).

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/voice"
)

// QueueStatus is the live side of the queues (app/voice's QueueManager).
type QueueStatus interface {
	State(q *store.Queue) voice.QueueState
	// Changed publishes a queue's state after its settings changed.
	Changed(ctx context.Context, sid string)
	// Removed publishes that a queue was deleted.
	Removed(sid, name string)
}

// TypeQueueUpdated is the event type of a queue's change.
const TypeQueueUpdated = "com.switchboard.voice.queue.updated"

const queuePrefix = "QU"

// maxQueueSize is Twilio's upper bound of max_size.
const maxQueueSize = 5000

// Queue is Twilio's Queue resource with our agent fields.
type Queue struct {
	SID              string             `json:"sid"`
	AccountSID       string             `json:"account_sid"`
	FriendlyName     string             `json:"friendly_name"`
	MaxSize          int                `json:"max_size"`
	CurrentSize      int                `json:"current_size"`
	AverageWaitTime  int                `json:"average_wait_time"`
	DateCreated      string             `json:"date_created"`
	DateUpdated      string             `json:"date_updated"`
	URI              string             `json:"uri"`
	Agents           []voice.QueueAgent `json:"agents"`
	AgentsFree       int                `json:"agents_free"`
	HoldMusic        string             `json:"hold_music"`
	AnnouncePosition bool               `json:"announce_position"`
	LongestWait      int                `json:"longest_wait"`
}

// QueueMember is Twilio's Member resource.
type QueueMember struct {
	CallSID      string `json:"call_sid"`
	DateEnqueued string `json:"date_enqueued"`
	Position     int    `json:"position"`
	WaitTime     int    `json:"wait_time"`
	QueueSID     string `json:"queue_sid"`
	URI          string `json:"uri"`
}

// QueueEvent is the data of a queue.updated event and a dashboard queue.
type QueueEvent struct {
	SID             string             `json:"sid"`
	FriendlyName    string             `json:"friendly_name"`
	CurrentSize     int                `json:"current_size"`
	LongestWait     int                `json:"longest_wait"`
	AverageWaitTime int                `json:"average_wait_time"`
	AgentsFree      int                `json:"agents_free"`
	Agents          []voice.QueueAgent `json:"agents"`
	// The queue's settings (absent from a deleted queue's last event), so
	// another open settings page shows an edit at once.
	MaxSize          int    `json:"max_size,omitempty"`
	HoldMusic        string `json:"hold_music,omitempty"`
	AnnouncePosition *bool  `json:"announce_position,omitempty"`
	// Removed is set on the last event of a deleted queue.
	Removed bool `json:"removed,omitempty"`
}

// QueueEventOf shapes a queue's live state as the event and the dashboard
// show it.
func QueueEventOf(st voice.QueueState) QueueEvent {
	ev := QueueEvent{SID: st.SID, FriendlyName: st.FriendlyName, CurrentSize: len(st.Members), LongestWait: secs(st.LongestWait),
		AverageWaitTime: secs(st.AverageWait), AgentsFree: st.AgentsFree, Agents: st.Agents, Removed: st.Removed}
	if !st.Removed {
		ann := st.AnnouncePosition
		ev.MaxSize, ev.HoldMusic, ev.AnnouncePosition = st.MaxSize, st.HoldMusic, &ann
	}
	return ev
}

func secs(d time.Duration) int { return int(d / time.Second) }

func (s *Server) routesQueues(mux *http.ServeMux) {
	const base = "/2010-04-01/Accounts/{AccountSid}/Queues"
	mux.HandleFunc("POST "+base+".json", s.accountPath(s.createQueue))
	mux.HandleFunc("GET "+base+".json", s.accountPath(s.listQueues))
	mux.HandleFunc("GET "+base+"/{Sid}", s.accountPath(s.fetchQueue))
	mux.HandleFunc("POST "+base+"/{Sid}", s.accountPath(s.updateQueue))
	mux.HandleFunc("DELETE "+base+"/{Sid}", s.accountPath(s.deleteQueue))
	mux.HandleFunc("GET "+base+"/{Sid}/Members.json", s.accountPath(s.listQueueMembers))
}

// queueState is the queue's live state; without a QueueStatus (no voice)
// nobody waits and every agent is offline.
func (s *Server) queueState(q *store.Queue) voice.QueueState {
	if s.Queues != nil {
		return s.Queues.State(q)
	}
	st := voice.QueueState{SID: q.SID, FriendlyName: q.FriendlyName, MaxSize: q.MaxSize, HoldMusic: q.HoldMusic, AnnouncePosition: q.AnnouncePosition,
		Agents: []voice.QueueAgent{}}
	for _, a := range q.Agents {
		st.Agents = append(st.Agents, voice.QueueAgent{User: a, State: voice.AgentOffline})
	}
	return st
}

func (s *Server) queueURI(sid string) string {
	return "/2010-04-01/Accounts/" + s.accountSID() + "/Queues/" + sid
}

func (s *Server) queueJSON(q *store.Queue) Queue {
	st := s.queueState(q)
	return Queue{SID: q.SID, AccountSID: s.accountSID(), FriendlyName: q.FriendlyName, MaxSize: q.MaxSize, CurrentSize: len(st.Members),
		AverageWaitTime: secs(st.AverageWait), DateCreated: rfc2822(q.DateCreated), DateUpdated: rfc2822(q.DateUpdated),
		URI: s.queueURI(q.SID) + ".json", Agents: st.Agents, AgentsFree: st.AgentsFree, HoldMusic: q.HoldMusic,
		AnnouncePosition: q.AnnouncePosition, LongestWait: secs(st.LongestWait)}
}

// queueParams reads a queue's parameters over q (create: every required
// one must be there).
func (s *Server) queueParams(ctx context.Context, f url.Values, q store.Queue, create bool) (store.Queue, *Error, error) {
	if _, ok := f["FriendlyName"]; ok || create {
		name := strings.TrimSpace(f.Get("FriendlyName"))
		switch {
		case name == "":
			return q, fieldMissing("FriendlyName"), nil
		case len(name) > 64 || hasControl(name):
			return q, fieldInvalid("FriendlyName", "must be 1-64 printable characters (enqueue-call's queue_name)"), nil
		}
		q.FriendlyName = name
	}
	if v, ok := f["MaxSize"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 1 || n > maxQueueSize {
			return q, fieldInvalid("MaxSize", "%q must be a whole number from 1 to %d", v[0], maxQueueSize), nil
		}
		q.MaxSize = n
	}
	if v, ok := f["HoldMusic"]; ok {
		m := strings.TrimSpace(v[0])
		switch {
		case m == "":
			m = "tone"
		case len(m) > 1024 || hasControl(m):
			return q, fieldInvalid("HoldMusic", "must be \"tone\" or a media file name or URL"), nil
		}
		q.HoldMusic = m
	}
	if v, ok := f["AnnouncePosition"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v[0]))
		if err != nil {
			return q, fieldInvalid("AnnouncePosition", "%q must be true or false", v[0]), nil
		}
		q.AnnouncePosition = b
	}
	if vs, ok := f["Agents"]; ok {
		agents := []string{}
		seen := map[string]bool{}
		for _, v := range vs {
			for _, a := range strings.Split(v, ",") {
				if a = strings.TrimSpace(a); a != "" && !seen[a] {
					seen[a] = true
					agents = append(agents, a)
				}
			}
		}
		for _, a := range agents {
			if _, err := s.Store.CredentialByUsername(ctx, a); errors.Is(err, store.ErrNotFound) {
				return q, fieldInvalid("Agents", "%q is not a desk phone: add it to a SIP credential list first", a), nil
			} else if err != nil {
				return q, nil, err
			}
		}
		q.Agents = agents
	}
	return q, nil, nil
}

func (s *Server) createQueue(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	q, e, err := s.queueParams(r.Context(), f, store.Queue{SID: sid.New(queuePrefix), MaxSize: store.DefaultQueueSize, HoldMusic: "tone"}, true)
	s.queueSaved(w, r, q, e, err, true)
}

func (s *Server) updateQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.Store.Queue(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	nq, e, err := s.queueParams(r.Context(), f, *q, false)
	s.queueSaved(w, r, nq, e, err, false)
}

func (s *Server) queueSaved(w http.ResponseWriter, r *http.Request, q store.Queue, e *Error, err error, create bool) {
	switch {
	case e != nil:
		writeError(w, e)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	var out *store.Queue
	status := http.StatusOK
	if create {
		out, err = s.Store.CreateQueue(r.Context(), q)
		status = http.StatusCreated
	} else {
		out, err = s.Store.UpdateQueue(r.Context(), q)
	}
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "A queue named %q already exists", q.FriendlyName).with("parameter", "FriendlyName"))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if s.Queues != nil {
		s.Queues.Changed(r.Context(), out.SID)
	}
	writeJSON(w, status, s.queueJSON(out))
}

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) {
	listAll(s, w, r, "queues", s.Store.Queues, s.queueJSON)
}

func (s *Server) fetchQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.Store.Queue(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.queueJSON(q))
}

func (s *Server) deleteQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.Store.Queue(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if err := s.Store.DeleteQueue(r.Context(), q.SID); err != nil {
		s.storeError(w, r, err)
		return
	}
	if s.Queues != nil {
		s.Queues.Removed(q.SID, q.FriendlyName)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listQueueMembers(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q, err := s.Store.Queue(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	now := time.Now()
	st := s.queueState(q)
	out := make([]QueueMember, 0, len(st.Members))
	for _, m := range st.Members {
		out = append(out, QueueMember{CallSID: m.CallSID, DateEnqueued: rfc2822(m.Enqueued), Position: m.Position,
			WaitTime: secs(now.Sub(m.Enqueued)), QueueSID: q.SID, URI: s.queueURI(q.SID) + "/Members/" + m.CallSID + ".json"})
	}
	items, more := pageOf(out, p)
	writeList2010(w, r, "queue_members", p, items, more)
}

// queueEvents is every queue's live state as the dashboard lists it.
func (s *Server) queueEvents(ctx context.Context) ([]QueueEvent, error) {
	rows, err := s.Store.Queues(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]QueueEvent, 0, len(rows))
	for i := range rows {
		out = append(out, QueueEventOf(s.queueState(&rows[i])))
	}
	return out, nil
}

var (
	descQueueWaiting = prometheus.NewDesc("switchboard_queue_waiting", "Callers waiting in a queue.", []string{"queue"}, nil)
	descQueueLongest = prometheus.NewDesc("switchboard_queue_longest_wait_seconds", "How long the queue's first caller has waited.", []string{"queue"}, nil)
	descQueueFree    = prometheus.NewDesc("switchboard_queue_agents_free", "A queue's agents registered and not on a call.", []string{"queue"}, nil)
)

// queueCollector reports the queues at scrape time.
type queueCollector struct{ s *Server }

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descQueueWaiting
	ch <- descQueueLongest
	ch <- descQueueFree
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	qs, err := c.s.queueEvents(ctx)
	if err != nil {
		return
	}
	for _, q := range qs {
		ch <- prometheus.MustNewConstMetric(descQueueWaiting, prometheus.GaugeValue, float64(q.CurrentSize), q.FriendlyName)
		ch <- prometheus.MustNewConstMetric(descQueueLongest, prometheus.GaugeValue, float64(q.LongestWait), q.FriendlyName)
		ch <- prometheus.MustNewConstMetric(descQueueFree, prometheus.GaugeValue, float64(q.AgentsFree), q.FriendlyName)
	}
}
