package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// Understand is a legacy Studio widget that ran natural-language
// understanding on Twilio Autopilot, since retired. Its properties and events
// were never documented (the schema assumes success and failed).
//
// Here it cannot run: it logs a CodeOffline event and follows failed with no
// outputs.
type Understand struct{}

func init() { engine.Register(schema.TypeUnderstand, Understand{}) }

// Enter fails at once through failed: understand cannot run offline.
func (Understand) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Autopilot natural-language understanding (retired by Twilio)"), nil
}
