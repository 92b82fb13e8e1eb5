package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/schema/liquid"
)

// Studio's limits on a definition (reference §7).
//
// MaxStates follows Studio's FAQ as it reads today: "Maximum of 2,000
// widgets per Flow (including Subflows)"
// (https://www.twilio.com/docs/studio/user-guide/studio-faq, "What limits
// exist in Studio?"); older pages and the published flow-definition JSON
// Schema say 1,000 states. One definition is checked here (flow.json's
// states maxItems); the widgets of the subflows it calls also count toward
// Studio's limit, which a single definition cannot show.
const (
	MaxStates             = 2000
	MaxRunSubflowWidgets  = 150
	MaxDistinctSubflows   = 50
	splitBasedOn          = "split-based-on"
	runSubflow            = "run-subflow"
	sendAndWaitForReply   = "send-and-wait-for-reply"
	triggerType           = "trigger"
	eventIncomingCall     = "incomingCall"
	eventIncomingRequest  = "incomingRequest"
	revisionLatestPublish = "LatestPublished"
)

// Result is what Flow Validate says about a definition. Errors make it
// invalid (Studio answers 81022 for them); warnings are ours and do not.
type Result struct {
	Errors   []Problem `json:"errors"`
	Warnings []Problem `json:"warnings"`
}

// Valid reports whether the definition has no errors.
func (r Result) Valid() bool { return len(r.Errors) == 0 }

func (r *Result) errorf(path, format string, a ...any) {
	r.Errors = append(r.Errors, Problem{Message: fmt.Sprintf(format, a...), PropertyPath: path})
}

func (r *Result) warnf(path, format string, a ...any) {
	r.Warnings = append(r.Warnings, Problem{Message: fmt.Sprintf(format, a...), PropertyPath: path})
}

// Validate checks a definition as Studio's Flow Validate does: JSON syntax,
// the JSON Schemas (types as Studio exports them, required properties, event
// names per widget type, the 17 split conditions), unique widget names,
// transitions to existing widgets, the initial state naming the trigger,
// run-subflow rules and the size limits. It adds warnings Studio does not
// give: unreachable widgets, calls that end in silence, Liquid that does not
// parse, references to widgets that do not exist, unknown properties,
// widgets that need a cloud service and run-function widgets without a url.
// Control characters in messages are escaped (OneLine), so a problem is
// always one line. It never panics.
func Validate(data []byte) Result {
	r := validate(data)
	for _, ps := range [][]Problem{r.Errors, r.Warnings} {
		for i := range ps {
			ps[i].Message = OneLine(ps[i].Message)
		}
	}
	return r
}

func validate(data []byte) Result {
	var r Result
	if len(data) > MaxDefinitionSize {
		r.errorf("#", "the definition is %d bytes; Studio takes at most %d (1 MB)", len(data), MaxDefinitionSize)
		return r
	}
	f, err := Parse(data)
	if err != nil {
		var pe *ParseError
		path := "#"
		if errors.As(err, &pe) && pe.Path != "" && !errors.Is(err, ErrShape) {
			path = pe.Path
		}
		if errors.As(err, &pe) && errors.Is(err, ErrShape) {
			// Valid JSON of the wrong shape: the schema words it best.
			if doc, derr := decodeUseNumber(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))); derr == nil {
				if probs, serr := checkSchema(doc, false); serr == nil && len(probs) > 0 {
					r.Errors = probs
					return r
				}
			}
			path = pe.Path
		}
		r.errorf(path, "%s", err.Error())
		return r
	}
	doc, err := decodeUseNumber(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if err != nil { // cannot happen after Parse succeeded
		r.errorf("#", "%s", err.Error())
		return r
	}
	probs, err := checkSchema(doc, false)
	if err != nil {
		r.errorf("#", "internal error: %v", err)
		return r
	}
	r.Errors = append(r.Errors, probs...)
	v := validator{flow: f, r: &r}
	v.run()
	sortProblems(r.Errors)
	sortProblems(r.Warnings)
	return r
}

// ValidateFlow validates a parsed definition.
func ValidateFlow(f *Flow) Result {
	b, err := json.Marshal(f)
	if err != nil {
		return Result{Errors: []Problem{{Message: err.Error(), PropertyPath: "#"}}}
	}
	return Validate(b)
}

type validator struct {
	flow   *Flow
	r      *Result
	index  map[string]int // widget name -> first state index
	reach  []bool         // reachable from the trigger
	inCall []bool         // reachable from the incomingCall event
}

func (v *validator) run() {
	f := v.flow
	v.index = map[string]int{}
	for i, s := range f.States {
		if j, dup := v.index[s.Name]; dup {
			v.r.errorf(Pointer("states", strconv.Itoa(i), "name"),
				"duplicate widget name %q (also #/states/%d); widget names must be unique", s.Name, j)
			continue
		}
		v.index[s.Name] = i
	}
	v.checkInitialState()
	v.checkTransitions()
	v.checkSubflows()
	v.reach = v.reachable(f.InitialState, "")
	v.inCall = v.reachable(f.InitialState, eventIncomingCall)
	v.checkConcurrentCalls()
	v.warnUnreachable()
	v.warnSilentCallEnds()
	v.warnProperties()
	v.warnFunctionURLs()
}

// warnFunctionURLs: a run-function (v1 or v2) without a url cannot call
// anything; the engine fails every run with "no Function URL".
func (v *validator) warnFunctionURLs() {
	for i, s := range v.flow.States {
		if s.Type != TypeRunFunction && s.Type != TypeRunFunctionV2 {
			continue
		}
		var url string
		if raw, ok := s.Properties["url"]; ok && json.Unmarshal(raw, &url) != nil {
			continue // not a string: the schema reports it
		}
		if strings.TrimSpace(url) == "" {
			v.r.warnf(Pointer("states", strconv.Itoa(i), "properties", "url"),
				"%s has no url: every run fails (no Function URL) and takes fail", s.Type)
		}
	}
}

func (v *validator) checkInitialState() {
	f := v.flow
	triggers := 0
	for i, s := range f.States {
		if s.Type == triggerType {
			triggers++
			if triggers > 1 {
				v.r.errorf(Pointer("states", strconv.Itoa(i), "type"), "a flow has exactly one trigger widget; this is another")
			}
		}
	}
	if triggers == 0 {
		v.r.errorf("#/states", "the flow has no trigger widget")
	}
	if f.InitialState == "" {
		return // the schema reports it
	}
	i, ok := v.index[f.InitialState]
	switch {
	case !ok:
		v.r.errorf("#/initial_state", "names widget %q, which does not exist", f.InitialState)
	case f.States[i].Type != triggerType:
		v.r.errorf("#/initial_state", "names widget %q of type %s; it must name the trigger widget", f.InitialState, f.States[i].Type)
	}
}

func (v *validator) checkTransitions() {
	for i, s := range v.flow.States {
		ws := Widget(s.Type)
		seen := map[string]int{}
		for j, t := range s.Transitions {
			base := Pointer("states", strconv.Itoa(i), "transitions", strconv.Itoa(j))
			if t.Next != "" {
				if _, ok := v.index[t.Next]; !ok {
					v.r.errorf(base+"/next", "transition %s.%s leads to widget %q, which does not exist", s.Name, t.Event, t.Next)
				}
			}
			if ws == nil || t.Event == "" || !ws.HasEvent(t.Event) {
				continue // the schema reports unknown types and events
			}
			if s.Type == splitBasedOn && t.Event == "match" {
				v.checkConditions(base, t)
				continue
			}
			if len(t.Conditions) > 0 {
				v.r.warnf(base+"/conditions", "conditions are only used on split-based-on match transitions; they are ignored here")
			}
			if k, dup := seen[t.Event]; dup {
				v.r.warnf(base+"/event", "event %q is wired twice (also transitions/%d); only the first is used", t.Event, k)
				continue
			}
			seen[t.Event] = j
		}
	}
}

var (
	reTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	reDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	// reNumber is what the engine's split compares as a number (decimal
	// digits, a point, an exponent; no hex, Inf, NaN or underscores).
	reNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
)

func (v *validator) checkConditions(base string, t Transition) {
	if len(t.Conditions) == 0 {
		v.r.errorf(base+"/conditions", "a match transition needs at least one condition")
		return
	}
	for k, c := range t.Conditions {
		path := base + "/conditions/" + strconv.Itoa(k) + "/value"
		if isLiquid(c.Value) {
			continue
		}
		val := strings.TrimSpace(c.Value)
		switch c.Type {
		case "regex":
			if _, err := regexp.Compile("(?i)^(?:" + val + ")$"); err != nil {
				v.r.warnf(path, "regex %q does not compile (%v); the condition never matches", c.Value, err)
			}
		case "less_than", "greater_than":
			if !reNumber.MatchString(val) {
				v.r.warnf(path, "%s compares numbers, and %q is not a number; the condition never matches", c.Type, c.Value)
			}
		case "is_before_time", "is_after_time":
			if !reTime.MatchString(val) {
				v.r.warnf(path, "%s needs a 24-hour time HH:MM, not %q", c.Type, c.Value)
			}
		case "is_before_date", "is_after_date":
			if _, err := time.Parse("2006-01-02", val); err != nil || !reDate.MatchString(val) {
				v.r.warnf(path, "%s needs a date YYYY-MM-DD, not %q", c.Type, c.Value)
			}
		}
	}
}

// checkSubflows applies Studio's run-subflow rules: at most 150 widgets, at
// most 50 distinct subflows, one revision per subflow.
func (v *validator) checkSubflows() {
	type use struct {
		rev   string
		state int
	}
	first := map[string]use{}
	count := 0
	for i, s := range v.flow.States {
		if s.Type != runSubflow {
			continue
		}
		count++
		if count == MaxRunSubflowWidgets+1 {
			v.r.errorf(Pointer("states", strconv.Itoa(i)), "a flow may hold at most %d run-subflow widgets", MaxRunSubflowWidgets)
		}
		p, err := s.Decode()
		if err != nil {
			continue // the schema reports it
		}
		sid, rev := subflowRef(p)
		if sid == "" {
			continue
		}
		u, seen := first[sid]
		if !seen {
			first[sid] = use{rev, i}
			if len(first) == MaxDistinctSubflows+1 {
				v.r.errorf(Pointer("states", strconv.Itoa(i), "properties", "flow_sid"), "a flow may call at most %d distinct subflows", MaxDistinctSubflows)
			}
			continue
		}
		if u.rev != rev {
			v.r.errorf(Pointer("states", strconv.Itoa(i), "properties", "flow_revision"),
				"subflow %s is called with revision %q here and %q in widget %q; every call of one subflow must use the same revision",
				sid, rev, u.rev, v.flow.States[u.state].Name)
		}
	}
}

// subflowRef reads flow_sid and flow_revision from decoded run-subflow
// properties without naming the Go type (kept in its own widget file).
func subflowRef(p any) (sid, rev string) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", ""
	}
	var ref struct {
		FlowSID      string `json:"flow_sid"`
		FlowRevision Scalar `json:"flow_revision"`
	}
	_ = json.Unmarshal(b, &ref)
	return ref.FlowSID, ref.FlowRevision.String()
}

// checkConcurrentCalls: with allow_concurrent_calls on, Send & Wait For Reply
// may not follow the Incoming Call trigger (a reply could not be matched to
// one of several callers sharing a caller ID).
func (v *validator) checkConcurrentCalls() {
	f := v.flow
	if f.Flags == nil || !f.Flags.AllowConcurrentCalls {
		return
	}
	for i, s := range f.States {
		if s.Type == sendAndWaitForReply && v.inCall[i] {
			v.r.errorf(Pointer("states", strconv.Itoa(i), "type"),
				"send-and-wait-for-reply cannot follow the incomingCall trigger while flags.allow_concurrent_calls is true")
		}
	}
}

// reachable marks the states reachable from the named start state; when
// event is set, only that transition of the start state is followed.
func (v *validator) reachable(start, event string) []bool {
	seen := make([]bool, len(v.flow.States))
	i, ok := v.index[start]
	if !ok {
		return seen
	}
	var queue []int
	push := func(name string) {
		if j, ok := v.index[name]; ok && !seen[j] {
			seen[j] = true
			queue = append(queue, j)
		}
	}
	if event == "" {
		seen[i] = true
		queue = append(queue, i)
	} else {
		for _, t := range v.flow.States[i].Transitions {
			if t.Event == event {
				push(t.Next)
			}
		}
	}
	for len(queue) > 0 {
		s := v.flow.States[queue[0]]
		queue = queue[1:]
		for _, t := range s.Transitions {
			push(t.Next)
		}
	}
	return seen
}

func (v *validator) warnUnreachable() {
	if _, ok := v.index[v.flow.InitialState]; !ok {
		return
	}
	for i, s := range v.flow.States {
		if !v.reach[i] && s.Type != triggerType {
			v.r.warnf(Pointer("states", strconv.Itoa(i)), "widget %q is not reachable from the trigger; it never runs", s.Name)
		}
	}
	t := v.flow.State(v.flow.InitialState)
	if t == nil || t.Type != triggerType {
		return
	}
	for _, tr := range t.Transitions {
		if tr.Next != "" {
			return
		}
	}
	v.r.warnf(Pointer("states", strconv.Itoa(v.index[t.Name]), "transitions"), "no trigger event leads anywhere; the flow does nothing")
}

// Widgets that neither speak to a caller nor end a call: a call passing
// through them still carries what the caller last heard.
var quietWidgets = map[string]bool{
	splitBasedOn: true, "set-variables": true, "send-message": true, "make-http-request": true,
	"run-function": true, "run-function-v2": true, "fork-stream": true, "record-call": true,
	"update-sync-object": true,
}

// Events after which a call is over or handed elsewhere, so ending the
// execution there is not a silent drop.
var callOverEvents = map[string]bool{
	"hangup": true, "callCompleted": true, "callComplete": true, "recordingComplete": true,
	"completed": true, "return": true,
}

// warnSilentCallEnds finds transitions on the incomingCall path that end the
// execution (and so the call) when the caller was not just spoken to: a
// gather that times out into nothing, a failed HTTP request in an IVR, a
// split without a noMatch target. The caller hears silence, then the line drops.
func (v *validator) warnSilentCallEnds() {
	f := v.flow
	n := len(f.States)
	// spoke[i]: on every call path into state i, the last audible widget was a
	// say-play that finished. Greatest fixed point, starting from true.
	spoke := make([]bool, n)
	for i := range spoke {
		spoke[i] = v.inCall[i]
	}
	ti, ok := v.index[f.InitialState]
	if !ok {
		return
	}
	for _, t := range f.States[ti].Transitions {
		if j, ok := v.index[t.Next]; ok && t.Event == eventIncomingCall {
			spoke[j] = false
		}
	}
	for changed := true; changed; {
		changed = false
		for i, s := range f.States {
			if !v.inCall[i] {
				continue
			}
			for _, t := range s.Transitions {
				j, ok := v.index[t.Next]
				if !ok || !spoke[j] {
					continue
				}
				if !(s.Type == "say-play" && t.Event == "audioComplete") && !(quietWidgets[s.Type] && spoke[i]) {
					spoke[j] = false
					changed = true
				}
			}
		}
	}
	for i, s := range f.States {
		if !v.inCall[i] {
			continue
		}
		for j, t := range s.Transitions {
			if t.Next != "" || callOverEvents[t.Event] {
				continue
			}
			if s.Type == "say-play" && t.Event == "audioComplete" {
				continue
			}
			if quietWidgets[s.Type] && spoke[i] {
				continue
			}
			v.r.warnf(Pointer("states", strconv.Itoa(i), "transitions", strconv.Itoa(j)),
				"on a call, %s.%s ends the call without a word: the caller hears silence and the line drops", s.Name, t.Event)
		}
	}
}

// reWidgetRef finds widgets.NAME references inside Liquid markup (blanks
// around the dot allowed, as the renderer reads "widgets. name .parsed").
var reWidgetRef = regexp.MustCompile(`\bwidgets[ \t]*\.[ \t]*([A-Za-z][A-Za-z0-9_-]*)|\bwidgets\[\s*['"]([^'"]+)['"]\s*\]`)

func (v *validator) warnProperties() {
	for i, s := range v.flow.States {
		base := Pointer("states", strconv.Itoa(i))
		ws := Widget(s.Type)
		if ws != nil {
			if ws.Retired {
				v.r.warnf(base+"/type", "%s is retired by Twilio; it cannot run and fails when reached", s.Type)
			} else if !ws.Offline {
				v.r.warnf(base+"/type", "%s needs a Twilio cloud service; offline it takes its failure transition", s.Type)
			}
		}
		keys := make([]string, 0, len(s.Properties))
		for k := range s.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			path := base + "/properties/" + escapeToken(k)
			if ws != nil && !ws.HasProperty(k) {
				v.r.warnf(path, "%s has no property %q; Studio may reject it and it is not used here", s.Type, k)
			}
			v.walkStrings(path, s.Properties[k])
		}
		for j, t := range s.Transitions {
			for k, c := range t.Conditions {
				cp := base + "/transitions/" + strconv.Itoa(j) + "/conditions/" + strconv.Itoa(k)
				for a, arg := range c.Arguments {
					v.checkTemplate(cp+"/arguments/"+strconv.Itoa(a), arg)
				}
				v.checkTemplate(cp+"/value", c.Value)
			}
		}
	}
}

// walkStrings checks every string inside a raw property value as a template.
func (v *validator) walkStrings(path string, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			v.checkTemplate(path, s)
		}
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v.walkStrings(path+"/"+escapeToken(k), m[k])
			}
		}
	case '[':
		var a []json.RawMessage
		if json.Unmarshal(raw, &a) == nil {
			for i, e := range a {
				v.walkStrings(path+"/"+strconv.Itoa(i), e)
			}
		}
	}
}

func isLiquid(s string) bool { return liquid.IsTemplate(s) }

// checkTemplate parses s with the renderer's own parser (schema/liquid, which
// the engine renders with), so a template is flagged "does not parse" exactly
// when rendering it would fail with 84003 before the first word: unknown tags
// (include, tablerow) and filters are flagged; lax paths ("widgets. name
// .parsed") and echo are not. A "{{" or "{%" that the renderer prints as text
// (never closed) parses, so it gets its own warning, not a parse warning.
func (v *validator) checkTemplate(path, s string) {
	if !isLiquid(s) {
		return
	}
	if err := liquid.Parse(s); err != nil {
		v.r.warnf(path, "Liquid does not parse: %s", liquidMessage(err))
		return
	}
	if at, why, ok := liquid.Literal(s); ok {
		v.r.warnf(path, "Liquid markup %q is %s; it is printed as text", at, why)
	}
	for _, m := range reWidgetRef.FindAllStringSubmatch(s, -1) {
		name := m[1]
		if name == "" {
			name = m[2]
		}
		if _, ok := v.index[name]; !ok {
			v.r.warnf(path, "refers to widgets.%s, but the flow has no widget named %q", name, name)
		}
	}
}

func liquidMessage(err error) string {
	var re *liquid.RenderError
	if errors.As(err, &re) {
		return re.Message
	}
	return err.Error()
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return comparePaths(ps[i].PropertyPath, ps[j].PropertyPath) < 0 })
}

// comparePaths orders JSON pointers with numeric tokens compared as numbers.
func comparePaths(a, b string) int {
	at, bt := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(at) && i < len(bt); i++ {
		if at[i] == bt[i] {
			continue
		}
		an, aerr := strconv.Atoi(at[i])
		bn, berr := strconv.Atoi(bt[i])
		if aerr == nil && berr == nil {
			if an < bn {
				return -1
			}
			return 1
		}
		return strings.Compare(at[i], bt[i])
	}
	return len(at) - len(bt)
}
