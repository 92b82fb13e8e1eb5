package schema

// TypeForkStream is the Studio type string of the Fork Stream widget.
const TypeForkStream = "fork-stream"

// ForkStream holds the properties of a fork-stream widget: it starts or stops
// a real-time copy of the call's audio to a WebSocket or SIPREC endpoint and
// always continues on next.
type ForkStream struct {
	Offset Offset `json:"offset"`
	// StreamAction is start or stop (lowercase).
	StreamAction string `json:"stream_action"`
	StreamName   string `json:"stream_name,omitempty"`
	// StreamTransportType is websocket or siprec.
	StreamTransportType string `json:"stream_transport_type,omitempty"`
	// StreamURL is the wss:// address for websocket streams.
	StreamURL string `json:"stream_url,omitempty"`
	// StreamConnector names the SIPREC connector for siprec streams.
	StreamConnector string `json:"stream_connector,omitempty"`
	// StreamTrack is inbound_track, outbound_track or both_tracks.
	StreamTrack      string     `json:"stream_track,omitempty"`
	StreamParameters []KeyValue `json:"stream_parameters,omitempty"`
}

func init() { registerProperties(TypeForkStream, func() any { return new(ForkStream) }) }
