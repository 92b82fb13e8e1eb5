package schema

import (
	"strings"
	"testing"
)

// TestNumberConditionValues: less_than/greater_than values get a warning
// exactly when the engine's split could not compare them as numbers.
func TestNumberConditionValues(t *testing.T) {
	for _, c := range []struct {
		value string
		warn  bool
	}{
		{"10", false}, {"-2.5", false}, {".5", false}, {"5.", false}, {"1e3", false}, {"+7", false}, {" 42 ", false},
		{"0x10", true}, {"Inf", true}, {"NaN", true}, {"1_000", true}, {"ten", true}, {"", true}, {"1.2.3", true},
	} {
		flow := `{"initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "s"}]},
		  {"name": "s", "type": "split-based-on", "properties": {"input": "{{trigger.message.Body}}"}, "transitions": [
		    {"event": "noMatch"},
		    {"event": "match", "conditions": [{"friendly_name": "c", "arguments": ["{{trigger.message.Body}}"], "type": "less_than", "value": "` + c.value + `"}]}]}]}`
		r := Validate([]byte(flow))
		warned := false
		for _, w := range r.Warnings {
			if strings.Contains(w.Message, "is not a number") {
				warned = true
			}
		}
		if warned != c.warn {
			t.Errorf("value %q: warned %v, want %v (%v)", c.value, warned, c.warn, r.Warnings)
		}
	}
}
