package engine

import (
	"errors"
	"time"
)

// Sentinel errors. Author mistakes are never Go errors: they are Events.
var (
	ErrCannotRun     = errors.New("flow cannot run")
	ErrEnded         = errors.New("execution has ended")
	ErrNotWaiting    = errors.New("execution is not waiting for this input")
	ErrNotExpired    = errors.New("execution has not reached its lifetime")
	ErrUnknownWidget = errors.New("no widget registered for this type")
)

// Execution statuses, as Studio names them.
const (
	StatusActive = "active"
	StatusEnded  = "ended"
)

// Trigger events (the trigger widget's transitions).
const (
	EventIncomingMessage      = "incomingMessage"
	EventIncomingCall         = "incomingCall"
	EventIncomingConversation = "incomingConversationMessage"
	EventIncomingRequest      = "incomingRequest"
	EventIncomingParent       = "incomingParent"
)

// Trigger is what starts an execution.
type Trigger struct {
	// Event is one of the trigger events (incomingCall, incomingMessage, ...).
	Event string `json:"event"`
	// Params are the channel's parameters, Twilio-shaped (From, To, Body,
	// CallSid...). They become trigger.call.*, trigger.message.*, ...
	Params map[string]any `json:"params,omitempty"`
	// Contact is the end user's address: contact.channel.address.
	Contact string `json:"contact"`
	// Channel is our address (the number called or texted, or the REST
	// From): flow.channel.address.
	Channel string `json:"channel"`
	// Data are the REST Parameters: flow.data.* and trigger.request.parameters.*.
	Data map[string]any `json:"data,omitempty"`
	// InitiatedBy is the CallSid, MessageSid or request that started it.
	InitiatedBy string `json:"initiated_by,omitempty"`
}

// Execution is one run of a flow for one contact. Between sprints it is
// plain data: marshal it, store it, resume it in another process.
type Execution struct {
	SID          string  `json:"sid"`
	FlowSID      string  `json:"flow_sid"`
	FlowRevision int     `json:"flow_revision"`
	Status       string  `json:"status"`
	Contact      string  `json:"contact"`
	Channel      string  `json:"channel"`
	InitiatedBy  string  `json:"initiated_by,omitempty"`
	Context      Context `json:"context"`
	// Current is the widget the execution waits in; empty once ended.
	Current string `json:"current,omitempty"`
	Wait    *Wait  `json:"wait,omitempty"`
	// Steps counts the steps taken (Studio's 1,000-step limit); the n-th
	// step of the execution is number n.
	Steps int `json:"steps"`
	// Repeats counts how many times in a row LastWidget ran.
	Repeats    int    `json:"repeats"`
	LastWidget string `json:"last_widget,omitempty"`
	LastStep   string `json:"last_step,omitempty"`
	// Pending are the events the waiting widget reported before it began
	// to wait (a template it could not render, ...). They belong to its
	// step, which is taken when the wait ends, so they are kept here.
	Pending []Event `json:"pending_events,omitempty"`
	// PendingTrace is the waiting widget's trace (see Run.Trace), kept for
	// its step like Pending.
	PendingTrace map[string]any `json:"pending_trace,omitempty"`
	// Frames hold the parent flows while a subflow runs (innermost last).
	Frames    []Frame   `json:"frames,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// EndReason says why it ended: completed, a limit, a hangup, ended by user.
	EndReason string `json:"end_reason,omitempty"`
	// StartEvent is the trigger event of an execution that Create made and
	// whose first sprint has not run yet; empty once it runs.
	StartEvent string `json:"start_event,omitempty"`
}

// Frame is a parent flow suspended while its run-subflow widget runs a
// subflow inside the same execution.
type Frame struct {
	FlowSID  string  `json:"flow_sid"`
	Revision int     `json:"revision"`
	Widget   string  `json:"widget"` // the run-subflow widget in the parent
	Context  Context `json:"context"`
	// The subflow running on top of this frame.
	ChildSID      string `json:"child_sid"`
	ChildRevision int    `json:"child_revision"`
	// Events are what the run-subflow widget reported before the subflow
	// started; they go to its step when the subflow ends.
	Events []Event `json:"events,omitempty"`
}

// Active reports whether the execution still runs.
func (x *Execution) Active() bool { return x.Status == StatusActive }

// Wait is what a waiting execution needs to go on.
type Wait struct {
	Widget string `json:"widget"`
	// Inputs are the input types that resume it.
	Inputs []string `json:"inputs"`
	// Deadline, when set, is when the host must resume it with a timeout
	// input (send-and-wait-for-reply, TwiML redirect); voice timeouts
	// (gather, record) are kept by the media side and arrive as inputs.
	Deadline time.Time `json:"deadline,omitzero"`
}

// Accepts reports whether the wait takes an input of this type.
func (w *Wait) Accepts(typ string) bool {
	for _, t := range w.Inputs {
		if t == typ {
			return true
		}
	}
	return false
}

// AwaitsMessageResult says the wait is send-message's for its message's
// result (a delivery input), not a reply from the contact: a host that
// does not wait for its gateway (a call, a webhook's TwiML answer) answers
// it at once.
func (w *Wait) AwaitsMessageResult() bool {
	return w != nil && w.Accepts(InputDelivery) && !w.Accepts(InputReply)
}

// Input types a host resumes an execution with.
const (
	InputStart     = "start"      // run the first sprint of an execution made by Create
	InputAudioDone = "audio_done" // the prompts of the last sprint finished playing
	InputDigits    = "digits"     // Params: Digits (+ call params)
	InputSpeech    = "speech"     // Params: SpeechResult, Confidence
	InputTimeout   = "timeout"    // no input in time, or a Deadline passed
	InputHangup    = "hangup"     // the caller hung up
	InputReply     = "reply"      // an inbound message from the contact (Body, From, To, MessageSid, ...)
	InputDelivery  = "delivery"   // Params: Status (sent, delivered, failed, undelivered), ErrorCode
	InputRecording = "recording"  // Params: RecordingUrl, RecordingDuration, Digits
	InputDial      = "dial"       // Params: DialCallStatus, DialCallDuration, DialCallSid
	InputCall      = "call"       // outbound call result: CallStatus (answered, busy, no-answer, failed), AnsweredBy
	InputQueue     = "queue"      // enqueue result: QueueResult, QueueSid, QueueTime
	InputReturn    = "return"     // TwiML redirect came back: its query parameters
	InputDone      = "done"       // a host-run action finished: Params carry its result
	InputFailed    = "failed"     // a host-run action failed: Params carry the error
)

// Input resumes a waiting execution.
type Input struct {
	Type   string         `json:"type"`
	Params map[string]any `json:"params,omitempty"`
	// Events are what the host saw go wrong while it carried out the
	// waiting widget's commands (a TwiML fetch that failed, a media
	// stream that could not connect): Resume records them on the step of
	// the widget it resumes, as if the widget had reported them, so the
	// flow author reads them where Studio shows runtime errors. An event
	// without a Widget names the resumed widget.
	Events []Event `json:"events,omitempty"`
}

// Step is one widget's run ending in a transition, as Studio logs it.
type Step struct {
	SID           string `json:"sid"`
	ExecutionSID  string `json:"execution_sid"`
	ParentStepSID string `json:"parent_step_sid,omitempty"`
	FlowSID       string `json:"flow_sid"` // the flow the widget belongs to (a subflow's own)
	// Name is the event that caused the transition (keypress, success...).
	Name             string `json:"name"`
	TransitionedFrom string `json:"transitioned_from"`
	// TransitionedTo is the next widget, or "Ended".
	TransitionedTo string `json:"transitioned_to"`
	Type           string `json:"type"` // widget type of TransitionedFrom
	// Context is what the widget published (widgets.<name>) at this step.
	Context   map[string]any `json:"context,omitempty"`
	Events    []Event        `json:"events,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// Ended is the transitioned_to of a step that ends the execution.
const Ended = "Ended"

// Event is something worth telling the flow author: an error in the flow
// (with Studio's code where one exists) or a notice.
type Event struct {
	Level   string `json:"level"` // error, warning, info
	Code    int    `json:"code,omitempty"`
	Widget  string `json:"widget,omitempty"`
	Message string `json:"message"`
}

// Studio error codes used in events.
const (
	CodeMaxSteps        = 81000
	CodeWidgetLoop      = 81001
	CodeFunction        = 81010
	CodeMessage         = 81011
	CodeHTTP            = 81014
	CodeFunctionReply   = 81017
	CodeRevision        = 81021
	CodeSubflow         = 81024
	CodeLiquid          = 84003
	CodeOffline         = 81990 // ours: the widget needs a cloud service
	CodeUnknownWidget   = 81991 // ours: no widget of this type
	CodeInvalidProperty = 81992 // ours: a property the widget cannot use
	CodeCallOnCall      = 81993 // ours: make-outgoing-call in an execution on a live call
	CodeMediaStream     = 81994 // ours: a media stream stopped (its server stopped reading or failed mid-call)
)

// Sprint is what one Start or Resume did.
type Sprint struct {
	Steps    []Step   `json:"steps"`
	Commands Commands `json:"commands,omitempty"`
	Wait     *Wait    `json:"wait,omitempty"`
	Events   []Event  `json:"events,omitempty"`
	// Ended is set when the execution ended in this sprint.
	Ended bool `json:"ended,omitempty"`
}
