package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Scalar is a property value that Studio exports either as a JSON string or as
// a JSON number or boolean: "timeout": 5 and "timeout": "5" both occur in real
// exports, and so do "play_beep": "true" and "record": true. Scalar keeps the
// text of the value ("5", "true", "{{flow.variables.t}}") and converts on
// demand, after Liquid has been rendered by the engine.
type Scalar string

// UnmarshalJSON accepts a JSON string, number, boolean or null (empty).
func (s *Scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("schema: empty scalar")
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Scalar(v)
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("schema: %s found, string, number or boolean expected", jsonKind(b))
	default:
		*s = Scalar(b)
	}
	return nil
}

// String returns the value's text.
func (s Scalar) String() string { return string(s) }

// IsSet reports whether the value is non-empty.
func (s Scalar) IsSet() bool { return strings.TrimSpace(string(s)) != "" }

// Int parses the value as a base-10 integer. def is returned for an empty value.
func (s Scalar) Int(def int) (int, error) {
	t := strings.TrimSpace(string(s))
	if t == "" {
		return def, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		// A JSON number such as 5.0 is still an integer.
		f, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil || f != float64(int(f)) {
			return def, fmt.Errorf("schema: %q is not an integer", t)
		}
		return int(f), nil
	}
	return n, nil
}

// Bool parses "true"/"false" (any case). def is returned for an empty value.
func (s Scalar) Bool(def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return def, fmt.Errorf("schema: %q is not a boolean", string(s))
}

// Offset is a widget's position on the editor canvas. It has no runtime
// meaning. Studio writes integers; editors may write fractions.
type Offset struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// KeyValue is one {key, value} pair as used by the parameters lists of
// make-http-request, run-function, run-subflow, fork-stream and others.
// value may carry Liquid.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// jsonKind names the JSON type of a raw value the way Studio's validator does.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(b, ".eE") {
		return "number"
	}
	return "integer"
}
