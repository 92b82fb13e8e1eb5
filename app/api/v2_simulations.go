package api

// The editor's simulator, as a resource of our own (Studio has none):
//
//	POST   /v2/Flows/{Sid}/Simulations                 start one (Channel, Definition, Revision, From, To, Body, Mocks)
//	GET    /v2/Flows/{Sid}/Simulations/{SimSid}        where it stands, with the whole transcript
//	POST   /v2/Flows/{Sid}/Simulations/{SimSid}/Input  Digits | SpeechResult | Body | Timeout | Hangup | Line
//	GET    /v2/Flows/{Sid}/Simulations/{SimSid}/Audio/{N}  the N-th spoken text as a WAV (offline TTS)
//	DELETE /v2/Flows/{Sid}/Simulations/{SimSid}        end it
//
// Each simulation runs the definition (the flow's current draft unless told
// otherwise) with the real runner and engine over a scratch store of its
// own, through simulator.Live: the same conversation loop as `switchboard
// simulate` and `switchboard flow test`. Nothing of it reaches the
// appliance's store (no executions, no messages sent, no webhooks): a
// simulation is a rehearsal. Simulations live in memory, end after
// SimulationTTL without input and are capped at MaxSimulations.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/flowtest"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/simulator"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/schema"
)

// Simulation defaults.
const (
	DefaultSimulationTTL  = 15 * time.Minute
	DefaultMaxSimulations = 20
	simulationPrefix      = "SS"
	maxSimTranscript      = 5000 // entries kept per simulation
	maxSimMocks           = 100
)

func (s *Server) routesSimulations(mux *http.ServeMux) {
	s.sims = &simulations{byID: map[string]*simulation{}}
	mux.HandleFunc("POST /v2/Flows/{Sid}/Simulations", s.createSimulation)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Simulations/{SimSid}", s.fetchSimulation)
	mux.HandleFunc("DELETE /v2/Flows/{Sid}/Simulations/{SimSid}", s.deleteSimulation)
	mux.HandleFunc("POST /v2/Flows/{Sid}/Simulations/{SimSid}/Input", s.simulationInput)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Simulations/{SimSid}/Audio/{N}", s.simulationAudio)
}

type simulations struct {
	mu   sync.Mutex
	byID map[string]*simulation

	ttsOnce sync.Once
	tts     *tts.TTS // nil: no engine installed
}

// SimEntry is one line of a simulation's transcript.
type SimEntry struct {
	Index int `json:"index"`
	// Kind: say, play, message (the flow's), input (the person's), event
	// (an error or warning with Studio's code), http (a request a widget
	// made), note (any other verb, as text), ended.
	Kind     string   `json:"kind"`
	Widget   string   `json:"widget,omitempty"`
	Text     string   `json:"text,omitempty"`
	AudioURL string   `json:"audio_url,omitempty"`
	URL      string   `json:"url,omitempty"`
	MediaURL []string `json:"media_url,omitempty"`
	Input    string   `json:"input,omitempty"` // input kind: digits, speech, reply, timeout, hangup, ...
	Level    string   `json:"level,omitempty"`
	Code     int      `json:"code,omitempty"`
	Method   string   `json:"method,omitempty"`
	Status   int      `json:"status,omitempty"`
	Mocked   bool     `json:"mocked,omitempty"`
}

// Simulation is the resource's JSON.
type Simulation struct {
	SID          string          `json:"sid"`
	FlowSID      string          `json:"flow_sid"`
	Channel      string          `json:"channel"` // voice or messaging
	From         string          `json:"from"`
	To           string          `json:"to"`
	Body         *string         `json:"body,omitempty"` // the first message (messaging)
	Source       string          `json:"source"`         // draft, revision or definition: what runs
	Revision     *int            `json:"revision"`       // the revision that runs (null for a Definition given)
	Status       string          `json:"status"`         // waiting or ended
	EndReason    string          `json:"end_reason,omitempty"`
	Widget       string          `json:"current_widget,omitempty"`
	WaitingFor   []string        `json:"waiting_for"`
	Hint         string          `json:"hint,omitempty"`
	Path         []string        `json:"path"`           // the steps' transitioned_from, trigger first (as flow tests' expect.path)
	Failed       []string        `json:"failed_widgets"` // widgets that reported an error event
	Transcript   []SimEntry      `json:"transcript"`
	Outputs      []SimEntry      `json:"outputs"` // the entries this request added
	Inputs       []string        `json:"inputs"`  // the person's inputs in the flow-test syntax
	Mocks        []flowtest.Mock `json:"mocks"`
	Speech       bool            `json:"speech"` // whether says have audio (an offline TTS engine is installed)
	DateCreated  string          `json:"date_created"`
	Expires      string          `json:"expires"`
	URL          string          `json:"url"`
	ExecutionSID string          `json:"execution_sid,omitempty"` // in the simulation's own scratch store
}

type simulation struct {
	sid, flowSID, channel, from, to string
	body                            *string
	source                          string
	revision                        *int
	created                         time.Time

	dir  string
	st   *store.Store
	r    *runner.Runner
	live *simulator.Live

	mu         sync.Mutex // one request at a time
	expires    time.Time
	transcript []SimEntry
	inputs     []string
	steps      []engine.Step
	failed     []string
	audio      []tts.Request
	x          *engine.Execution
	wait       *engine.Wait
	ended      bool
	mocks      []flowtest.Mock

	httpMu  sync.Mutex
	httpLog []SimEntry // requests made since the last turn
}

// close ends the run and removes the scratch store.
func (m *simulation) close() {
	if m.live != nil {
		m.live.Stop()
	}
	m.r.Close()
	m.st.Close()
	os.RemoveAll(m.dir)
}

func (s *Server) simTTL() time.Duration {
	if s.SimulationTTL > 0 {
		return s.SimulationTTL
	}
	return DefaultSimulationTTL
}

func (s *Server) simNow() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// purge closes the simulations whose time ran out.
func (s *Server) purgeSimulations() {
	now := s.simNow()
	var gone []*simulation
	s.sims.mu.Lock()
	for id, m := range s.sims.byID {
		m.mu.Lock()
		dead := now.After(m.expires)
		m.mu.Unlock()
		if dead {
			delete(s.sims.byID, id)
			gone = append(gone, m)
		}
	}
	s.sims.mu.Unlock()
	for _, m := range gone {
		m.close()
	}
}

// speech is the offline TTS engine, found once; nil when none is installed.
func (s *Server) speech() *tts.TTS {
	s.sims.ttsOnce.Do(func() {
		cache, err := tts.NewCache("", 32<<20)
		if err != nil {
			return
		}
		t, err := tts.New(tts.Options{Cache: cache, Logger: s.Log})
		if err == nil {
			s.sims.tts = t
		}
	})
	return s.sims.tts
}

func simChannel(v string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "voice", "call":
		return "voice", true
	case "messaging", "message", "sms":
		return "messaging", true
	}
	return "", false
}

// readMocks parses the Mocks parameter: a JSON array of flow-test mocks.
func readMocks(v string) ([]flowtest.Mock, *Error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var list []flowtest.Mock
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		return nil, invalid("Mocks", "not a JSON array of {method, url, status, content_type, body}: %v", err)
	}
	if len(list) > maxSimMocks {
		return nil, invalid("Mocks", "at most %d mocks", maxSimMocks)
	}
	for i, m := range list {
		if strings.TrimSpace(m.URL) == "" {
			return nil, invalid("Mocks", "mock %d has no url", i+1)
		}
		if m.Method != "" && m.Method != http.MethodGet && m.Method != http.MethodPost {
			return nil, invalid("Mocks", "mock %d: method %q is not GET or POST", i+1, m.Method)
		}
		if m.Status != 0 && (m.Status < 100 || m.Status > 599) {
			return nil, invalid("Mocks", "mock %d: status %d is not an HTTP status", i+1, m.Status)
		}
	}
	return list, nil
}

func (s *Server) createSimulation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s.purgeSimulations()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	in, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	channel, ok := simChannel(in.Get("Channel"))
	if !ok {
		writeError(w, invalid("Channel", "%q: give voice (an incoming call) or messaging (an incoming message)", in.Get("Channel")))
		return
	}
	mocks, e := readMocks(in.Get("Mocks"))
	if e != nil {
		writeError(w, e)
		return
	}
	m := &simulation{sid: sid.New(simulationPrefix), flowSID: f.SID, channel: channel, mocks: mocks,
		from: strings.TrimSpace(in.Get("From")), to: strings.TrimSpace(in.Get("To")), created: s.simNow()}
	if m.from == "" {
		m.from = "+15550001111"
	}
	if m.to == "" {
		m.to = "+15550002222"
	}
	var def []byte
	switch {
	case strings.TrimSpace(in.Get("Definition")) != "":
		def, m.source = []byte(in.Get("Definition")), "definition"
		if _, err := schema.Parse(def); err != nil {
			writeError(w, invalid("Definition", "%v", err))
			return
		}
	case in.Get("Revision") != "" && in.Get("Revision") != store.LatestRevision:
		which := in.Get("Revision")
		if n, err := strconv.Atoi(which); which != store.LatestPublished && (err != nil || n < 1) {
			writeError(w, apiError(http.StatusBadRequest, CodeBadRevision, "Revision must be an integer or one of LatestPublished, LatestRevision; got %q", which))
			return
		}
		rev, err := s.Store.FlowRevision(ctx, f.SID, which)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				writeError(w, invalid("Revision", "flow %s has no revision %s", f.SID, which))
				return
			}
			s.internal(w, r, err)
			return
		}
		def, m.source, m.revision = rev.Definition, "revision", &rev.Revision
	default:
		n := f.Revision
		def, m.source, m.revision = f.Definition, "draft", &n
	}
	if channel == "messaging" {
		b := in.Get("Body")
		if b == "" {
			b = "hi"
		}
		m.body = &b
	}

	s.sims.mu.Lock()
	max := s.MaxSimulations
	if max <= 0 {
		max = DefaultMaxSimulations
	}
	if len(s.sims.byID) >= max {
		s.sims.mu.Unlock()
		writeError(w, apiError(http.StatusTooManyRequests, CodeTooManyReqs,
			"%d simulations are open, the most there may be: end one (DELETE its URL) or wait until one is %s without input", max, s.simTTL()))
		return
	}
	s.sims.byID[m.sid] = m // hold the place while it starts
	m.expires = m.created.Add(s.simTTL())
	s.sims.mu.Unlock()

	if e := s.startSimulation(ctx, m, def); e != nil {
		s.sims.mu.Lock()
		delete(s.sims.byID, m.sid)
		s.sims.mu.Unlock()
		writeError(w, e)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.simulationJSON(r, m, 0))
}

// startSimulation makes the scratch store and runner and runs the flow
// until it first waits.
func (s *Server) startSimulation(ctx context.Context, m *simulation, def []byte) *Error {
	fail := func(err error) *Error {
		s.Log.Error("api: simulation did not start", "flow_sid", m.flowSID, "err", err)
		return apiError(http.StatusInternalServerError, CodeInternal, "Internal error: the simulation could not start")
	}
	dir, err := os.MkdirTemp("", "switchboard-simulation-*")
	if err != nil {
		return fail(err)
	}
	// The run outlives this request: it waits for the person's inputs.
	bg := context.WithoutCancel(ctx)
	st, err := store.Open(bg, dir)
	if err != nil {
		os.RemoveAll(dir)
		return fail(err)
	}
	res := schema.Validate(def)
	if _, err := st.CreateFlow(bg, store.NewFlow{SID: m.flowSID, FriendlyName: "simulation", Status: store.StatusPublished,
		Definition: json.RawMessage(def), Valid: res.Valid()}); err != nil {
		st.Close()
		os.RemoveAll(dir)
		return fail(err)
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &simHTTP{m: m, next: flowtest.MockTransport(m.mocks, http.DefaultTransport)}}
	m.dir, m.st = dir, st
	m.r = runner.New(st, slog.New(slog.DiscardHandler), engine.WithSIDs(sid.New), engine.WithHTTPClient(client))
	event, prefix := "call", "CA"
	body := ""
	if m.channel == "messaging" {
		event, prefix, body = "message", "SM", *m.body
	}
	trig, err := simulator.NewTrigger(event, m.from, m.to, body, nil, sid.New(prefix))
	if err != nil {
		m.r.Close()
		st.Close()
		os.RemoveAll(dir)
		return fail(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.channel == "messaging" {
		m.add(SimEntry{Kind: "input", Input: engine.InputReply, Text: body})
	}
	live, turn, err := simulator.StartLive(bg, m.r, m.flowSID, trig)
	if err != nil {
		m.r.Close()
		st.Close()
		os.RemoveAll(dir)
		if errors.Is(err, engine.ErrCannotRun) || !res.Valid() {
			e := apiError(http.StatusBadRequest, CodeInvalidFlow, "The flow cannot run: %v", err)
			if !res.Valid() {
				e = validationFailed(res)
				e.Message = "The flow cannot run: its definition has errors. Fix them (see Problems), then simulate again."
			}
			return e
		}
		return fail(err)
	}
	m.live = live
	s.applyTurn(m, turn)
	return nil
}

// simHTTP notes every request a widget makes (method, URL without query
// string or user info, status or error, whether a mock answered).
type simHTTP struct {
	m    *simulation
	next http.RoundTripper
}

func (h *simHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	u := *r.URL
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	e := SimEntry{Kind: "http", Method: r.Method, URL: u.String(), Mocked: flowtest.Match(h.m.mocks, r.Method, r.URL) != nil}
	res, err := h.next.RoundTrip(r)
	if err != nil {
		e.Text = err.Error()
	} else {
		e.Status = res.StatusCode
	}
	h.m.httpMu.Lock()
	h.m.httpLog = append(h.m.httpLog, e)
	h.m.httpMu.Unlock()
	return res, err
}

// add appends a transcript entry (m.mu held).
func (m *simulation) add(e SimEntry) {
	if len(m.transcript) >= maxSimTranscript {
		return
	}
	e.Index = len(m.transcript)
	m.transcript = append(m.transcript, e)
}

// applyTurn writes what the flow did into the transcript (m.mu held).
func (s *Server) applyTurn(m *simulation, t simulator.Turn) {
	m.httpMu.Lock()
	reqs := m.httpLog
	m.httpLog = nil
	m.httpMu.Unlock()
	for _, e := range reqs {
		m.add(e)
	}
	speech := s.speech() != nil
	var cmd func(c engine.Command)
	cmd = func(c engine.Command) {
		switch c := c.(type) {
		case engine.Say:
			e := SimEntry{Kind: "say", Widget: c.Widget, Text: c.Text}
			if speech {
				e.AudioURL = fmt.Sprintf("/v2/Flows/%s/Simulations/%s/Audio/%d", m.flowSID, m.sid, len(m.audio))
				m.audio = append(m.audio, tts.Request{Text: c.Text, Voice: c.Voice, Language: c.Language})
			}
			m.add(e)
		case engine.Play:
			m.add(SimEntry{Kind: "play", Widget: c.Widget, URL: c.URL})
		case engine.Gather:
			for _, p := range c.Prompts {
				cmd(p)
			}
		case engine.Message:
			m.add(SimEntry{Kind: "message", Widget: c.Widget, Text: c.Body, MediaURL: c.MediaURL})
		default:
			m.add(SimEntry{Kind: "note", Widget: c.WidgetName(), Text: strings.TrimSpace(simulator.Describe(c))})
		}
	}
	for _, c := range t.Commands {
		cmd(c)
	}
	for _, e := range t.Events {
		m.add(SimEntry{Kind: "event", Widget: e.Widget, Level: e.Level, Code: e.Code, Text: e.Message})
		if e.Level == "error" && e.Widget != "" {
			m.failed = append(m.failed, e.Widget)
		}
	}
	m.steps = append(m.steps, t.Steps...)
	if t.Execution != nil {
		m.x = t.Execution
	}
	m.wait = t.Wait
	if t.Ended {
		m.ended, m.wait = true, nil
		reason := ""
		if m.x != nil {
			reason = m.x.EndReason
		}
		if t.Err != nil {
			s.Log.Error("api: simulation stopped", "flow_sid", m.flowSID, "err", t.Err)
			reason = "stopped: " + t.Err.Error()
		}
		m.add(SimEntry{Kind: "ended", Text: reason})
	}
}

func (s *Server) simulationJSON(r *http.Request, m *simulation, from int) Simulation {
	out := Simulation{SID: m.sid, FlowSID: m.flowSID, Channel: m.channel, From: m.from, To: m.to, Body: m.body,
		Source: m.source, Revision: m.revision, Status: "waiting", WaitingFor: []string{}, Path: []string{}, Failed: []string{},
		Transcript: m.transcript, Outputs: []SimEntry{}, Inputs: m.inputs, Mocks: m.mocks, Speech: s.speech() != nil,
		DateCreated: iso(m.created), Expires: iso(m.expires), URL: base(r) + "/v2/Flows/" + m.flowSID + "/Simulations/" + m.sid}
	if out.Inputs == nil {
		out.Inputs = []string{}
	}
	if out.Mocks == nil {
		out.Mocks = []flowtest.Mock{}
	}
	if from < len(m.transcript) {
		out.Outputs = m.transcript[from:]
	}
	if m.failed != nil {
		out.Failed = m.failed
	}
	for _, st := range m.steps {
		out.Path = append(out.Path, st.TransitionedFrom)
	}
	if m.x != nil {
		out.ExecutionSID = m.x.SID
	}
	if m.ended {
		out.Status = "ended"
		if m.x != nil {
			out.EndReason = m.x.EndReason
		}
	} else if m.wait != nil {
		out.Widget = m.wait.Widget
		out.WaitingFor = append(out.WaitingFor, m.wait.Inputs...)
		out.Hint = simulator.Hint(m.wait)
	}
	for i := range out.Transcript {
		if u := out.Transcript[i].AudioURL; u != "" && !strings.HasPrefix(u, "http") {
			out.Transcript[i].AudioURL = base(r) + u
		}
	}
	return out
}

// simulation finds a flow's simulation and locks it (the caller unlocks).
func (s *Server) simulation(w http.ResponseWriter, r *http.Request) *simulation {
	s.purgeSimulations()
	s.sims.mu.Lock()
	m := s.sims.byID[r.PathValue("SimSid")]
	s.sims.mu.Unlock()
	if m == nil || m.flowSID != r.PathValue("Sid") || m.live == nil {
		writeError(w, apiError(http.StatusNotFound, CodeNotFound,
			"The requested resource %s was not found (a simulation ends after %s without input)", r.URL.Path, s.simTTL()))
		return nil
	}
	m.mu.Lock()
	return m
}

func (s *Server) fetchSimulation(w http.ResponseWriter, r *http.Request) {
	m := s.simulation(w, r)
	if m == nil {
		return
	}
	defer m.mu.Unlock()
	writeJSON(w, http.StatusOK, s.simulationJSON(r, m, len(m.transcript)))
}

func (s *Server) deleteSimulation(w http.ResponseWriter, r *http.Request) {
	m := s.simulation(w, r)
	if m == nil {
		return
	}
	m.mu.Unlock()
	s.sims.mu.Lock()
	_, ok := s.sims.byID[m.sid]
	delete(s.sims.byID, m.sid)
	s.sims.mu.Unlock()
	if ok {
		m.close()
	}
	w.WriteHeader(http.StatusNoContent)
}

// simInput reads the person's input: exactly one of Digits, SpeechResult,
// Body, Timeout=true, Hangup=true or Line (the text-phone syntax of
// `switchboard simulate`). It returns the input and its line in the
// flow-test syntax.
func simInput(f map[string][]string, wait *engine.Wait) (engine.Input, string, *Error) {
	var given []string
	for _, k := range []string{"Digits", "SpeechResult", "Body", "Timeout", "Hangup", "Line"} {
		if _, ok := f[k]; ok {
			given = append(given, k)
		}
	}
	if len(given) != 1 {
		return engine.Input{}, "", apiError(http.StatusBadRequest, CodeMissingParam,
			"Give exactly one of Digits, SpeechResult, Body, Timeout, Hangup or Line (got %d)", len(given))
	}
	v := f[given[0]][0]
	var (
		in   engine.Input
		line string
	)
	switch given[0] {
	case "Digits":
		d := strings.TrimSpace(v)
		if d == "" || len(d) > 64 || strings.Trim(d, "0123456789*#") != "" {
			return in, "", invalid("Digits", "%q: keys are 0-9, * and #, 1 to 64 of them", v)
		}
		in, line = engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": strings.TrimRight(d, "#")}}, d
		if strings.TrimRight(d, "#") == "" {
			in.Params["Digits"] = d
		}
	case "SpeechResult":
		t := strings.TrimSpace(v)
		if t == "" {
			return in, "", invalid("SpeechResult", "say some words")
		}
		in, line = engine.Input{Type: engine.InputSpeech, Params: map[string]any{"SpeechResult": t, "Confidence": "0.9"}}, "say "+t
	case "Body":
		in, line = engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": v}}, v
	case "Timeout":
		in, line = engine.Input{Type: engine.InputTimeout}, "/timeout"
	case "Hangup":
		in, line = engine.Input{Type: engine.InputHangup}, "/hangup"
	case "Line":
		p, ok := simulator.Parse(v, wait)
		if !ok {
			return in, "", invalid("Line", "%q is not an answer here: %s", v, simulator.Hint(wait))
		}
		in, line = p, strings.TrimSpace(v)
	}
	if in.Type != engine.InputHangup && !wait.Accepts(in.Type) {
		return in, "", apiError(http.StatusBadRequest, CodeInvalidParam, "Widget %s does not take %s now; it waits for %s",
			wait.Widget, in.Type, simulator.Hint(wait)).with("waiting_for", wait.Inputs)
	}
	return in, line, nil
}

func (s *Server) simulationInput(w http.ResponseWriter, r *http.Request) {
	m := s.simulation(w, r)
	if m == nil {
		return
	}
	defer m.mu.Unlock()
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	if m.ended || m.wait == nil {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "The simulation has ended (%s); start another", m.x.EndReason))
		return
	}
	in, line, e := simInput(f, m.wait)
	if e != nil {
		writeError(w, e)
		return
	}
	from := len(m.transcript)
	text := line
	if in.Type == engine.InputReply {
		text = fmt.Sprint(in.Params["Body"])
	} else if in.Type == engine.InputSpeech {
		text = fmt.Sprint(in.Params["SpeechResult"])
	}
	m.add(SimEntry{Kind: "input", Input: in.Type, Widget: m.wait.Widget, Text: text})
	m.inputs = append(m.inputs, line)
	m.expires = s.simNow().Add(s.simTTL())
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	turn, err := m.live.Send(ctx, in)
	if err != nil {
		s.internal(w, r, fmt.Errorf("simulation %s: %w", m.sid, err))
		return
	}
	s.applyTurn(m, turn)
	writeJSON(w, http.StatusOK, s.simulationJSON(r, m, from))
}

func (s *Server) simulationAudio(w http.ResponseWriter, r *http.Request) {
	m := s.simulation(w, r)
	if m == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("N"))
	if err != nil || n < 0 || n >= len(m.audio) {
		m.mu.Unlock()
		writeError(w, notFound(r))
		return
	}
	req := m.audio[n]
	m.mu.Unlock()
	speech := s.speech()
	if speech == nil {
		writeError(w, apiError(http.StatusServiceUnavailable, CodeInternal, "No text-to-speech engine is installed (apt-get install espeak-ng)"))
		return
	}
	pcm, err := speech.Synthesize(r.Context(), req)
	if err != nil {
		s.internal(w, r, fmt.Errorf("simulation audio: %w", err))
		return
	}
	b := wav8k(pcm)
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = io.Copy(w, bytes.NewReader(b))
}

// wav8k wraps 8 kHz mono 16-bit PCM in a WAV file.
func wav8k(pcm []int16) []byte {
	var b bytes.Buffer
	data := uint32(len(pcm) * 2)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, 36+data)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, data)
	_ = binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}
