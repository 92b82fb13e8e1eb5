// Package engine runs Studio flows: executions, steps, context, the sprint
// loop and Studio's limits. Widgets live one per file in engine/widgets and
// register themselves by their Studio type string.
//
// The engine is pure: no sockets, calls, modems or databases. A sprint runs
// widgets from the current one until the flow waits or ends and returns what
// the host must do (Commands) and what it waits for (Wait). The host performs
// the commands and resumes the execution with an Input (digits, a reply, a
// dial result, a timeout...). Between sprints an Execution is plain data that
// marshals to JSON, so a later process can resume it.
//
// Commands are one type per verb (Say, Gather, Dial, Message...), a closed
// set every host switches on in full; their JSON carries a "verb"
// discriminator. The step limit (81000) and the same-widget limit (81001)
// are enforced here, as each widget is entered.
//
// engine imports only schema/ (with schema/liquid, the one Liquid dialect the
// validator shares), its own subpackage conditions and the standard library.
package engine

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/schema"
	"github.com/switchboard/switchboard/schema/liquid"
)

// Limits are Studio's runtime limits; every one is configurable.
type Limits struct {
	MaxSteps       int           // steps per execution (Studio: 1,000, error 81000)
	MaxRepeats     int           // runs of one widget in a row (Studio: 10, error 81001)
	Lifetime       time.Duration // an execution ends this long after it started (Studio: 30 days)
	HTTPTimeout    time.Duration // make-http-request and run-function (Studio: 10 s)
	HTTPMaxBody    int64         // response bytes kept (Studio: 64 kB)
	SubflowDepth   int           // nesting levels of run-subflow (Studio: 1)
	DefaultWaitFor time.Duration // send-and-wait-for-reply without a timeout (Studio: 3600 s)
	// MessageResult is how long send-message waits for its gateway to take
	// or refuse the message (an InputDelivery naming it) before it follows
	// sent with the message still queued. Zero follows sent at once, as
	// Studio's sent means the Messaging API accepted the message; the
	// appliance sets it when its SMS queue reports results.
	MessageResult time.Duration
}

// DefaultLimits returns Studio's limits.
func DefaultLimits() Limits {
	return Limits{
		MaxSteps:       1000,
		MaxRepeats:     10,
		Lifetime:       30 * 24 * time.Hour,
		HTTPTimeout:    10 * time.Second,
		HTTPMaxBody:    64 << 10,
		SubflowDepth:   1,
		DefaultWaitFor: time.Hour,
	}
}

// Subflows finds the flow a run-subflow widget calls. revision is
// "LatestPublished", "LatestRevision" or a revision number.
type Subflows interface {
	Subflow(ctx context.Context, flowSID, revision string) (*Program, error)
}

// Engine runs programs. It is safe for concurrent use; executions are not
// (the host runs one sprint of an execution at a time).
type Engine struct {
	limits   Limits
	now      func() time.Time
	sid      func(prefix string) string
	http     *http.Client
	subflows Subflows
	render   Renderer
	loc      *time.Location
}

// Option configures an Engine.
type Option func(*Engine)

// WithLimits replaces Studio's default limits.
func WithLimits(l Limits) Option { return func(e *Engine) { e.limits = l } }

// WithClock sets the clock (tests use a fixed or stepping one).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// WithSIDs sets the SID generator for executions, steps and messages.
func WithSIDs(gen func(prefix string) string) Option { return func(e *Engine) { e.sid = gen } }

// WithHTTPClient sets the client used by make-http-request and run-function.
func WithHTTPClient(c *http.Client) Option { return func(e *Engine) { e.http = c } }

// WithSubflows sets where run-subflow finds its flows.
func WithSubflows(s Subflows) Option { return func(e *Engine) { e.subflows = s } }

// WithLocation sets the time zone of Liquid dates and time conditions.
func WithLocation(loc *time.Location) Option { return func(e *Engine) { e.loc = loc } }

// New builds an engine.
func New(opts ...Option) *Engine {
	e := &Engine{
		limits: DefaultLimits(),
		now:    time.Now,
		sid:    defaultSID,
		loc:    time.Local,
	}
	for _, o := range opts {
		o(e)
	}
	if e.http == nil {
		e.http = &http.Client{Timeout: e.limits.HTTPTimeout}
	}
	if e.render == nil {
		e.render = liquid.New(liquid.DefaultLimits()).WithLocation(e.loc).WithClock(e.now)
	}
	return e
}

// Limits returns the engine's limits.
func (e *Engine) Limits() Limits { return e.limits }

// Now returns the engine clock's time.
func (e *Engine) Now() time.Time { return e.now() }

// NewSID makes a SID with the given prefix.
func (e *Engine) NewSID(prefix string) string { return e.sid(prefix) }

// HTTPClient is the client widgets use for outside requests.
func (e *Engine) HTTPClient() *http.Client { return e.http }

// Subflows is where run-subflow finds its flows; nil when none was set.
func (e *Engine) Subflows() Subflows { return e.subflows }

// Location is the time zone for dates and time conditions.
func (e *Engine) Location() *time.Location { return e.loc }

// Program is a flow ready to run: the parsed definition with each widget's
// properties decoded once.
type Program struct {
	FlowSID  string
	Revision int
	Flow     *schema.Flow
	props    map[string]any
	index    map[string]int
}

// Compile prepares a flow for running. It fails only when the definition
// cannot run at all (no initial state); author mistakes inside widgets are
// reported as execution events when those widgets run.
func Compile(flowSID string, revision int, f *schema.Flow) (*Program, error) {
	p := &Program{FlowSID: flowSID, Revision: revision, Flow: f, props: map[string]any{}, index: map[string]int{}}
	for i := range f.States {
		s := &f.States[i]
		if _, dup := p.index[s.Name]; !dup {
			p.index[s.Name] = i
		}
		if v, err := s.Decode(); err == nil {
			p.props[s.Name] = v
		}
	}
	if _, ok := p.index[f.InitialState]; !ok {
		return nil, fmt.Errorf("%w: initial state %q does not exist", ErrCannotRun, f.InitialState)
	}
	return p, nil
}

// State returns the named state, or nil.
func (p *Program) State(name string) *schema.State {
	i, ok := p.index[name]
	if !ok {
		return nil
	}
	return &p.Flow.States[i]
}

var sidMu sync.Mutex
var sidSeq uint64

// defaultSID is replaced by the app's random generator; it is only used by
// engines built without WithSIDs (tests of this package use their own).
func defaultSID(prefix string) string {
	sidMu.Lock()
	defer sidMu.Unlock()
	sidSeq++
	return fmt.Sprintf("%s%032x", prefix, sidSeq)
}
