package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// Execution is Studio's Execution resource.
type Execution struct {
	SID                   string            `json:"sid"`
	AccountSID            string            `json:"account_sid"`
	FlowSID               string            `json:"flow_sid"`
	ContactSID            string            `json:"contact_sid"`
	ContactChannelAddress string            `json:"contact_channel_address"`
	Context               any               `json:"context"`
	FlowVersion           int               `json:"flow_version"`
	Status                string            `json:"status"`
	InitiatedBy           *string           `json:"initiated_by"`
	DateCreated           string            `json:"date_created"`
	DateUpdated           *string           `json:"date_updated"`
	URL                   string            `json:"url"`
	Links                 map[string]string `json:"links"`
}

// ExecutionContext is Studio's ExecutionContext resource.
type ExecutionContext struct {
	AccountSID   string `json:"account_sid"`
	Context      any    `json:"context"`
	FlowSID      string `json:"flow_sid"`
	ExecutionSID string `json:"execution_sid"`
	URL          string `json:"url"`
}

// Step is Studio's ExecutionStep resource.
type Step struct {
	SID              string            `json:"sid"`
	AccountSID       string            `json:"account_sid"`
	FlowSID          string            `json:"flow_sid"`
	ExecutionSID     string            `json:"execution_sid"`
	ParentStepSID    *string           `json:"parent_step_sid"`
	Name             string            `json:"name"`
	Context          any               `json:"context"`
	TransitionedFrom string            `json:"transitioned_from"`
	TransitionedTo   string            `json:"transitioned_to"`
	Type             string            `json:"type"`
	DateCreated      string            `json:"date_created"`
	DateUpdated      *string           `json:"date_updated"`
	URL              string            `json:"url"`
	Links            map[string]string `json:"links"`
	// Events are the step's error, warning and info events (Studio's codes
	// where they exist): a Switchboard addition, absent when there are none.
	Events []engine.Event `json:"events,omitempty"`
}

// StepContext is Studio's ExecutionStepContext resource.
type StepContext struct {
	AccountSID   string `json:"account_sid"`
	Context      any    `json:"context"`
	ExecutionSID string `json:"execution_sid"`
	FlowSID      string `json:"flow_sid"`
	StepSID      string `json:"step_sid"`
	URL          string `json:"url"`
}

// contactSID is a stable FC… SID for a contact address.
func contactSID(address string) string {
	h := sha256.Sum256([]byte(address))
	return sid.Contact + hex.EncodeToString(h[:16])
}

func (s *Server) executionURL(r *http.Request, flowSID, executionSID string) string {
	return base(r) + "/v2/Flows/" + flowSID + "/Executions/" + executionSID
}

func (s *Server) executionJSON(r *http.Request, e store.ExecutionRow, context any) Execution {
	u := s.executionURL(r, e.FlowSID, e.SID)
	if context == nil {
		context = map[string]any{}
	}
	return Execution{
		SID: e.SID, AccountSID: s.accountSID(), FlowSID: e.FlowSID, ContactSID: contactSID(e.Contact),
		ContactChannelAddress: e.Contact, Context: context, FlowVersion: e.FlowRevision, Status: e.Status,
		InitiatedBy: nullable(e.InitiatedBy), DateCreated: iso(e.DateCreated), DateUpdated: nullable(iso(e.DateUpdated)),
		URL: u, Links: map[string]string{"steps": u + "/Steps", "execution_context": u + "/Context"},
	}
}

func rowOf(x *engine.Execution) store.ExecutionRow {
	return store.ExecutionRow{SID: x.SID, FlowSID: x.FlowSID, FlowRevision: x.FlowRevision, Contact: x.Contact,
		Status: x.Status, InitiatedBy: x.InitiatedBy, DateCreated: x.CreatedAt, DateUpdated: x.UpdatedAt}
}

// execution loads the execution named in the path, which must belong to the
// flow in the path.
func (s *Server) execution(w http.ResponseWriter, r *http.Request, name string) (*engine.Execution, bool) {
	x, err := s.Store.Execution(r.Context(), r.PathValue(name))
	if err == nil && x.FlowSID != r.PathValue("FlowSid") {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return nil, false
	}
	return x, true
}

func (s *Server) createExecution(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	flowSID := r.PathValue("FlowSid")
	// The flow's existence is asked only when the create fails: a flow
	// that does not exist answers 404 before any other error, as it did
	// when every create read it first, and the creates that succeed save
	// the read (the runner finds the revision to run in one read anyway).
	fail := func(e *Error) {
		if ok, err := s.Store.FlowExists(ctx, flowSID); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("flow %s: %w", flowSID, store.ErrNotFound)
			}
			s.storeError(w, r, err)
			return
		}
		writeError(w, e)
	}
	fv, e := form(w, r)
	if e != nil {
		fail(e)
		return
	}
	to, e := required(fv, "To")
	if e != nil {
		fail(e)
		return
	}
	from, e := required(fv, "From")
	if e != nil {
		fail(e)
		return
	}
	for _, a := range []struct{ param, v string }{{"To", to}, {"From", from}} {
		if e := checkAddress(a.param, a.v); e != nil {
			fail(e)
			return
		}
	}
	var data map[string]any
	if p := fv.Get("Parameters"); p != "" {
		if err := json.Unmarshal([]byte(p), &data); err != nil || data == nil {
			fail(invalid("Parameters", "must be a JSON object"))
			return
		}
	}
	requestSID := sid.New("FR") // initiated_by for REST-triggered executions
	// Studio answers once the execution exists; the flow runs on.
	x, err := s.Runner.Launch(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: to, Channel: from,
		Data: data, InitiatedBy: requestSID})
	var conflict *store.ActiveConflict
	switch {
	case errors.As(err, &conflict):
		writeError(w, apiError(http.StatusConflict, CodeConflict,
			"Execution %s is already active for this contact. End the active Execution before creating a new one", conflict.ExecutionSID).
			with("conflicting_execution_sid", conflict.ExecutionSID))
		return
	case errors.Is(err, store.ErrNotFound):
		fail(apiError(http.StatusNotFound, CodeNotFound,
			"Flow %s has no revision this contact can run: publish the flow or add %s to its test users", flowSID, to))
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.executionJSON(r, rowOf(x), x.Context))
}

func (s *Server) fetchExecution(w http.ResponseWriter, r *http.Request) {
	x, ok := s.execution(w, r, "Sid")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.executionJSON(r, rowOf(x), x.Context))
}

func (s *Server) updateExecution(w http.ResponseWriter, r *http.Request) {
	x, ok := s.execution(w, r, "Sid")
	if !ok {
		return
	}
	fv, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	status, e := required(fv, "Status")
	if e != nil {
		writeError(w, e)
		return
	}
	if status != engine.StatusEnded {
		writeError(w, invalid("Status", "%q: an execution can only be set to ended", status))
		return
	}
	x, err := s.Runner.End(r.Context(), x.SID)
	if errors.Is(err, engine.ErrEnded) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "Execution %s has already ended", r.PathValue("Sid")))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.executionJSON(r, rowOf(x), x.Context))
}

func (s *Server) deleteExecution(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteExecution(r.Context(), r.PathValue("FlowSid"), r.PathValue("Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	var filter store.ExecutionFilter
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"DateCreatedFrom", &filter.From}, {"DateCreatedTo", &filter.To}} {
		if v := q.Get(d.name); v != "" {
			t, err := parseISO(v)
			if err != nil {
				writeError(w, invalid(d.name, "%q is not an ISO 8601 date", v))
				return
			}
			*d.to = t
		}
	}
	// Status and ContactChannelAddress are Switchboard's filters (Studio
	// has only the dates); "status" is accepted too.
	param := "Status"
	st := q.Get(param)
	if st == "" {
		param, st = "status", q.Get("status")
	}
	if st != "" {
		if st != engine.StatusActive && st != engine.StatusEnded {
			writeError(w, invalid(param, "%q must be active or ended", st))
			return
		}
		filter.Status = st
	}
	filter.Contact = strings.TrimSpace(q.Get("ContactChannelAddress"))
	f, err := s.Store.Flow(ctx, r.PathValue("FlowSid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	rows, err := s.Store.Executions(ctx, f.SID, filter, p.storePage())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writePage(w, r, p, "executions", rows, store.ExecutionCursor, func(e *store.ExecutionRow) Execution {
		return s.executionJSON(r, *e, nil)
	})
}

// parseISO reads an ISO 8601 date or date-time.
func parseISO(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an ISO 8601 date")
}

func (s *Server) fetchExecutionContext(w http.ResponseWriter, r *http.Request) {
	x, ok := s.execution(w, r, "Sid")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, ExecutionContext{AccountSID: s.accountSID(), Context: x.Context, FlowSID: x.FlowSID,
		ExecutionSID: x.SID, URL: s.executionURL(r, x.FlowSID, x.SID) + "/Context"})
}

func (s *Server) stepJSON(r *http.Request, flowSID string, st *store.StepRow) Step {
	u := s.executionURL(r, flowSID, st.ExecutionSID) + "/Steps/" + st.SID
	var ctx any = st.Context
	if st.Context == nil {
		ctx = map[string]any{}
	}
	return Step{
		SID: st.SID, AccountSID: s.accountSID(), FlowSID: flowSID, ExecutionSID: st.ExecutionSID,
		ParentStepSID: nullable(st.ParentStepSID), Name: st.Name, Context: ctx, TransitionedFrom: st.TransitionedFrom,
		TransitionedTo: st.TransitionedTo, Type: st.Type, DateCreated: iso(st.CreatedAt), DateUpdated: nullable(iso(st.CreatedAt)),
		URL: u, Links: map[string]string{"step_context": u + "/Context"}, Events: st.Events,
	}
}

func (s *Server) listSteps(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	x, ok := s.execution(w, r, "ExecutionSid")
	if !ok {
		return
	}
	rows, err := s.Store.StepsPage(r.Context(), x.SID, p.storePage())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writePage(w, r, p, "steps", rows, store.StepCursor, func(st *store.StepRow) Step { return s.stepJSON(r, x.FlowSID, st) })
}

func (s *Server) step(w http.ResponseWriter, r *http.Request) (*engine.Execution, *store.StepRow, bool) {
	x, ok := s.execution(w, r, "ExecutionSid")
	if !ok {
		return nil, nil, false
	}
	st, err := s.Store.Step(r.Context(), x.SID, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return nil, nil, false
	}
	return x, st, true
}

func (s *Server) fetchStep(w http.ResponseWriter, r *http.Request) {
	x, st, ok := s.step(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.stepJSON(r, x.FlowSID, st))
}

func (s *Server) fetchStepContext(w http.ResponseWriter, r *http.Request) {
	x, st, ok := s.step(w, r)
	if !ok {
		return
	}
	var ctx any = st.Context
	if st.Context == nil {
		ctx = map[string]any{}
	}
	writeJSON(w, http.StatusOK, StepContext{AccountSID: s.accountSID(), Context: ctx, ExecutionSID: x.SID, FlowSID: x.FlowSID,
		StepSID: st.SID, URL: s.executionURL(r, x.FlowSID, x.SID) + "/Steps/" + st.SID + "/Context"})
}
