package liquid

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"
	"github.com/osteele/liquid/render"
)

// Limits bound one render. A zero field means "Studio's default"; a negative
// one means "no limit" (for tests and tools, never for flows).
type Limits struct {
	MaxOutput int           // bytes of one rendered string; Studio: 16 KB (16384)
	MaxLoop   int           // iterations of one for loop; Studio: 15
	Timeout   time.Duration // wall-clock cap per render (defence against bombs); default 250ms
	MaxSource int           // bytes of template source; default 64 KB
	MaxValue  int           // bytes of a string a filter or capture builds (and MaxValue/16 items of an array); default 1 MiB
}

// Studio's limits and our defences.
const (
	DefaultMaxOutput = 16 << 10
	DefaultMaxLoop   = 15
	DefaultTimeout   = 250 * time.Millisecond
	DefaultMaxSource = 64 << 10
	DefaultMaxValue  = 1 << 20
)

// DefaultLimits returns Studio's limits.
func DefaultLimits() Limits {
	return Limits{
		MaxOutput: DefaultMaxOutput,
		MaxLoop:   DefaultMaxLoop,
		Timeout:   DefaultTimeout,
		MaxSource: DefaultMaxSource,
		MaxValue:  DefaultMaxValue,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxOutput == 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.MaxLoop == 0 {
		l.MaxLoop = d.MaxLoop
	}
	if l.Timeout == 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxSource == 0 {
		l.MaxSource = d.MaxSource
	}
	if l.MaxValue == 0 {
		l.MaxValue = d.MaxValue
	}
	return l
}

// env is what date needs from the engine.
type env struct {
	loc *time.Location
	now func() time.Time
}

func (e *env) location() *time.Location {
	if e.loc == nil {
		return time.Local
	}
	return e.loc
}

func (e *env) clock() func() time.Time {
	if e.now == nil {
		return time.Now
	}
	return e.now
}

// Engine renders Studio Liquid templates. It is safe for concurrent use.
type Engine struct {
	lim   Limits
	env   *env
	base  render.Config // tags; used to compile
	pool  sync.Pool     // *pooledConfig
	cache *templateCache
}

// pooledConfig is a render configuration whose filters are bound to slot;
// one render uses it at a time.
type pooledConfig struct {
	cfg  render.Config
	slot *slot
}

// New returns an engine with the given limits (zero fields take Studio's
// defaults), dates in time.Local and the system clock.
func New(l Limits) *Engine { return newEngine(l.withDefaults(), &env{}) }

func newEngine(l Limits, ev *env) *Engine {
	e := &Engine{lim: l, env: ev, cache: newTemplateCache()}
	e.base = render.NewConfig()
	addTags(&e.base)
	e.pool.New = func() any {
		cfg := e.base                            // shares the (read-only) tag grammar
		cfg.Config.Config = expressions.Config{} // but gets its own filter table
		p := &pooledConfig{cfg: cfg, slot: &slot{env: e.env}}
		registerFilters(&p.cfg, p.slot)
		return p
	}
	return e
}

// WithLocation returns a copy of the engine whose date filter reads
// zone-less times, Unix times and "now" in loc (nil: time.Local). Studio
// documents PST for its own service; a branch office wants its own zone.
func (e *Engine) WithLocation(loc *time.Location) *Engine {
	return newEngine(e.lim, &env{loc: loc, now: e.env.now})
}

// WithClock returns a copy of the engine whose "now" comes from now (nil:
// time.Now); for tests and simulated executions.
func (e *Engine) WithClock(now func() time.Time) *Engine {
	return newEngine(e.lim, &env{loc: e.env.loc, now: now})
}

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.lim }

// Location returns the zone the date filter uses.
func (e *Engine) Location() *time.Location { return e.env.location() }

// IsTemplate reports whether s contains Liquid markup; a string without it
// renders as itself.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

// Render renders a template against vars (the execution context: keys
// "flow", "trigger", "widgets", "contact"; values map[string]any, []any,
// string, float64, json.Number, bool, nil). A template without "{{" or "{%"
// is returned unchanged without parsing. Every failure is a *RenderError
// with Code 84003.
func (e *Engine) Render(ctx context.Context, tmpl string, vars map[string]any) (string, error) {
	if !IsTemplate(tmpl) {
		return tmpl, nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if e.lim.MaxSource > 0 && len(tmpl) > e.lim.MaxSource {
		return "", newError(KindSourceTooLong, "template is %d bytes; the limit is %d", len(tmpl), e.lim.MaxSource)
	}
	st := &renderState{ctx: ctx, lim: e.lim, timeout: e.lim.Timeout}
	if e.lim.Timeout > 0 {
		st.deadline = time.Now().Add(e.lim.Timeout)
	}
	if e.lim.MaxValue > 0 {
		st.maxItems = max(e.lim.MaxValue/16, 1)
	}
	if err := st.check(); err != nil {
		return "", st.fault
	}
	c := e.compile(tmpl)
	if c.err != nil {
		return "", c.err
	}
	return e.run(st, c, vars)
}

func (e *Engine) run(st *renderState, c *compiled, vars map[string]any) (out string, err error) {
	bindings := make(map[string]any, len(vars)+3)
	for k, v := range vars {
		bindings[k] = norm(v)
	}
	// "x == empty" is true for "" (osteele has no empty literal; "" is the
	// value Studio authors compare with). blank likewise.
	for _, k := range []string{"empty", "blank"} {
		if _, ok := bindings[k]; !ok {
			bindings[k] = ""
		}
	}
	bindings[stateKey] = st

	p := e.pool.Get().(*pooledConfig)
	p.slot.st = st
	w := &capWriter{max: e.lim.MaxOutput, st: st}
	if w.max <= 0 {
		w.max = -1
	}
	defer func() {
		p.slot.st = nil
		e.pool.Put(p)
		if r := recover(); r != nil {
			out = ""
			if st.fault != nil {
				err = st.fault
				return
			}
			err = newError(KindInternal, "template could not be rendered (internal error: %s)", panicText(r))
		}
	}()
	rerr := render.Render(c.node, w, bindings, p.cfg)
	if st.fault != nil {
		return "", st.fault
	}
	if rerr != nil {
		return "", runtimeError(rerr, c)
	}
	return string(w.buf), nil
}

// panicText describes a recovered panic in one line (osteele re-panics
// errors with their stack trace appended).
func panicText(r any) string {
	msg := fmt.Sprint(r)
	if e, ok := r.(error); ok {
		msg = causeOf(e).Error()
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return msg
}

// Parse parses a template without rendering it, for validators: nil, or a
// *RenderError naming the fault and its position. Templates without markup
// always parse.
func Parse(tmpl string) error { return defaultEngine().Parse(tmpl) }

// Parse is the package Parse with this engine's source limit.
func (e *Engine) Parse(tmpl string) error {
	if !IsTemplate(tmpl) {
		return nil
	}
	if e.lim.MaxSource > 0 && len(tmpl) > e.lim.MaxSource {
		return newError(KindSourceTooLong, "template is %d bytes; the limit is %d", len(tmpl), e.lim.MaxSource)
	}
	if c := e.compile(tmpl); c.err != nil {
		return c.err
	}
	return nil
}

var defaultEngine = sync.OnceValue(func() *Engine { return New(Limits{}) })

// compiled is a parsed template (or why it does not parse).
type compiled struct {
	node  render.Node
	marks []markup
	err   *RenderError
}

func (e *Engine) compile(src string) *compiled {
	if c := e.cache.get(src); c != nil {
		return c
	}
	c := compileTemplate(&e.base, src)
	e.cache.put(src, c)
	return c
}

func compileTemplate(cfg *render.Config, src string) (c *compiled) {
	defer func() {
		if r := recover(); r != nil {
			c = &compiled{err: newError(KindParse, "template does not parse: %s", panicText(r))}
		}
	}()
	text, marks, perr := prepare(src)
	if perr != nil {
		return &compiled{err: perr}
	}
	node, err := cfg.Compile(text, parser.SourceLoc{LineNo: 1})
	if err != nil {
		return &compiled{err: positioned(KindParse, err, marks, "")}
	}
	return &compiled{node: node, marks: marks}
}

// positioned turns an osteele error into a RenderError whose message is
// "line L, column C: what in {{ markup }}". what replaces osteele's own
// description when not empty.
func positioned(k Kind, err error, marks []markup, what string) *RenderError {
	line := 0
	if le, ok := err.(interface{ LineNumber() int }); ok {
		line = le.LineNumber()
	}
	msg, context := splitOsteeleMessage(err.Error(), marks)
	msg = statementSelectors.Replace(msg)
	if what != "" {
		msg = what
	}
	col := 0
	for _, m := range marks {
		if m.source == context && (line == 0 || m.line == line) {
			line, col = m.line, m.col
			break
		}
	}
	where := ""
	switch {
	case line > 0 && col > 0:
		where = fmt.Sprintf("line %d, column %d: ", line, col)
	case line > 0:
		where = fmt.Sprintf("line %d: ", line)
	}
	if context != "" {
		msg += " in " + context
	}
	e := newError(k, "%s%s", where, msg)
	e.Line, e.Column = line, col
	return e
}

// statementSelectors removes the prefixes osteele puts before tag arguments
// when it parses them ("syntax error in \"%loop x in\"").
var statementSelectors = strings.NewReplacer(`"`+expressions.LoopStatementSelector, `"`,
	`"`+expressions.AssignStatementSelector, `"`, `"`+expressions.CycleStatementSelector, `"`,
	`"`+expressions.WhenStatementSelector, `"`)

// splitOsteeleMessage takes "Liquid error (line N): what in {{ markup }}"
// apart. The markup is recognised as a suffix that is one of the template's
// markups.
func splitOsteeleMessage(s string, marks []markup) (msg, context string) {
	if i := strings.Index(s, ": "); strings.HasPrefix(s, "Liquid error") && i >= 0 {
		s = s[i+2:]
	}
	for i := 0; i < len(s); i++ {
		j := strings.Index(s[i:], " in {")
		if j < 0 {
			break
		}
		i += j
		tail := s[i+4:]
		for _, m := range marks {
			if m.source == tail {
				return s[:i], tail
			}
		}
	}
	return s, ""
}

// runtimeError describes a render failure that was not one of our limits:
// a filter error, a type error, a break outside a loop.
func runtimeError(err error, c *compiled) *RenderError {
	switch cause := causeOf(err).(type) {
	case expressions.FilterError:
		return positioned(KindRender, err, c.marks, fmt.Sprintf("filter %s: %v", cause.FilterName, causeOf(cause.Err)))
	case expressions.UndefinedFilter:
		return positioned(KindParse, err, c.marks, fmt.Sprintf("unknown filter %q", string(cause)))
	}
	return positioned(KindRender, err, c.marks, "")
}

// templateCache keeps compiled templates: a flow renders the same fields
// over and over. Bounded by entries and by the size of the sources kept.
type templateCache struct {
	mu    sync.Mutex
	m     map[string]*compiled
	bytes int
}

const (
	cacheMaxEntries = 2048
	cacheMaxBytes   = 8 << 20
	cacheMaxSource  = 16 << 10
)

func newTemplateCache() *templateCache { return &templateCache{m: map[string]*compiled{}} }

func (c *templateCache) get(src string) *compiled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[src]
}

func (c *templateCache) put(src string, v *compiled) {
	if len(src) > cacheMaxSource {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[src]; ok {
		return
	}
	for len(c.m) >= cacheMaxEntries || (c.bytes+len(src) > cacheMaxBytes && len(c.m) > 0) {
		for k := range c.m { // evict an arbitrary entry
			delete(c.m, k)
			c.bytes -= len(k)
			break
		}
	}
	c.m[src] = v
	c.bytes += len(src)
}
