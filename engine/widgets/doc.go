// Package widgets holds one file per Studio widget type. Each registers
// itself with the engine in init(); import the package for its side effects:
//
//	import _ "github.com/switchboard/switchboard/engine/widgets"
//
// Each widget has test cases in testdata/<type>.json, run by TestWidgets.
package widgets

import (
	"context"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// render renders a template, returning "" (and an 84003 event) on failure.
func render(ctx context.Context, r *engine.Run, tmpl string) string {
	s, _ := r.Render(ctx, tmpl)
	return s
}

// renderInt renders a Scalar and reads an integer, falling back to def (with
// an event) when the result is not a number.
func renderInt(ctx context.Context, r *engine.Run, prop string, v schema.Scalar, def int) int {
	s, ok := r.Render(ctx, v.String())
	if !ok {
		return def
	}
	n, err := schema.Scalar(s).Int(def)
	if err != nil {
		r.Warn("%s %q is not a whole number; using %d", prop, s, def)
		return def
	}
	return n
}

// renderBool renders a Scalar and reads a boolean.
func renderBool(ctx context.Context, r *engine.Run, prop string, v schema.Scalar, def bool) bool {
	s, ok := r.Render(ctx, v.String())
	if !ok {
		return def
	}
	b, err := schema.Scalar(s).Bool(def)
	if err != nil {
		r.Warn("%s %q is not true or false; using %t", prop, s, def)
		return def
	}
	return b
}

// params copies input parameters into a widget's outputs.
func params(in engine.Input) map[string]any {
	out := make(map[string]any, len(in.Params))
	for k, v := range in.Params {
		out[k] = v
	}
	return out
}

// str reads a string parameter.
func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	default:
		return ""
	}
}

// propsOf returns the widget's typed properties, or fails the run through
// event with a clear message when they do not decode.
func propsOf[T any](r *engine.Run) (*T, bool) {
	p, ok := r.Props().(*T)
	return p, ok && p != nil
}

// badProps is the outcome for properties that cannot be decoded.
func badProps(r *engine.Run, event string) engine.Outcome {
	return r.Fail(event, engine.CodeInvalidProperty, "the properties of %s (%s) do not match its schema; run flow validate", r.Name(), r.State().Type)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
