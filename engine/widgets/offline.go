package widgets

import (
	"github.com/switchboard/switchboard/engine"
)

// unavailable ends the run of a widget whose work happens in a Twilio cloud
// service that an offline box cannot reach. Nothing is attempted and nothing
// is pretended: the widget logs an engine.CodeOffline event naming the
// service and leaves through its failure event with no outputs, so a flow
// that wires that transition can fall back (to a queue, a voicemail, a
// message...).
func unavailable(r *engine.Run, event, service string) engine.Outcome {
	return r.Fail(event, engine.CodeOffline, "%s needs %s, which is not available offline", r.State().Type, service)
}
