package voice

import (
	"context"
	"errors"
	"strconv"

	"github.com/switchboard/switchboard/app/voice/stream"
	"github.com/switchboard/switchboard/engine"
)

// Tapper is a Media that can copy the call's audio, μ-law encoded, to a
// media stream (see callMedia.Tap). A Media without it cannot stream.
type Tapper interface {
	Tap(in, out func(ulaw []byte)) (stop func())
}

// liveStream is a fork-stream widget's running stream and its tap.
type liveStream struct {
	s        *stream.Stream
	untap    func()
	widget   string // the fork-stream widget that started it
	reported bool   // its end was looked at for an event (events.go)
}

// stream starts or stops a media stream (fork-stream). Nothing here can
// fail the call: a stream that cannot run is an execution event (and a
// log line), and the flow goes on with next as in Studio.
func (e *Executor) stream(ctx context.Context, c engine.Stream) {
	log := e.Log.With("widget", c.Widget)
	switch c.Action {
	case "stop":
		ls, ok := e.streams[c.Name]
		if !ok {
			log.Warn("fork-stream stop: no running stream has this name", "stream_name", c.Name)
			e.report("warning", 0, c.Widget, "fork-stream stop: no running stream is named "+strconv.Quote(c.Name))
			return
		}
		delete(e.streams, c.Name)
		e.noticeStream(ls) // a failure before the stop is still the author's to see
		ls.stop()
		return
	case "start":
	default:
		log.Warn("fork-stream: unknown stream action", "action", c.Action)
		e.report("error", engine.CodeInvalidProperty, c.Widget, "fork-stream: unknown stream_action "+strconv.Quote(c.Action))
		return
	}
	tapper, ok := e.Media.(Tapper)
	if !ok {
		log.Warn("fork-stream: this call's media cannot be streamed")
		e.report("error", engine.CodeMediaStream, c.Widget, "media stream not started: this call's media cannot be streamed")
		return
	}
	if old, ok := e.streams[c.Name]; ok && c.Name != "" {
		log.Warn("fork-stream: a stream of this name is running; it is replaced", "stream_name", c.Name)
		delete(e.streams, c.Name)
		old.stop()
	}
	if why := badStreamURL(c.URL); why != "" {
		log.Warn("fork-stream: stream not started", "err", why)
		e.report("error", codeStreamURL, c.Widget, "media stream not started: "+why)
		return
	}
	s, err := stream.Start(ctx, stream.Config{URL: c.URL, Name: c.Name, AccountSID: e.AccountSID, CallSID: e.CallSID,
		Track: c.Track, Params: c.Params, Log: log, Queue: e.StreamQueue, WriteTimeout: e.StreamWriteTimeout})
	if err != nil {
		log.Warn("fork-stream: stream not started", "err", err)
		code := 0
		if errors.Is(err, stream.ErrTrack) {
			code = engine.CodeInvalidProperty
		}
		e.report("error", code, c.Widget, "media stream not started: "+err.Error())
		return
	}
	wantIn, wantOut := s.Wants()
	var in, out func([]byte)
	if wantIn {
		in = s.Inbound
	}
	if wantOut {
		out = s.Outbound
	}
	if e.streams == nil {
		e.streams = map[string]*liveStream{}
	}
	e.streams[s.Name()] = &liveStream{s: s, untap: tapper.Tap(in, out), widget: c.Widget}
	log.Info("media stream started", "stream_sid", s.SID(), "stream_name", s.Name(), "url", c.URL, "track", c.Track)
}

func (ls *liveStream) stop() {
	ls.untap()
	ls.s.Stop()
}

// stopStreams ends every stream when the call ends: each sends its stop
// message in the background, bounded by its write timeout.
func (e *Executor) stopStreams() {
	for name, ls := range e.streams {
		delete(e.streams, name)
		ls.stop()
	}
}
