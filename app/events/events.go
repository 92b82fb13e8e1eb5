// Package events turns committed sprints into Studio's Event Streams events
// (CloudEvents 1.0, JSON) and carries them to their readers: webhook sinks,
// through a persisted outbox and a Dispatcher that retries, and the editor,
// through an in-memory Broker that serves Server-Sent Events.
//
// Event types and the execution events' data fields follow Twilio's Event
// Streams catalogue for Studio (Studio.FlowExecutionEvent v2:
// com.twilio.studio.flow.execution.started and .ended). The step events'
// type com.twilio.studio.flow.step.ended is confirmed by several Event
// Streams subscriptions in public code, but the field list of
// Studio.FlowStepEvent could not be read: its data uses the ExecutionStep
// resource's field names (plus step_sid), which is our assumption.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Event types.
const (
	TypeExecutionStarted = "com.twilio.studio.flow.execution.started"
	TypeExecutionEnded   = "com.twilio.studio.flow.execution.ended"
	TypeStepEnded        = "com.twilio.studio.flow.step.ended"
)

// Data schemas. The execution schema and its version are Twilio's; the step
// schema's version is an assumption.
const (
	SchemaExecution = "https://events-schemas.twilio.com/Studio.FlowExecutionEvent/2"
	SchemaStep      = "https://events-schemas.twilio.com/Studio.FlowStepEvent/1"
)

// SpecVersion is the CloudEvents version.
const SpecVersion = "1.0"

// Event is a CloudEvent with Studio data.
type Event struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Time            string `json:"time"`
	DataContentType string `json:"datacontenttype"`
	DataSchema      string `json:"dataschema,omitempty"`
	Subject         string `json:"subject,omitempty"`
	Data            any    `json:"data"`
}

// ExecutionData is the data of execution events (Studio.FlowExecutionEvent).
type ExecutionData struct {
	ExecutionSID          string `json:"execution_sid"`
	AccountSID            string `json:"account_sid"`
	FlowSID               string `json:"flow_sid"`
	ContactChannelAddress string `json:"contact_channel_address"`
	Status                string `json:"status"`
	EndedReason           string `json:"ended_reason,omitempty"`
	DateCreated           string `json:"date_created"`
	DateUpdated           string `json:"date_updated,omitempty"`
	StartedBy             string `json:"started_by"`
	FlowRevision          int    `json:"flow_revision"`
}

// StepData is the data of step events (Studio.FlowStepEvent; see the
// package comment on how sure these names are).
type StepData struct {
	StepSID               string `json:"step_sid"`
	ExecutionSID          string `json:"execution_sid"`
	AccountSID            string `json:"account_sid"`
	FlowSID               string `json:"flow_sid"`
	FlowRevision          int    `json:"flow_revision"`
	ParentStepSID         string `json:"parent_step_sid,omitempty"`
	ContactChannelAddress string `json:"contact_channel_address"`
	Name                  string `json:"name"`
	TransitionedFrom      string `json:"transitioned_from"`
	TransitionedTo        string `json:"transitioned_to"`
	Type                  string `json:"type"`
	DateCreated           string `json:"date_created"`
	// Errors are the step's error and warning events (Studio codes), a
	// Switchboard addition for the editor; absent when there are none.
	Errors []engine.Event `json:"errors,omitempty"`
}

// Builder makes the events of committed sprints.
type Builder struct {
	AccountSID string
	// NewID makes event ids; nil makes random "EV" + 32 hex ids.
	NewID func() string
}

// Sprint returns the events of one committed sprint, in order: the
// execution's start (isNew), one step.ended per new step, and the
// execution's end when the sprint ended it.
func (b *Builder) Sprint(x *engine.Execution, steps []engine.Step, isNew bool) []Event {
	out := make([]Event, 0, len(steps)+2)
	src := "/v2/Flows/" + x.FlowSID + "/Executions/" + x.SID
	if isNew {
		out = append(out, b.event(TypeExecutionStarted, SchemaExecution, src, x.SID, x.CreatedAt, b.execution(x, true)))
	}
	for i := range steps {
		st := &steps[i]
		out = append(out, b.event(TypeStepEnded, SchemaStep, src, st.SID, st.CreatedAt, b.step(x, st)))
	}
	if !x.Active() {
		at := x.EndedAt
		if at.IsZero() {
			at = x.UpdatedAt
		}
		out = append(out, b.event(TypeExecutionEnded, SchemaExecution, src, x.SID, at, b.execution(x, false)))
	}
	return out
}

func (b *Builder) event(typ, schema, src, subject string, at time.Time, data any) Event {
	return Event{SpecVersion: SpecVersion, ID: b.id(), Source: src, Type: typ, Time: stamp(at),
		DataContentType: "application/json", DataSchema: schema, Subject: subject, Data: data}
}

func (b *Builder) execution(x *engine.Execution, started bool) ExecutionData {
	d := ExecutionData{ExecutionSID: x.SID, AccountSID: b.AccountSID, FlowSID: x.FlowSID, ContactChannelAddress: x.Contact,
		Status: x.Status, DateCreated: stamp(x.CreatedAt), DateUpdated: stamp(x.UpdatedAt), StartedBy: x.InitiatedBy,
		FlowRevision: x.FlowRevision}
	if started {
		// The start event tells the execution as it began.
		d.Status, d.DateUpdated = engine.StatusActive, stamp(x.CreatedAt)
	} else {
		d.EndedReason = EndedReason(x.EndReason)
	}
	return d
}

func (b *Builder) step(x *engine.Execution, st *engine.Step) StepData {
	d := StepData{StepSID: st.SID, ExecutionSID: x.SID, AccountSID: b.AccountSID, FlowSID: st.FlowSID,
		FlowRevision: x.FlowRevision, ParentStepSID: st.ParentStepSID, ContactChannelAddress: x.Contact, Name: st.Name,
		TransitionedFrom: st.TransitionedFrom, TransitionedTo: st.TransitionedTo, Type: st.Type, DateCreated: stamp(st.CreatedAt)}
	if d.FlowSID == "" {
		d.FlowSID = x.FlowSID
	}
	for _, ev := range st.Events {
		if ev.Level == "error" || ev.Level == "warning" {
			d.Errors = append(d.Errors, ev)
		}
	}
	return d
}

// EndedReason maps the engine's end reasons to Event Streams' ended_reason.
// Twilio documents FLOW_END; the other values are ours, in the same style.
func EndedReason(reason string) string {
	switch reason {
	case engine.EndCompleted, "":
		return "FLOW_END"
	case engine.EndByUser:
		return "ENDED_BY_USER"
	case engine.EndHangup:
		return "CALLER_HANGUP"
	case engine.EndExpired:
		return "EXPIRED"
	case engine.EndMaxSteps:
		return "STEP_LIMIT"
	case engine.EndLoop:
		return "WIDGET_LOOP_LIMIT"
	case engine.EndError:
		return "ERROR"
	}
	return strings.ToUpper(strings.ReplaceAll(reason, " ", "_"))
}

func (b *Builder) id() string {
	if b.NewID != nil {
		return b.NewID()
	}
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read does not fail on supported platforms
	return "EV" + hex.EncodeToString(r[:])
}

// stamp formats times as Event Streams does: UTC, milliseconds, Z.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
