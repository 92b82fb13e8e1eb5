// Package enginetest runs widget test cases: one widget between a trigger and
// the end, a script of inputs, and the expected outcome kept as golden JSON
// (rewritten with -update). It gives tests a fixed clock, sequential SIDs
// and an HTTP mock server on loopback, and hosts' tests one command of each
// type (EveryCommand) to check that their command switches list them all.
package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// Epoch is the fixed time test executions start at.
var Epoch = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// Clock is a fixed clock that tests move forward.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at Epoch.
func NewClock() *Clock { return &Clock{now: Epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// SIDs makes sequential SIDs: FN00000000000000000000000000000001, ...
type SIDs struct {
	mu sync.Mutex
	n  map[string]int
}

// New returns the next SID for prefix.
func (s *SIDs) New(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[prefix]++
	return fmt.Sprintf("%s%032d", prefix, s.n[prefix])
}

// Mock is one canned HTTP response.
type Mock struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Status      int               `json:"status"`
	ContentType string            `json:"content_type,omitempty"`
	Body        string            `json:"body,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	DelayMS     int               `json:"delay_ms,omitempty"`
	BodyBytes   int               `json:"body_bytes,omitempty"` // a body of this many 'x's
}

// Request is a request the mock server received.
type Request struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Body        string `json:"body,omitempty"`
	Auth        string `json:"auth,omitempty"`
}

// MockServer serves mocks on loopback and records requests.
type MockServer struct {
	*httptest.Server
	mu       sync.Mutex
	mocks    []Mock
	Requests []Request
}

// NewMockServer starts a server answering with mocks (first match by method and path).
func NewMockServer(mocks []Mock) *MockServer {
	m := &MockServer{mocks: mocks}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	return m
}

func (m *MockServer) serve(w http.ResponseWriter, r *http.Request) {
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil || body.Len() > 1<<20 {
			break
		}
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), Body: body.String()}
	if u, _, ok := r.BasicAuth(); ok {
		req.Auth = u + ":***"
	}
	m.mu.Lock()
	m.Requests = append(m.Requests, req)
	var mock *Mock
	for i := range m.mocks {
		if (m.mocks[i].Method == "" || strings.EqualFold(m.mocks[i].Method, r.Method)) && m.mocks[i].Path == r.URL.Path {
			mock = &m.mocks[i]
			break
		}
	}
	m.mu.Unlock()
	if mock == nil {
		http.Error(w, "no mock for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	if mock.DelayMS > 0 {
		select {
		case <-time.After(time.Duration(mock.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range mock.Headers {
		w.Header().Set(k, v)
	}
	if mock.ContentType != "" {
		w.Header().Set("Content-Type", mock.ContentType)
	}
	status := mock.Status
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	if mock.BodyBytes > 0 {
		chunk := []byte(strings.Repeat("x", 4096))
		for left := mock.BodyBytes; left > 0; left -= len(chunk) {
			if left < len(chunk) {
				chunk = chunk[:left]
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	}
	_, _ = w.Write([]byte(mock.Body))
}

// Subflows is a subflow source for tests: flow SID to flow definition JSON.
// Each flow has one revision, 1, which is both the latest and published.
type Subflows map[string]json.RawMessage

// Subflow compiles the named flow; a missing flow or revision is an error.
func (s Subflows) Subflow(_ context.Context, flowSID, revision string) (*engine.Program, error) {
	def, ok := s[flowSID]
	if !ok {
		return nil, fmt.Errorf("flow %s not found", flowSID)
	}
	switch revision {
	case "LatestPublished", "LatestRevision", "1":
	default:
		return nil, fmt.Errorf("flow %s has no revision %s", flowSID, revision)
	}
	f, err := schema.Parse(def)
	if err != nil {
		return nil, fmt.Errorf("flow %s: %w", flowSID, err)
	}
	return engine.Compile(flowSID, 1, f)
}

// Case is one widget test case in testdata/<type>.json.
type Case struct {
	Description string          `json:"description"`
	Properties  json.RawMessage `json:"properties"`
	// Transitions replace the default (every event of the type, ending).
	Transitions json.RawMessage `json:"transitions,omitempty"`
	// Trigger defaults to an incoming call from +15550001111 to +15550002222.
	Trigger *engine.Trigger `json:"trigger,omitempty"`
	// Variables are set in flow.variables before the widget runs; the mock
	// server's base URL is flow.variables.mock.
	Variables map[string]any `json:"variables,omitempty"`
	// Widgets are set in widgets.* before the widget runs.
	Widgets map[string]any `json:"widgets,omitempty"`
	Inputs  []engine.Input `json:"inputs,omitempty"`
	// Advance moves the clock (seconds) before each input.
	Advance []int  `json:"advance,omitempty"`
	HTTP    []Mock `json:"http,omitempty"`
	// Subflows are the flows run-subflow can call (flow SID to definition).
	Subflows Subflows       `json:"subflows,omitempty"`
	Limits   *engine.Limits `json:"-"`
	// CaseLimits overrides some limits from the JSON test data.
	CaseLimits *CaseLimits     `json:"limits,omitempty"`
	Expect     json.RawMessage `json:"expect,omitempty"`
}

// CaseLimits are the limits a JSON case may shorten (zero keeps the default).
type CaseLimits struct {
	HTTPTimeoutMS int   `json:"http_timeout_ms,omitempty"`
	HTTPMaxBody   int64 `json:"http_max_body,omitempty"`
	// MessageResultS sets Limits.MessageResult (seconds).
	MessageResultS int `json:"message_result_s,omitempty"`
}

// Result is what a case produced; it is compared with Expect.
type Result struct {
	// Event is the transition the widget took ("" while waiting).
	Event string `json:"event,omitempty"`
	// To is the widget that transition leads to, when it is not the end.
	To       string          `json:"to,omitempty"`
	Outputs  map[string]any  `json:"outputs,omitempty"`
	Commands engine.Commands `json:"commands,omitempty"`
	Wait     *engine.Wait    `json:"wait,omitempty"`
	Events   []engine.Event  `json:"events,omitempty"`
	Requests []Request       `json:"requests,omitempty"`
	Ended    string          `json:"ended,omitempty"`
}

// Widget is the name the harness gives the widget under test.
const Widget = "w"

// Run runs one case for a widget type and returns its result.
func Run(ctx context.Context, typ string, c Case) (Result, error) {
	srv := NewMockServer(c.HTTP)
	defer srv.Close()
	clock, sids := NewClock(), &SIDs{}
	opts := []engine.Option{engine.WithClock(clock.Now), engine.WithSIDs(sids.New), engine.WithLocation(time.UTC)}
	if c.Limits != nil || c.CaseLimits != nil {
		lim := engine.DefaultLimits()
		if c.Limits != nil {
			lim = *c.Limits
		}
		if cl := c.CaseLimits; cl != nil && cl.HTTPTimeoutMS > 0 {
			lim.HTTPTimeout = time.Duration(cl.HTTPTimeoutMS) * time.Millisecond
		}
		if cl := c.CaseLimits; cl != nil && cl.HTTPMaxBody > 0 {
			lim.HTTPMaxBody = cl.HTTPMaxBody
		}
		if cl := c.CaseLimits; cl != nil && cl.MessageResultS > 0 {
			lim.MessageResult = time.Duration(cl.MessageResultS) * time.Second
		}
		opts = append(opts, engine.WithLimits(lim))
	}
	if c.Subflows != nil {
		opts = append(opts, engine.WithSubflows(c.Subflows))
	}
	eng := engine.New(opts...)
	p, err := Program(typ, c.Properties, c.Transitions)
	if err != nil {
		return Result{}, err
	}
	trig := engine.Trigger{Event: engine.EventIncomingCall, Contact: "+15550001111", Channel: "+15550002222",
		Params: map[string]any{"CallSid": "CA00000000000000000000000000000001", "From": "+15550001111", "To": "+15550002222", "CallStatus": "in-progress", "Direction": "inbound"}}
	if c.Trigger != nil {
		trig = *c.Trigger
	}
	// The widget under test sits behind a set-variables-free seed: the
	// harness writes variables straight into the context after Start's
	// trigger step, so Start is split: run with a paused program first.
	x, sp, err := startWithSeed(ctx, eng, p, trig, c, srv.URL)
	if err != nil {
		return Result{}, err
	}
	res := Result{}
	collect(&res, sp)
	for i, in := range c.Inputs {
		if !x.Active() {
			return res, fmt.Errorf("input %d: the execution has ended", i)
		}
		if i < len(c.Advance) {
			clock.Advance(time.Duration(c.Advance[i]) * time.Second)
		}
		// Persist and reload between sprints, as a host does.
		b, err := json.Marshal(x)
		if err != nil {
			return res, err
		}
		x = new(engine.Execution)
		if err := json.Unmarshal(b, x); err != nil {
			return res, err
		}
		sp, err := eng.Resume(ctx, p, x, in)
		if err != nil {
			return res, fmt.Errorf("input %d: %w", i, err)
		}
		collect(&res, sp)
	}
	res.Wait = x.Wait
	if !x.Active() {
		res.Ended = x.EndReason
	}
	srv.mu.Lock()
	res.Requests = srv.Requests
	srv.mu.Unlock()
	return res, nil
}

func collect(res *Result, sp *engine.Sprint) {
	res.Commands = append(res.Commands, sp.Commands...)
	res.Events = append(res.Events, sp.Events...)
	for _, s := range sp.Steps {
		if s.TransitionedFrom == Widget {
			res.Event = s.Name
			if s.TransitionedTo != engine.Ended {
				res.To = s.TransitionedTo
			}
			if w, ok := s.Context["widgets"].(map[string]any); ok {
				res.Outputs, _ = w[Widget].(map[string]any)
			}
		}
	}
}

// seed is a set-variables stand-in: the harness's first widget copies the
// case's variables and widgets into the context, then goes to the widget.
type seed struct{}

const seedType = "enginetest-seed"

func (seed) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	var s struct {
		Variables map[string]any `json:"variables"`
		Widgets   map[string]any `json:"widgets"`
	}
	raw := r.State().Properties["seed"]
	if err := json.Unmarshal(raw, &s); err != nil {
		return engine.Outcome{}, err
	}
	for k, v := range s.Variables {
		r.Context().Variables()[k] = v
	}
	for k, v := range s.Widgets {
		m, _ := v.(map[string]any)
		r.Context().SetWidget(k, m)
	}
	return engine.Go("next", nil), nil
}

var registerSeed sync.Once

func startWithSeed(ctx context.Context, eng *engine.Engine, p *engine.Program, trig engine.Trigger, c Case, mockURL string) (*engine.Execution, *engine.Sprint, error) {
	registerSeed.Do(func() { engine.Register(seedType, seed{}) })
	vars := map[string]any{"mock": mockURL}
	for k, v := range c.Variables {
		vars[k] = v
	}
	seedProps, err := json.Marshal(map[string]any{"seed": map[string]any{"variables": vars, "widgets": c.Widgets}})
	if err != nil {
		return nil, nil, err
	}
	st := p.State("seed")
	if err := json.Unmarshal(seedProps, &st.Properties); err != nil {
		return nil, nil, err
	}
	x, sp, err := eng.Start(ctx, p, trig)
	return x, sp, err
}

// Program builds the harness flow: Trigger -> seed -> w (the widget under
// test), each of w's events ending the execution.
func Program(typ string, props, transitions json.RawMessage) (*engine.Program, error) {
	if len(props) == 0 {
		props = json.RawMessage(`{}`)
	}
	var events []string
	if ws := schema.Widget(typ); ws != nil {
		events = ws.Events
	}
	var trans []map[string]any
	seen := map[string]bool{}
	for _, ev := range events {
		if !seen[ev] {
			seen[ev] = true
			trans = append(trans, map[string]any{"event": ev})
		}
	}
	def := map[string]any{
		"initial_state": "Trigger",
		"states": []any{
			map[string]any{"name": "Trigger", "type": "trigger", "properties": map[string]any{}, "transitions": []any{
				map[string]any{"event": engine.EventIncomingCall, "next": "seed"},
				map[string]any{"event": engine.EventIncomingMessage, "next": "seed"},
				map[string]any{"event": engine.EventIncomingRequest, "next": "seed"},
				map[string]any{"event": engine.EventIncomingParent, "next": "seed"},
			}},
			map[string]any{"name": "seed", "type": seedType, "properties": map[string]any{}, "transitions": []any{map[string]any{"event": "next", "next": Widget}}},
			map[string]any{"name": Widget, "type": typ, "properties": props, "transitions": transitionsOr(transitions, trans)},
		},
	}
	// Targets named by custom transitions become empty widgets that end.
	var custom []struct {
		Next string `json:"next"`
	}
	_ = json.Unmarshal(transitions, &custom)
	states := def["states"].([]any)
	made := map[string]bool{"": true, "Trigger": true, "seed": true, Widget: true}
	for _, t := range custom {
		if !made[t.Next] {
			made[t.Next] = true
			states = append(states, map[string]any{"name": t.Next, "type": schema.TypeSetVariables,
				"properties": map[string]any{"variables": []any{}}, "transitions": []any{map[string]any{"event": "next"}}})
		}
	}
	def["states"] = states
	b, err := json.Marshal(def)
	if err != nil {
		return nil, err
	}
	f, err := schema.Parse(b)
	if err != nil {
		return nil, err
	}
	return engine.Compile("FW00000000000000000000000000000001", 1, f)
}

func transitionsOr(raw json.RawMessage, def []map[string]any) any {
	if len(raw) > 0 {
		return raw
	}
	return def
}

// EveryCommand returns one command of each type, every field set, in the
// order of engine.Verbs. Hosts' tests give each to their command switch, so
// a command type a host does not list fails a test instead of falling into
// a default branch.
func EveryCommand() []engine.Command {
	say := engine.Say{Widget: "w", Text: "Hello <there> & goodbye", Voice: "Polly.Joanna", Language: "en-GB", Loop: 2}
	play := engine.Play{Widget: "w", URL: "https://example.com/a.wav?x=1&y=2", Loop: 1}
	digits := engine.Digits{Widget: "w", Digits: "1w2#", Loop: 1}
	return []engine.Command{
		engine.Call{Widget: "w", From: "+15550002222", To: "+15550001111", Timeout: 30, Record: true, DetectMachine: true,
			MachineDetection: "Enable", MachineDetectionTimeout: 20, SendDigits: "12", SIPUser: "bob"},
		engine.Dial{Widget: "w", Noun: "number", To: []string{"+15550003333"}, CallerID: "+15550002222", Timeout: 20,
			TimeLimit: 600, Record: true, SIPUser: "alice"},
		digits,
		engine.Enqueue{Widget: "w", Queue: "support", WaitURL: "https://example.com/wait", Priority: 3, Timeout: 60, Attributes: `{"a":1}`},
		engine.Gather{Widget: "w", Prompts: []engine.Prompt{say, play}, Input: []string{"dtmf", "speech"}, Timeout: 5,
			FinishOnKey: "#", NumDigits: 4, SpeechTimeout: "auto", Language: "en-US", Hints: "yes,no", ProfanityFilter: true,
			SpeechModel: "phone_call", StopOnKey: true},
		engine.Hangup{Widget: "w"},
		engine.Message{Widget: "w", SID: "SM00000000000000000000000000000001", From: "+15550002222", To: "+15550001111",
			Body: "Hi", MediaURL: []string{"https://example.com/a.png"}},
		play,
		engine.Record{Widget: "w", Timeout: 5, FinishOnKey: "#", MaxLength: 60, PlayBeep: true, Trim: true, Transcribe: true,
			StatusURL: "https://example.com/status"},
		engine.RecordCall{Widget: "w", Start: true, Channels: "dual", Trim: true},
		engine.Redirect{Widget: "w", URL: "https://example.com/twiml", Method: "POST", Timeout: 14400},
		say,
		engine.Stream{Widget: "w", Action: "start", Name: "s1", URL: "wss://example.com/s", Track: "both_tracks",
			Params: map[string]string{"k": "v"}},
	}
}
