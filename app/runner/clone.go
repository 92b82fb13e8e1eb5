package runner

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/engine"
)

// cloneExecution is a deep copy of an execution that is exactly what a
// reload of its stored form (the state JSON) would give: numbers become
// float64, []string []any, empty omitempty fields nil, times lose their
// monotonic reading, and so on. The engine runs the next sprint of a
// cached execution on such a copy, so that it sees what it would have seen
// after a reload; and the copy shares no map or slice with the execution
// the sprint's caller keeps. It walks the values instead of encoding and
// parsing them; values of kinds it does not know go through encoding/json.
// It fails only where json.Marshal of the execution would.
func cloneExecution(x *engine.Execution) (*engine.Execution, error) {
	c := *x
	var err error
	fail := func(e error) {
		if err == nil && e != nil {
			err = e
		}
	}
	for _, s := range []*string{&c.SID, &c.FlowSID, &c.Status, &c.Contact, &c.Channel, &c.InitiatedBy,
		&c.Current, &c.LastWidget, &c.LastStep, &c.EndReason, &c.StartEvent} {
		*s = jsonString(*s)
	}
	if c.Context, err = cloneContext(x.Context); err != nil {
		return nil, fmt.Errorf("execution %s: %w", x.SID, err)
	}
	if x.Wait != nil {
		w := *x.Wait
		w.Widget = jsonString(w.Widget)
		if x.Wait.Inputs != nil {
			w.Inputs = make([]string, len(x.Wait.Inputs))
			for i, in := range x.Wait.Inputs {
				w.Inputs[i] = jsonString(in)
			}
		}
		w.Deadline, err = jsonTime(w.Deadline)
		fail(err)
		c.Wait = &w
	}
	c.Pending = cloneEvents(x.Pending)
	c.PendingTrace = nil
	if len(x.PendingTrace) > 0 {
		v, e := jsonValue(x.PendingTrace)
		fail(e)
		c.PendingTrace, _ = v.(map[string]any)
	}
	c.Frames = nil
	if len(x.Frames) > 0 {
		c.Frames = make([]engine.Frame, len(x.Frames))
		for i, f := range x.Frames {
			f.FlowSID, f.Widget, f.ChildSID = jsonString(f.FlowSID), jsonString(f.Widget), jsonString(f.ChildSID)
			var e error
			f.Context, e = cloneContext(f.Context)
			fail(e)
			f.Events = cloneEvents(f.Events)
			c.Frames[i] = f
		}
	}
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.EndedAt} {
		var e error
		*t, e = jsonTime(*t)
		fail(e)
	}
	if err != nil {
		return nil, fmt.Errorf("execution %s: %w", x.SID, err)
	}
	return &c, nil
}

// cloneContext copies a context (a JSON object, or null when nil).
func cloneContext(m engine.Context) (engine.Context, error) {
	if m == nil {
		return nil, nil
	}
	v, err := jsonValue(map[string]any(m))
	if err != nil {
		return nil, err
	}
	out, _ := v.(map[string]any)
	return engine.Context(out), nil
}

// cloneEvents copies events as their omitempty field decodes: nil when empty.
func cloneEvents(evs []engine.Event) []engine.Event {
	if len(evs) == 0 {
		return nil
	}
	out := make([]engine.Event, len(evs))
	for i, ev := range evs {
		ev.Level, ev.Widget, ev.Message = jsonString(ev.Level), jsonString(ev.Widget), jsonString(ev.Message)
		out[i] = ev
	}
	return out
}

// jsonValue is v as json.Unmarshal into an any gives it back after
// json.Marshal: a fresh copy.
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if utf8.ValidString(v) {
			return v, nil
		}
	case bool:
		return v, nil
	case float64:
		return v, nil // finite: json.Marshal of the execution succeeded
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case uint32:
		return float64(v), nil
	case map[string]any:
		if v == nil {
			return nil, nil
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if !utf8.ValidString(k) {
				return viaJSON(v) // keys coerced to valid UTF-8 may collide
			}
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		if v == nil {
			return nil, nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case []string:
		if v == nil {
			return nil, nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			if !utf8.ValidString(e) {
				return viaJSON(v)
			}
			out[i] = e
		}
		return out, nil
	case map[string]string:
		if v == nil {
			return nil, nil
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if !utf8.ValidString(k) || !utf8.ValidString(e) {
				return viaJSON(v)
			}
			out[k] = e
		}
		return out, nil
	}
	return viaJSON(v)
}

// viaJSON is jsonValue the slow way, for the kinds it does not walk.
func viaJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// jsonString is s after a JSON round trip (invalid UTF-8 is replaced).
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// jsonTime is t after a JSON round trip: no monotonic reading, the
// location the parse of its offset gives.
func jsonTime(t time.Time) (time.Time, error) {
	if t == (time.Time{}) {
		return t, nil
	}
	b, err := t.MarshalJSON()
	if err != nil {
		return time.Time{}, err
	}
	var out time.Time
	err = out.UnmarshalJSON(b)
	return out, err
}
