package liquid

import (
	"errors"
	"fmt"
)

// CodeRenderFailed is Studio's error 84003, "Unable to render block".
const CodeRenderFailed = 84003

// ErrRender matches every error this package returns: errors.Is(err, ErrRender).
var ErrRender = errors.New("liquid: unable to render block")

// Kind says which fault stopped a render.
type Kind int

// The kinds of fault.
const (
	KindRender        Kind = iota // a runtime fault: a filter failed, a value had the wrong type
	KindParse                     // the template does not parse (syntax, unknown tag or filter)
	KindSourceTooLong             // the template source is over Limits.MaxSource
	KindOutputTooLong             // the rendered string is over Limits.MaxOutput
	KindLoopTooLong               // a for loop would run more than Limits.MaxLoop times
	KindValueTooLarge             // a filter or capture built a value over Limits.MaxValue
	KindTimeout                   // the render ran past Limits.Timeout or the context deadline
	KindCanceled                  // the context was canceled
	KindInternal                  // osteele/liquid panicked; the panic was recovered
)

var kindNames = [...]string{"render", "parse", "source too long", "output too long",
	"loop too long", "value too large", "timeout", "canceled", "internal"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// RenderError is the only error type Render and Parse return. Code is always
// 84003 (Studio's "Unable to render block"); Message names the fault in words
// a flow author can act on, with a position when one is known.
type RenderError struct {
	Code    int
	Message string
	Kind    Kind
	Line    int // 1-based line of the offending markup; 0 when unknown
	Column  int // 1-based column (in characters) of the offending markup; 0 when unknown
	cause   error
}

func (e *RenderError) Error() string { return "liquid: " + e.Message }

// Is makes errors.Is(err, ErrRender) true.
func (e *RenderError) Is(target error) bool { return target == ErrRender }

// Unwrap returns the underlying cause (a context error for timeouts and
// cancellation), if any.
func (e *RenderError) Unwrap() error { return e.cause }

func newError(k Kind, format string, a ...any) *RenderError {
	return &RenderError{Code: CodeRenderFailed, Kind: k, Message: fmt.Sprintf(format, a...)}
}
