package engine

import "context"

// Renderer renders Liquid templates against an execution's context. The
// default is schema/liquid with Studio's limits (16 KB output, 15 loop
// iterations, Studio's filters) in the engine's time zone; WithRenderer
// replaces it.
type Renderer interface {
	Render(ctx context.Context, tmpl string, vars map[string]any) (string, error)
}

// WithRenderer sets the Liquid renderer.
func WithRenderer(r Renderer) Option { return func(e *Engine) { e.render = r } }
