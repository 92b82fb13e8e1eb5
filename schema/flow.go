// Package schema is the Studio flow definition: Go types for the envelope,
// states (widgets), transitions and split conditions; a lossless parse and
// marshal; the embedded JSON Schemas of the envelope and of every widget
// type; and Flow Validate with Studio's errors plus warnings of our own.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// SchemaURL is the only value Studio allows in a definition's "$schema".
const SchemaURL = "https://schemas.twilio.com/studio/draft/2019-09/flow-definition"

// Flow is a Studio flow definition. Parsing keeps everything it does not
// model, so Parse followed by Marshal gives JSON semantically equal to the
// input.
type Flow struct {
	Description  string
	Schema       string // "$schema"
	InitialState string
	Flags        *Flags
	States       []State
	// Extra holds envelope keys Studio does not define, verbatim.
	Extra map[string]json.RawMessage

	present keySet
}

func (f *Flow) fields() []field {
	return []field{
		{"description", &f.Description},
		{"$schema", &f.Schema},
		{"states", (*stateList)(&f.States)},
		{"initial_state", &f.InitialState},
		{"flags", &f.Flags},
	}
}

// Flags holds the definition's flags.
type Flags struct {
	AllowConcurrentCalls bool
	Extra                map[string]json.RawMessage
	present              keySet
}

func (f *Flags) fields() []field {
	return []field{{"allow_concurrent_calls", &f.AllowConcurrentCalls}}
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flags) UnmarshalJSON(b []byte) error {
	return decodeObject(b, "#/flags", f.fields(), &f.Extra, &f.present)
}

// MarshalJSON implements json.Marshaler.
func (f *Flags) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	err := encodeObject(&buf, f.fields(), f.Extra, f.present)
	return buf.Bytes(), err
}

// State is one widget of a flow.
type State struct {
	Name string
	Type string
	// Properties are kept raw, so nothing is lost; Decode gives the typed view.
	Properties  map[string]json.RawMessage
	Transitions []Transition
	Extra       map[string]json.RawMessage

	present keySet
}

func (s *State) fields() []field {
	return []field{
		{"name", &s.Name},
		{"type", &s.Type},
		{"transitions", (*transitionList)(&s.Transitions)},
		{"properties", &s.Properties},
	}
}

// Decode returns the state's properties as the Go type of its widget
// (for example *SayPlay for a say-play state).
func (s *State) Decode() (any, error) { return DecodeProperties(s.Type, s.Properties) }

// Next returns the target of the first transition with the given event, and
// whether such a transition exists.
func (s *State) Next(event string) (string, bool) {
	for _, t := range s.Transitions {
		if t.Event == event {
			return t.Next, true
		}
	}
	return "", false
}

// Transition leads from a widget to the next one when its event happens.
type Transition struct {
	Event string
	// Next names the target widget; empty ends the execution on this branch.
	Next string
	// Conditions are only used on split-based-on "match" transitions.
	Conditions []Condition
	Extra      map[string]json.RawMessage

	present keySet
}

func (t *Transition) fields() []field {
	return []field{
		{"next", &t.Next},
		{"event", &t.Event},
		{"conditions", (*conditionList)(&t.Conditions)},
	}
}

// Condition is one test of a split-based-on match transition.
type Condition struct {
	FriendlyName string
	// Arguments is the subject; a JSON null element reads as "" and is
	// written back as null while it stays "".
	Arguments []string
	Type      string
	Value     string
	Extra     map[string]json.RawMessage

	present  keySet
	nullArgs []bool // nullArgs[i]: Arguments[i] was null in the source
}

func (c *Condition) fields() []field {
	return []field{
		{"friendly_name", &c.FriendlyName},
		{"arguments", argumentList{c}},
		{"type", &c.Type},
		{"value", &c.Value},
	}
}

// argumentList decodes and encodes Condition.Arguments, remembering which
// elements were JSON null (real exports carry "arguments": [null]) so that
// marshal writes them back as null.
type argumentList struct{ c *Condition }

func (a argumentList) unmarshalAt(b []byte, path string) error {
	a.c.nullArgs = nil
	if err := decodeValue(b, path, &a.c.Arguments); err != nil {
		return err
	}
	var items []json.RawMessage
	_ = json.Unmarshal(b, &items) // it decoded as []string just now
	for i, it := range items {
		if bytes.Equal(bytes.TrimSpace(it), []byte("null")) {
			if a.c.nullArgs == nil {
				a.c.nullArgs = make([]bool, len(items))
			}
			a.c.nullArgs[i] = true
		}
	}
	return nil
}

func (a argumentList) encode(buf *bytes.Buffer) error {
	if a.c.Arguments == nil {
		buf.WriteString("null")
		return nil
	}
	buf.WriteByte('[')
	for i, s := range a.c.Arguments {
		if i > 0 {
			buf.WriteByte(',')
		}
		if s == "" && i < len(a.c.nullArgs) && a.c.nullArgs[i] {
			buf.WriteString("null")
			continue
		}
		writeString(buf, s)
	}
	buf.WriteByte(']')
	return nil
}

// Lists decode element by element so that errors carry the element's path.

type stateList []State

func (l *stateList) unmarshalAt(b []byte, path string) error {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil || (items == nil && !bytes.Equal(bytes.TrimSpace(b), []byte("[]"))) {
		return &ShapeError{Path: path, Msg: fmt.Sprintf("%s found, array expected", jsonKind(b))}
	}
	*l = make(stateList, len(items))
	for i, it := range items {
		s := &(*l)[i]
		if err := decodeObject(it, path+"/"+strconv.Itoa(i), s.fields(), &s.Extra, &s.present); err != nil {
			return err
		}
	}
	return nil
}

func (l *stateList) encode(buf *bytes.Buffer) error {
	buf.WriteByte('[')
	for i := range *l {
		if i > 0 {
			buf.WriteByte(',')
		}
		s := &(*l)[i]
		if err := encodeObject(buf, s.fields(), s.Extra, s.present); err != nil {
			return fmt.Errorf("state %d: %w", i, err)
		}
	}
	buf.WriteByte(']')
	return nil
}

type transitionList []Transition

func (l *transitionList) unmarshalAt(b []byte, path string) error {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil || (items == nil && !bytes.Equal(bytes.TrimSpace(b), []byte("[]"))) {
		return &ShapeError{Path: path, Msg: fmt.Sprintf("%s found, array expected", jsonKind(b))}
	}
	*l = make(transitionList, len(items))
	for i, it := range items {
		t := &(*l)[i]
		if err := decodeObject(it, path+"/"+strconv.Itoa(i), t.fields(), &t.Extra, &t.present); err != nil {
			return err
		}
	}
	return nil
}

func (l *transitionList) encode(buf *bytes.Buffer) error {
	buf.WriteByte('[')
	for i := range *l {
		if i > 0 {
			buf.WriteByte(',')
		}
		t := &(*l)[i]
		if err := encodeObject(buf, t.fields(), t.Extra, t.present); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

type conditionList []Condition

func (l *conditionList) unmarshalAt(b []byte, path string) error {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil || (items == nil && !bytes.Equal(bytes.TrimSpace(b), []byte("[]"))) {
		return &ShapeError{Path: path, Msg: fmt.Sprintf("%s found, array expected", jsonKind(b))}
	}
	*l = make(conditionList, len(items))
	for i, it := range items {
		c := &(*l)[i]
		if err := decodeObject(it, path+"/"+strconv.Itoa(i), c.fields(), &c.Extra, &c.present); err != nil {
			return err
		}
	}
	return nil
}

func (l *conditionList) encode(buf *bytes.Buffer) error {
	buf.WriteByte('[')
	for i := range *l {
		if i > 0 {
			buf.WriteByte(',')
		}
		c := &(*l)[i]
		if err := encodeObject(buf, c.fields(), c.Extra, c.present); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

// MarshalJSON writes the definition compactly, keys in Studio's export order
// (description, states, initial_state, flags; per state name, type,
// transitions, properties), properties and unknown keys sorted.
func (f *Flow) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeObject(&buf, f.fields(), f.Extra, f.present); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler with the same rules as Parse,
// minus the checks for templates and legacy exports.
func (f *Flow) UnmarshalJSON(b []byte) error {
	*f = Flow{}
	return decodeObject(b, "#", f.fields(), &f.Extra, &f.present)
}

// Format returns the canonical form of the definition: MarshalJSON indented
// with two spaces and a final newline. `switchboard flow fmt` prints it.
func (f *Flow) Format() ([]byte, error) {
	b, err := f.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// State returns the state with the given name, or nil.
func (f *Flow) State(name string) *State {
	for i := range f.States {
		if f.States[i].Name == name {
			return &f.States[i]
		}
	}
	return nil
}
