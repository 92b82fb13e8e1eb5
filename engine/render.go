package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

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

type basicRenderer struct {
	eng   *liquid.Engine
	mu    sync.RWMutex
	cache map[string]*liquid.Template // parsed templates; flows reuse the same few
}

// maxCachedTemplates bounds the parse cache; past it the cache starts over.
const maxCachedTemplates = 4096

func newBasicRenderer() *basicRenderer {
	return &basicRenderer{eng: liquid.NewEngine(), cache: map[string]*liquid.Template{}}
}

func (b *basicRenderer) parse(tmpl string) (*liquid.Template, error) {
	b.mu.RLock()
	t := b.cache[tmpl]
	b.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	t, err := b.eng.ParseString(tmpl)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if len(b.cache) >= maxCachedTemplates {
		b.cache = map[string]*liquid.Template{}
	}
	b.cache[tmpl] = t
	b.mu.Unlock()
	return t, nil
}

func (b *basicRenderer) Render(_ context.Context, tmpl string, vars map[string]any) (out string, err error) {
	if !strings.Contains(tmpl, "{{") && !strings.Contains(tmpl, "{%") {
		return tmpl, nil
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("unable to render block: %v", p)
		}
	}()
	t, err := b.parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("unable to render block: %s", err.Error())
	}
	out, serr := t.RenderString(plain(vars).(map[string]any))
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
