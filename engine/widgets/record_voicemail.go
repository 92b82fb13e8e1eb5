package widgets

import (
	"context"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RecordVoicemail records the caller after an optional beep until silence,
// a finish key, the length limit or a hang-up. The recording callback's
// parameters (RecordingUrl, RecordingDuration, Digits and the call's own)
// become the widget's outputs on recordingComplete, noAudio or hangup.
type RecordVoicemail struct{}

func init() { engine.Register(schema.TypeRecordVoicemail, RecordVoicemail{}) }

// Studio's bounds for the recording length, in seconds.
const (
	voicemailMaxLength = 3600
	voicemailLongest   = 14400
)

// Enter emits a Record verb and waits for the recording or the hang-up.
func (RecordVoicemail) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.RecordVoicemail](r)
	if !ok {
		return badProps(r, "noAudio"), nil
	}
	rec := &engine.Record{
		Timeout:     renderInt(ctx, r, "timeout", p.Timeout, 5),
		FinishOnKey: recordFinishKeys(r, render(ctx, r, p.FinishOnKey)),
		MaxLength:   renderInt(ctx, r, "max_length", p.MaxLength, voicemailMaxLength),
		PlayBeep:    renderBool(ctx, r, "play_beep", schema.Scalar(p.PlayBeep), true),
		Trim:        recordTrim(ctx, r, p.Trim, true),
		Transcribe:  renderBool(ctx, r, "transcribe", p.Transcribe, false),
		StatusURL:   strings.TrimSpace(render(ctx, r, p.RecordingStatusCallbackURL)),
	}
	if rec.Timeout < 0 {
		r.Warn("timeout %d is negative; using 5", rec.Timeout)
		rec.Timeout = 5
	}
	switch {
	case rec.MaxLength < 1:
		r.Warn("max_length %d is below 1 second; using %d", rec.MaxLength, voicemailMaxLength)
		rec.MaxLength = voicemailMaxLength
	case rec.MaxLength > voicemailLongest:
		r.Warn("max_length %d is above Studio's %d seconds; using %d", rec.MaxLength, voicemailLongest, voicemailLongest)
		rec.MaxLength = voicemailLongest
	}
	rec.Widget = r.Name()
	cmd := *rec
	return engine.WaitFor([]engine.Command{cmd}, engine.InputRecording, engine.InputHangup), nil
}

// Resume maps the recording result to recordingComplete, noAudio or hangup.
// A recording that ended because the caller hung up (Digits "hangup")
// follows hangup, with the recording's parameters still published.
func (RecordVoicemail) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	if in.Type == engine.InputHangup || str(in.Params, "Digits") == "hangup" {
		return engine.Go("hangup", out), nil
	}
	if strings.TrimSpace(str(in.Params, "RecordingUrl")) == "" {
		return engine.Go("noAudio", out), nil
	}
	if d := strings.TrimSpace(str(in.Params, "RecordingDuration")); d != "" {
		if secs, err := strconv.ParseFloat(d, 64); err == nil && secs <= 0 {
			return engine.Go("noAudio", out), nil
		}
	}
	return engine.Go("recordingComplete", out), nil
}

// recordFinishKeys keeps the keys a recording or gather may end on (0-9, # and
// *), warning about anything else.
func recordFinishKeys(r *engine.Run, keys string) string {
	var b strings.Builder
	for _, c := range strings.TrimSpace(keys) {
		if (c >= '0' && c <= '9') || c == '#' || c == '*' {
			b.WriteRune(c)
		}
	}
	if b.Len() != len(strings.TrimSpace(keys)) {
		r.Warn("finish_on_key %q may only hold 0-9, # and *; using %q", keys, b.String())
	}
	return b.String()
}

// recordTrim reads a trim property (trim-silence or do-not-trim; some
// exports write "true" or "false").
func recordTrim(ctx context.Context, r *engine.Run, v string, def bool) bool {
	s := strings.ToLower(strings.TrimSpace(render(ctx, r, v)))
	switch s {
	case "":
		return def
	case "trim-silence", "true":
		return true
	case "do-not-trim", "false":
		return false
	}
	name := "do-not-trim"
	if def {
		name = "trim-silence"
	}
	r.Warn("trim %q is neither trim-silence nor do-not-trim; using %s", s, name)
	return def
}
