package api

import (
	"net/http"
	"time"
)

// dashboardWindow is how far back the dashboard's charts look.
const dashboardWindow = time.Hour

type dashboardJSON struct {
	DateGenerated    string                `json:"date_generated"`
	CallsActive      int                   `json:"calls_active"`
	ExecutionsActive int                   `json:"executions_active"`
	Messages         dashboardMessagesJSON `json:"messages"`
	Trunks           []dashboardTrunkJSON  `json:"trunks"`
	Queues           []QueueEvent          `json:"queues"` // each local queue, as the queue.updated event shows it
	RecentEvents     []dashboardEventJSON  `json:"recent_events"`
	Minutes          []dashboardMinuteJSON `json:"minutes"`
}

type dashboardMessagesJSON struct {
	InLastHour  int `json:"in_last_hour"`
	OutLastHour int `json:"out_last_hour"`
	OutPending  int `json:"out_pending"`
	OutFailed   int `json:"out_failed"`
}

type dashboardTrunkJSON struct {
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Up        bool    `json:"up"`
	LastError *string `json:"last_error"`
}

type dashboardEventJSON struct {
	DateCreated  string `json:"date_created"`
	FlowSID      string `json:"flow_sid"`
	FlowName     string `json:"flow_name"` // "" when the flow is gone
	ExecutionSID string `json:"execution_sid"`
	StepSID      string `json:"step_sid"`
	Widget       string `json:"widget"`
	Level        string `json:"level"`
	Code         int    `json:"code"`
	Message      string `json:"message"`
}

type dashboardMinuteJSON struct {
	Start       string `json:"start"`
	Calls       int    `json:"calls"`
	Executions  int    `json:"executions"`
	MessagesIn  int    `json:"messages_in"`
	MessagesOut int    `json:"messages_out"`
}

// dashboard answers GET /v2/Dashboard, Switchboard's own resource: what is
// happening now (active calls and executions, trunks, the last error and
// warning events of flows) and the last hour minute by minute — the same
// figures /metrics exposes, shaped for the editor's dashboard page.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if s.Runner != nil {
		now = s.Runner.Engine().Now()
	}
	act, err := s.Store.Activity(r.Context(), now.Add(-dashboardWindow+time.Minute))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	active, err := s.Store.CountExecutions(r.Context(), "active")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := dashboardJSON{DateGenerated: iso(now), ExecutionsActive: active,
		Trunks: []dashboardTrunkJSON{}, RecentEvents: []dashboardEventJSON{}, Minutes: make([]dashboardMinuteJSON, 0, len(act.Minutes))}
	out.Messages.OutPending, out.Messages.OutFailed = act.MessagesPending, act.MessagesFailed
	for _, m := range act.Minutes {
		out.Messages.InLastHour += m.MessagesIn
		out.Messages.OutLastHour += m.MessagesOut
		out.Minutes = append(out.Minutes, dashboardMinuteJSON{Start: iso(m.Start), Calls: m.Calls, Executions: m.Executions,
			MessagesIn: m.MessagesIn, MessagesOut: m.MessagesOut})
	}
	if out.Queues, err = s.queueEvents(r.Context()); err != nil {
		s.internal(w, r, err)
		return
	}
	if s.Voice != nil {
		out.CallsActive = s.Voice.ActiveCalls()
		for _, t := range s.Voice.Trunks() {
			out.Trunks = append(out.Trunks, dashboardTrunkJSON{Name: t.Name, State: t.State, Up: t.State == "registered", LastError: nullable(t.LastError)})
		}
	}
	if s.Runner != nil {
		recent := s.Runner.RecentEvents()
		sids := make([]string, 0, len(recent))
		seen := map[string]bool{}
		for _, e := range recent {
			if !seen[e.FlowSID] {
				seen[e.FlowSID] = true
				sids = append(sids, e.FlowSID)
			}
		}
		names, err := s.Store.FlowNames(r.Context(), sids)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, e := range recent {
			out.RecentEvents = append(out.RecentEvents, dashboardEventJSON{DateCreated: iso(e.Time), FlowSID: e.FlowSID, FlowName: names[e.FlowSID],
				ExecutionSID: e.ExecutionSID, StepSID: e.StepSID, Widget: e.Widget, Level: e.Level, Code: e.Code, Message: e.Message})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}
