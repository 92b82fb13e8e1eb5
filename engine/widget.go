package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/switchboard/switchboard/schema"
)

// Widget runs one Studio widget type. Implementations are stateless: all
// state lives in the Execution. Enter runs the widget when the flow reaches
// it; a flow author's mistake is reported with Run.Fail or Run.Error and a
// failure transition, never as a Go error. A Go error means the host cannot
// go on (its context ended) and the sprint is not to be persisted.
type Widget interface {
	Enter(ctx context.Context, r *Run) (Outcome, error)
}

// Resumer is a widget that waits: gather, send-and-wait-for-reply, record,
// dial, make-outgoing-call, ...
type Resumer interface {
	Widget
	Resume(ctx context.Context, r *Run, in Input) (Outcome, error)
}

// Outcome is what a widget's run leads to: a transition event with the
// variables it publishes, or a wait. Commands go to the host either way.
type Outcome struct {
	// Event names the transition to follow (keypress, success, ...). An event
	// with no wired transition ends the execution, as in Studio.
	Event string
	// Transition, when not zero, picks the transition by its 1-based index
	// in the state's transitions (split-based-on: one of several "match").
	Transition int
	// Outputs replace widgets.<name> at the end of the step; nil publishes an
	// empty map.
	Outputs  map[string]any
	Commands []Command
	// Wait, when set, suspends the execution in this widget; Event is unused.
	Wait *Wait
	// Subflow, when set, runs that flow inside this execution with Params
	// as trigger.parent.parameters; the widget resumes with an InputDone
	// (completed) or InputFailed input when it ends.
	Subflow       *Program
	SubflowParams map[string]any
}

// Go follows the transition for event, publishing outputs.
func Go(event string, outputs map[string]any, cmds ...Command) Outcome {
	return Outcome{Event: event, Outputs: outputs, Commands: cmds}
}

// Take follows the transition at index i (0-based) of the widget's state.
func Take(i int, event string, outputs map[string]any) Outcome {
	return Outcome{Event: event, Transition: i + 1, Outputs: outputs}
}

// WaitFor suspends the execution until one of the input types arrives.
func WaitFor(cmds []Command, inputs ...string) Outcome {
	return Outcome{Wait: &Wait{Inputs: inputs}, Commands: cmds}
}

var registry = struct {
	sync.RWMutex
	m map[string]Widget
}{m: map[string]Widget{}}

// Register makes a widget type known. It is called from init functions in
// engine/widgets; registering a type twice is a programming error.
func Register(typ string, w Widget) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[typ]; dup {
		panic("engine: widget registered twice: " + typ)
	}
	registry.m[typ] = w
}

// Registered lists the registered widget types, sorted.
func Registered() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.m))
	for t := range registry.m {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func lookup(typ string) Widget {
	registry.RLock()
	defer registry.RUnlock()
	return registry.m[typ]
}

// Run is a widget's view of the execution while it runs.
type Run struct {
	engine *Engine
	prog   *Program
	exec   *Execution
	state  *schema.State
	waited *Wait // the wait a Resume ends
	events []Event
	// carried are the events reported before the wait a Resume ends.
	carried []Event
	// trace is what the widget rendered and sent, for its step's context.
	trace map[string]any
}

// Trace limits: a step keeps at most TraceRenders rendered templates, and
// each traced text (a template, its value, a request or response body) is
// cut at TraceTextBytes.
const (
	TraceRenders   = 32
	TraceTextBytes = 4096
)

// Trace records v under key in the step's context ("trace"), for the person
// reading the execution: make-http-request records the request it sent.
// Callers cap bodies (CapText) and leave secrets out.
func (r *Run) Trace(key string, v any) {
	if r.trace == nil {
		r.trace = map[string]any{}
	}
	r.trace[key] = v
}

// CapText cuts s to at most TraceTextBytes (on a rune boundary) and says so.
func CapText(s string) string {
	if len(s) <= TraceTextBytes {
		return s
	}
	cut := TraceTextBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes in all)", len(s))
}

// traceRender keeps a rendered template (only real Liquid, at most
// TraceRenders per step) under trace.rendered.
func (r *Run) traceRender(tmpl, out string) {
	if !strings.Contains(tmpl, "{{") && !strings.Contains(tmpl, "{%") {
		return
	}
	list, _ := r.trace["rendered"].([]any)
	if len(list) >= TraceRenders {
		return
	}
	r.Trace("rendered", append(list, map[string]any{"template": CapText(tmpl), "value": CapText(out)}))
}

// stepEvents are the events of the widget's step: those it reported before
// it waited, then those of this run.
func (r *Run) stepEvents() []Event {
	if len(r.carried) == 0 {
		return r.events
	}
	return append(slices.Clip(r.carried), r.events...)
}

// Waited returns the wait that the current Resume ends (nil in Enter).
func (r *Run) Waited() *Wait { return r.waited }

// Engine returns the engine (clock, SIDs, HTTP client, limits).
func (r *Run) Engine() *Engine { return r.engine }

// Execution returns the execution. Widgets read it; the sprint loop writes it.
func (r *Run) Execution() *Execution { return r.exec }

// Context returns the execution's flow context.
func (r *Run) Context() Context { return r.exec.Context }

// State returns the widget's definition.
func (r *Run) State() *schema.State { return r.state }

// Name is the widget's name.
func (r *Run) Name() string { return r.state.Name }

// Props returns the widget's properties as their Go type (for example
// *schema.SayPlay), or nil when they do not decode.
func (r *Run) Props() any { return r.prog.props[r.state.Name] }

// Previous returns what this widget published the last time it ran, or nil.
func (r *Run) Previous() map[string]any { return r.exec.Context.Widget(r.state.Name) }

// Render renders a Liquid template against the context. On failure (a
// parse error, or a render limit: output over 16 KB, a loop over 15 items,
// a value over 1 MiB, the timeout) it records an 84003 event naming the
// fault, which goes to the widget's step (also when the widget then waits:
// the step is taken when the wait ends), and returns "" and ok=false.
func (r *Run) Render(ctx context.Context, tmpl string) (string, bool) {
	out, err := r.engine.render.Render(ctx, tmpl, r.exec.Context)
	if err != nil {
		r.Error(CodeLiquid, "%s", err.Error())
		return "", false
	}
	r.traceRender(tmpl, out)
	return out, true
}

// Error records an error event for the flow author.
func (r *Run) Error(code int, format string, a ...any) {
	r.events = append(r.events, Event{Level: "error", Code: code, Widget: r.state.Name, Message: fmt.Sprintf(format, a...)})
}

// Warn records a warning event.
func (r *Run) Warn(format string, a ...any) {
	r.events = append(r.events, Event{Level: "warning", Widget: r.state.Name, Message: fmt.Sprintf(format, a...)})
}

// Fail records an error event and follows the failure transition event.
func (r *Run) Fail(event string, code int, format string, a ...any) Outcome {
	r.Error(code, format, a...)
	return Outcome{Event: event}
}
