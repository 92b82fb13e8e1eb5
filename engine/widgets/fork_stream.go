package widgets

import (
	"context"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ForkStream starts or stops a live copy of the call's audio to a WebSocket
// and always goes on with next; it publishes nothing. A stream it cannot
// start (no URL, SIPREC, an unknown action) is reported as an error event.
type ForkStream struct{}

func init() { engine.Register(schema.TypeForkStream, ForkStream{}) }

// Enter emits a Stream command and follows next.
func (ForkStream) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.ForkStream](r)
	if !ok {
		return badProps(r, "next"), nil
	}
	s := &engine.Stream{
		Action: strings.ToLower(strings.TrimSpace(p.StreamAction)),
		Name:   strings.TrimSpace(render(ctx, r, p.StreamName)),
	}
	next := map[string]any{}
	switch s.Action {
	case "stop":
		if s.Name == "" {
			r.Error(engine.CodeInvalidProperty, "stopping a stream needs its stream_name")
			return engine.Go("next", next), nil
		}
	case "start":
		transport := strings.ToLower(strings.TrimSpace(p.StreamTransportType))
		switch transport {
		case "", "websocket":
		case "siprec":
			r.Error(engine.CodeOffline, "SIPREC streams (connector %q) need a Twilio Marketplace connector, which is not available offline", p.StreamConnector)
			return engine.Go("next", next), nil
		default:
			r.Error(engine.CodeInvalidProperty, "stream_transport_type %q is neither websocket nor siprec", p.StreamTransportType)
			return engine.Go("next", next), nil
		}
		s.URL = strings.TrimSpace(render(ctx, r, p.StreamURL))
		if u, err := url.Parse(s.URL); s.URL == "" || err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
			r.Error(engine.CodeInvalidProperty, "stream_url %q is not a ws:// or wss:// address", s.URL)
			return engine.Go("next", next), nil
		}
		s.Track = strings.ToLower(strings.TrimSpace(p.StreamTrack))
		switch s.Track {
		case "":
			s.Track = "inbound_track"
		case "inbound_track", "outbound_track", "both_tracks":
		default:
			r.Warn("stream_track %q is not inbound_track, outbound_track or both_tracks; using inbound_track", p.StreamTrack)
			s.Track = "inbound_track"
		}
		for _, kv := range p.StreamParameters {
			if kv.Key == "" {
				continue
			}
			if s.Params == nil {
				s.Params = map[string]string{}
			}
			s.Params[kv.Key] = render(ctx, r, kv.Value)
		}
	default:
		r.Error(engine.CodeInvalidProperty, "stream_action %q is neither start nor stop", p.StreamAction)
		return engine.Go("next", next), nil
	}
	s.Widget = r.Name()
	cmd := *s
	return engine.Go("next", next, cmd), nil
}
