package liquid

import (
	"context"
	"errors"
	"time"

	"github.com/osteele/liquid/render"
)

// stateKey is the binding under which a render's state travels to the tags.
// No template identifier can contain a NUL byte, so templates cannot see it.
const stateKey = "\x00switchboard"

// renderState is what one Render call shares between its writer, tags and
// filters.
type renderState struct {
	ctx      context.Context
	deadline time.Time // zero: none
	timeout  time.Duration
	lim      Limits
	maxItems int
	fault    *RenderError   // first limit that was hit; wins over any later error
	loops    []*loopFrame   // innermost last
	counters map[string]int // increment / decrement
	cycles   map[string]int
	ticks    int
}

// fail records the first fault and returns it (as an error the osteele
// machinery carries back up to Render).
func (s *renderState) fail(e *RenderError) error {
	if s.fault == nil {
		s.fault = e
	}
	return s.fault
}

// check reports a fault once the render has run out of time or its context
// is done. Loops, writes and filters call it, so a render stops soon after
// its deadline whatever the template does.
func (s *renderState) check() error {
	if s.fault != nil {
		return s.fault
	}
	if done := s.ctx.Done(); done != nil {
		select {
		case <-done:
			err := s.ctx.Err()
			k, what := KindCanceled, "render canceled"
			if errors.Is(err, context.DeadlineExceeded) {
				k, what = KindTimeout, "render timed out (context deadline)"
			}
			e := newError(k, "%s", what)
			e.cause = err
			return s.fail(e)
		default:
		}
	}
	if !s.deadline.IsZero() && time.Now().After(s.deadline) {
		e := newError(KindTimeout, "render took longer than %v; the template is too expensive", s.timeout)
		e.cause = context.DeadlineExceeded
		return s.fail(e)
	}
	return nil
}

// checkString fails when a string built by a filter or capture is too large.
func (s *renderState) checkString(what string, n int) error {
	if s.lim.MaxValue > 0 && n > s.lim.MaxValue {
		return s.fail(newError(KindValueTooLarge, "%s would build a %d-byte value; the limit is %d bytes", what, n, s.lim.MaxValue))
	}
	return nil
}

// checkItems fails when an array built by a filter is too long.
func (s *renderState) checkItems(what string, n int) error {
	if s.maxItems > 0 && n > s.maxItems {
		return s.fail(newError(KindValueTooLarge, "%s would build an array of %d items; the limit is %d", what, n, s.maxItems))
	}
	return nil
}

func stateOf(ctx render.Context) *renderState {
	s, _ := ctx.Get(stateKey).(*renderState)
	if s == nil {
		// Only reachable if a tag runs outside Engine.Render.
		s = &renderState{ctx: context.Background(), lim: DefaultLimits()}
	}
	return s
}

// capWriter collects the output and refuses to grow past max bytes: the
// render aborts at the first write that would cross the limit, so a bomb
// never builds its string.
type capWriter struct {
	buf []byte
	max int // < 0: no limit
	st  *renderState
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.st.fault != nil {
		return 0, w.st.fault
	}
	w.st.ticks++
	if w.st.ticks&15 == 0 {
		if err := w.st.check(); err != nil {
			return 0, err
		}
	}
	if w.max >= 0 && len(w.buf)+len(p) > w.max {
		return 0, w.st.fail(newError(KindOutputTooLong,
			"rendered text would be at least %d bytes; the limit is %d bytes (Studio renders at most 16 KB per string)",
			len(w.buf)+len(p), w.max))
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// boundedBuffer is the capture tag's buffer: limited by MaxValue.
type boundedBuffer struct {
	buf []byte
	st  *renderState
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.st.fault != nil {
		return 0, b.st.fault
	}
	if err := b.st.checkString("capture", len(b.buf)+len(p)); err != nil {
		return 0, err
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}
