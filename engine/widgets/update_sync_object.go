package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// UpdateSyncObject is a legacy Studio widget that wrote to a Twilio Sync
// document, list or map. Its properties and events were never documented
// (the schema assumes success and failed).
//
// Here there is no Sync service: the widget logs a CodeOffline event and
// follows failed with no outputs; nothing is written anywhere.
type UpdateSyncObject struct{}

func init() { engine.Register(schema.TypeUpdateSyncObject, UpdateSyncObject{}) }

// Enter fails at once through failed: update-sync-object cannot run offline.
func (UpdateSyncObject) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "failed", "Twilio Sync"), nil
}
