package widgets

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// AddTwimlRedirect hands the call (or message) to TwiML at an outside URL
// and waits until that TwiML sends it back (FlowEvent=return), whose extra
// parameters become the outputs of return. It follows timeout when the
// wait runs out and fail when the URL is not usable after Liquid.
type AddTwimlRedirect struct{}

func init() { engine.Register(schema.TypeAddTwimlRedirect, AddTwimlRedirect{}) }

// redirectTimeout is Studio's default and longest wait, in seconds.
const redirectTimeout = 14400

// Enter emits a Redirect verb and waits for the return.
func (AddTwimlRedirect) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.AddTwimlRedirect](r)
	if !ok {
		return badProps(r, "fail"), nil
	}
	raw, ok := r.Render(ctx, p.URL)
	if !ok {
		return engine.Outcome{Event: "fail"}, nil
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return r.Fail("fail", engine.CodeInvalidProperty, "the redirect URL %q is not an http or https address", raw), nil
	}
	red := &engine.Redirect{URL: raw, Method: strings.ToUpper(strings.TrimSpace(p.Method))}
	switch red.Method {
	case "":
		red.Method = "POST"
	case "GET", "POST":
	default:
		r.Warn("method %q is neither GET nor POST; using POST", p.Method)
		red.Method = "POST"
	}
	red.Timeout = renderInt(ctx, r, "timeout", schema.Scalar(p.Timeout), redirectTimeout)
	switch {
	case red.Timeout < 0:
		r.Warn("timeout %d is negative; using %d", red.Timeout, redirectTimeout)
		red.Timeout = redirectTimeout
	case red.Timeout > redirectTimeout:
		r.Warn("timeout %d is above Studio's %d seconds; using %d", red.Timeout, redirectTimeout, redirectTimeout)
		red.Timeout = redirectTimeout
	}
	red.Widget = r.Name()
	cmd := *red
	out := engine.WaitFor([]engine.Command{cmd}, engine.InputReturn, engine.InputTimeout)
	if red.Timeout > 0 {
		out.Wait.Deadline = r.Engine().Now().Add(time.Duration(red.Timeout) * time.Second)
	}
	return out, nil
}

// Resume follows return with the returned parameters, or timeout.
func (AddTwimlRedirect) Resume(_ context.Context, _ *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	delete(out, "FlowEvent")
	if in.Type == engine.InputReturn {
		return engine.Go("return", out), nil
	}
	return engine.Go("timeout", out), nil
}
