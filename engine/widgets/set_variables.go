package widgets

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// SetVariables writes its key/value pairs to flow.variables (and to
// widgets.<name>.<key>). Keys are literal; values are Liquid. A pair whose
// type asks for JSON ("Parse as JSON object") stores the parsed value.
type SetVariables struct{}

func init() { engine.Register(schema.TypeSetVariables, SetVariables{}) }

// Enter sets the variables and follows next.
func (SetVariables) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.SetVariables](r)
	if !ok {
		return badProps(r, "next"), nil
	}
	vars := r.Context().Variables()
	out := map[string]any{}
	for _, v := range p.Variables {
		if v.Key == "" {
			r.Warn("a variable without a key is skipped")
			continue
		}
		val := render(ctx, r, v.Value)
		var stored any = val
		if t := strings.ToLower(v.Type); t == "json" || t == "object" {
			var parsed any
			if err := json.Unmarshal([]byte(val), &parsed); err != nil {
				r.Error(engine.CodeInvalidProperty, "variable %s: value is not JSON (%v); stored as text", v.Key, err)
			} else {
				stored = parsed
			}
		}
		vars[v.Key] = stored
		out[v.Key] = stored
	}
	return engine.Go("next", out), nil
}
