package schema

// TypeUpdateSyncObject is the Studio type string of the legacy Update Sync
// Object widget.
const TypeUpdateSyncObject = "update-sync-object"

// UpdateSyncObject holds the properties of an update-sync-object widget
// (Twilio Sync). Nothing but the canvas position is known; other properties
// stay in the State unmodelled.
type UpdateSyncObject struct {
	Offset Offset `json:"offset"`
}

func init() { registerProperties(TypeUpdateSyncObject, func() any { return new(UpdateSyncObject) }) }
