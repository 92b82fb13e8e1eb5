package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/osteele/liquid"
)

// Renderer renders Liquid templates against an execution's context. The
// engine's default is a plain osteele/liquid engine with Studio's 16 KB
// output cap; the host may plug in a fuller one (Studio's filters, loop caps,
// time zone) with WithRenderer.
type Renderer interface {
	Render(ctx context.Context, tmpl string, vars map[string]any) (string, error)
}

// WithRenderer sets the Liquid renderer.
func WithRenderer(r Renderer) Option { return func(e *Engine) { e.render = r } }

// MaxRenderedString is Studio's cap on one rendered string (16 KB).
const MaxRenderedString = 16 << 10

type basicRenderer struct{ eng *liquid.Engine }

func newBasicRenderer() *basicRenderer { return &basicRenderer{eng: liquid.NewEngine()} }

func (b *basicRenderer) Render(_ context.Context, tmpl string, vars map[string]any) (out string, err error) {
	if !strings.Contains(tmpl, "{{") && !strings.Contains(tmpl, "{%") {
		return tmpl, nil
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("unable to render block: %v", p)
		}
	}()
	out, serr := b.eng.ParseAndRenderString(tmpl, plain(vars).(map[string]any))
	if serr != nil {
		return "", fmt.Errorf("unable to render block: %s", serr.Error())
	}
	if len(out) > MaxRenderedString {
		return "", fmt.Errorf("unable to render block: the result is %d bytes; Studio allows %d", len(out), MaxRenderedString)
	}
	return out, nil
}

// plain converts json.Number (from a stored execution) into float64 or
// int64 so Liquid compares and computes with numbers.
func plain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = plain(x)
		}
		return m
	case Context:
		return plain(map[string]any(t))
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = plain(x)
		}
		return a
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
