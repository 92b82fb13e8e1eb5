package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ConnectCallTo bridges the live call to one or more numbers, a client, a
// SIP endpoint or a conference. When the dialled leg ends for any reason it
// follows callCompleted with the Dial callback's parameters (DialCallStatus,
// DialCallSid, DialCallDuration, RecordingUrl and the call's own); when the
// caller hangs up it follows hangup.
type ConnectCallTo struct{}

func init() { engine.Register(schema.TypeConnectCallTo, ConnectCallTo{}) }

// Studio's bounds for a Dial.
const (
	dialTimeout    = 30
	dialMaxTimeout = 600
	dialMaxNumbers = 10
)

// Enter emits a Dial verb and waits for its result.
func (ConnectCallTo) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.ConnectCallTo](r)
	if !ok {
		return badProps(r, "callCompleted"), nil
	}
	d := &engine.Dial{
		Noun:      strings.ToLower(strings.TrimSpace(p.Noun)),
		CallerID:  strings.TrimSpace(render(ctx, r, p.CallerID)),
		Timeout:   renderInt(ctx, r, "timeout", p.Timeout, dialTimeout),
		TimeLimit: renderInt(ctx, r, "time_limit", schema.Scalar(p.TimeLimit), 0),
		Record:    renderBool(ctx, r, "record", p.Record, false),
	}
	if d.CallerID == "" {
		d.CallerID = r.Context().ContactAddress()
	}
	switch {
	case d.Timeout < 1:
		r.Warn("timeout %d is below 1 second; using %d", d.Timeout, dialTimeout)
		d.Timeout = dialTimeout
	case d.Timeout > dialMaxTimeout:
		r.Warn("timeout %d is above Studio's %d seconds; using %d", d.Timeout, dialMaxTimeout, dialMaxTimeout)
		d.Timeout = dialMaxTimeout
	}
	if d.TimeLimit < 0 {
		r.Warn("time_limit %d is negative; using the platform's limit", d.TimeLimit)
		d.TimeLimit = 0
	}
	to := strings.TrimSpace(render(ctx, r, p.To))
	switch d.Noun {
	case "number", "client", "conference":
		if to != "" {
			d.To = []string{to}
		}
	case "number-multi":
		d.To = splitList(to)
		if len(d.To) > dialMaxNumbers {
			r.Warn("number-multi rings at most %d numbers; %d given, the rest are left out", dialMaxNumbers, len(d.To))
			d.To = d.To[:dialMaxNumbers]
		}
	case "sip":
		uri := strings.TrimSpace(render(ctx, r, p.SIPEndpoint))
		if uri == "" {
			uri = to
		}
		if uri != "" {
			low := strings.ToLower(uri)
			if !strings.HasPrefix(low, "sip:") && !strings.HasPrefix(low, "sips:") {
				return dialFailed(r, "the SIP endpoint %q is not a sip: address", uri), nil
			}
			d.To = []string{uri}
		}
		d.SIPUser = strings.TrimSpace(render(ctx, r, p.SIPUsername))
		d.SIPPass = render(ctx, r, p.SIPPassword)
	case "sim":
		r.Error(engine.CodeOffline, "connecting to a SIM (%s) needs Twilio Programmable Wireless, which is not available offline", to)
		return engine.Go("callCompleted", map[string]any{"DialCallStatus": "failed"}), nil
	default:
		return dialFailed(r, "noun %q is not one of number, number-multi, client, sim, sip or conference", p.Noun), nil
	}
	if len(d.To) == 0 {
		return dialFailed(r, "there is nobody to connect to: to is empty for noun %s", d.Noun), nil
	}
	d.Widget = r.Name()
	cmd := *d
	return engine.WaitFor([]engine.Command{cmd}, engine.InputDial, engine.InputHangup), nil
}

// Resume follows callCompleted for any Dial result and hangup when the
// caller left.
func (ConnectCallTo) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	if in.Type == engine.InputHangup {
		return engine.Go("hangup", out), nil
	}
	return engine.Go("callCompleted", out), nil
}

// dialFailed reports a Dial that cannot be placed: an error event and
// callCompleted with DialCallStatus failed, as when the dialled leg fails.
func dialFailed(r *engine.Run, format string, a ...any) engine.Outcome {
	r.Error(engine.CodeInvalidProperty, format, a...)
	return engine.Go("callCompleted", map[string]any{"DialCallStatus": "failed"})
}
