package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/engine"
)

// A sprint's JSON columns (the execution's state, each step's context and
// events) were encoded with encoding/json, which finds its way through a
// map[string]any by reflection and sorts every map's keys through
// reflect.Values: about a sixth of the CPU a conversation costs (issue 15).
// The encoder here writes the same bytes (keys sorted, <, > and & escaped,
// numbers as encoding/json writes them) for the types an execution's
// context holds, and hands anything else to encoding/json. Tests compare
// its output with json.Marshal's byte for byte, and fail when
// engine.Execution's fields change without it.

// appendJSON appends v's JSON encoding.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		return appendJSONFloat(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case map[string]any:
		return appendJSONMap(b, v)
	case engine.Context:
		return appendJSONMap(b, v)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e)
		}
		return append(b, ']'), nil
	case map[string]string:
		if v == nil {
			return append(b, "null"...), nil
		}
		keys := sortedKeys(v)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v[k])
		}
		return append(b, '}'), nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

// sortedKeys returns a map's keys in encoding/json's order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendJSONMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var small [16]string // most maps are small: no allocation for their keys
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		if b, err = appendJSON(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONFloat writes a float64 as encoding/json does (ES6 style).
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		_, err := json.Marshal(f) // encoding/json's own error
		return b, err
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s quoted as encoding/json does: <, > and &
// escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONTime writes a time as time.Time's MarshalJSON does; a year it
// refuses goes through encoding/json for its error.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		out, err := json.Marshal(t)
		return append(b, out...), err
	}
	b = append(b, '"')
	if t.Location() == time.UTC {
		// RFC 3339 with the fraction's trailing zeros cut, as
		// time.RFC3339Nano writes it.
		b = appendStamp(b, t)
		b = b[:len(b)-1] // the Z
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
		return append(b, 'Z', '"'), nil
	}
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendJSONEvents writes a step's or a wait's events.
func appendJSONEvents(b []byte, evs []engine.Event) []byte {
	if evs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range evs {
		e := &evs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"level":`...)
		b = appendJSONString(b, e.Level)
		if e.Code != 0 {
			b = append(b, `,"code":`...)
			b = strconv.AppendInt(b, int64(e.Code), 10)
		}
		if e.Widget != "" {
			b = append(b, `,"widget":`...)
			b = appendJSONString(b, e.Widget)
		}
		b = append(b, `,"message":`...)
		b = appendJSONString(b, e.Message)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendExecutionJSON writes an execution's state as json.Marshal(x)
// does (engine.Execution's fields and tags, in order).
func appendExecutionJSON(b []byte, x *engine.Execution) ([]byte, error) {
	var err error
	str := func(key, v string) {
		b = append(b, key...)
		b = appendJSONString(b, v)
	}
	integer := func(key string, v int) {
		b = append(b, key...)
		b = strconv.AppendInt(b, int64(v), 10)
	}
	str(`{"sid":`, x.SID)
	str(`,"flow_sid":`, x.FlowSID)
	integer(`,"flow_revision":`, x.FlowRevision)
	str(`,"status":`, x.Status)
	str(`,"contact":`, x.Contact)
	str(`,"channel":`, x.Channel)
	if x.InitiatedBy != "" {
		str(`,"initiated_by":`, x.InitiatedBy)
	}
	b = append(b, `,"context":`...)
	if b, err = appendJSONMap(b, x.Context); err != nil {
		return b, err
	}
	if x.Current != "" {
		str(`,"current":`, x.Current)
	}
	if w := x.Wait; w != nil {
		str(`,"wait":{"widget":`, w.Widget)
		b = append(b, `,"inputs":`...)
		if b, err = appendJSON(b, w.Inputs); err != nil {
			return b, err
		}
		if !w.Deadline.IsZero() {
			b = append(b, `,"deadline":`...)
			if b, err = appendJSONTime(b, w.Deadline); err != nil {
				return b, err
			}
		}
		b = append(b, '}')
	}
	integer(`,"steps":`, x.Steps)
	integer(`,"repeats":`, x.Repeats)
	if x.LastWidget != "" {
		str(`,"last_widget":`, x.LastWidget)
	}
	if x.LastStep != "" {
		str(`,"last_step":`, x.LastStep)
	}
	if len(x.Pending) > 0 {
		b = append(b, `,"pending_events":`...)
		b = appendJSONEvents(b, x.Pending)
	}
	if len(x.PendingTrace) > 0 {
		b = append(b, `,"pending_trace":`...)
		if b, err = appendJSONMap(b, x.PendingTrace); err != nil {
			return b, err
		}
	}
	if len(x.Frames) > 0 {
		// Subflows only: rare enough for encoding/json.
		b = append(b, `,"frames":`...)
		out, err := json.Marshal(x.Frames)
		if err != nil {
			return b, err
		}
		b = append(b, out...)
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, x.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, x.UpdatedAt); err != nil {
		return b, err
	}
	if !x.EndedAt.IsZero() {
		b = append(b, `,"ended_at":`...)
		if b, err = appendJSONTime(b, x.EndedAt); err != nil {
			return b, err
		}
	}
	if x.EndReason != "" {
		str(`,"end_reason":`, x.EndReason)
	}
	if x.StartEvent != "" {
		str(`,"start_event":`, x.StartEvent)
	}
	return append(b, '}'), nil
}

// EncodeExecution is an execution's state as the store writes it: the
// bytes json.Marshal(x) gives, made without reflection. The runner's cache
// keeps waiting executions in this form.
func EncodeExecution(x *engine.Execution) ([]byte, error) {
	return appendExecutionJSON(make([]byte, 0, 1024), x)
}
