package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RecordCall starts (record_call true) or stops (false) a background
// recording of the incoming call and goes straight on with success. It
// follows failed when the execution has no incoming call to record or the
// switch is not a boolean.
type RecordCall struct{}

func init() { engine.Register(schema.TypeRecordCall, RecordCall{}) }

// Enter emits a RecordCall command and follows success.
func (RecordCall) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.RecordCall](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	s, ok := r.Render(ctx, p.RecordCall.String())
	if !ok {
		return engine.Outcome{Event: "failed"}, nil
	}
	start, err := schema.Scalar(s).Bool(false)
	if err != nil {
		return r.Fail("failed", engine.CodeInvalidProperty, "record_call %q is neither true nor false", s), nil
	}
	call, _ := r.Context().Trigger()["call"].(map[string]any)
	sid := str(call, "CallSid")
	if sid == "" {
		return r.Fail("failed", engine.CodeInvalidProperty, "call recording works only on an incoming call; this execution has none"), nil
	}
	rc := &engine.RecordCall{Start: start}
	out := map[string]any{"CallSid": sid, "Source": "StartCallRecordingAPI"}
	if start {
		rc.Channels = strings.ToLower(strings.TrimSpace(render(ctx, r, p.RecordingChannels)))
		switch rc.Channels {
		case "":
			rc.Channels = "dual"
		case "mono", "dual":
		default:
			r.Warn("recording_channels %q is neither mono nor dual; using dual", rc.Channels)
			rc.Channels = "dual"
		}
		rc.Trim = recordTrim(ctx, r, p.Trim, false)
		out["Status"] = "in-progress"
		out["Channels"] = 2
		if rc.Channels == "mono" {
			out["Channels"] = 1
		}
	} else {
		out["Status"] = "stopped"
	}
	rc.Widget = r.Name()
	cmd := *rc
	return engine.Go("success", out, cmd), nil
}
