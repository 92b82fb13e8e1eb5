package stream

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// run connects, sends connected and start, then media and marks as they
// come until Stop (flush, stop, close) or a failure (warning, drop the
// rest). It is the stream's only writer.
func (s *Stream) run(dctx context.Context) {
	defer close(s.done)
	defer s.dialStop()
	conn, err := s.dial(dctx)
	if err != nil {
		if s.stopping() {
			s.cfg.Log.Info("media stream stopped before it connected", "url", s.cfg.URL)
		} else {
			s.fail(err)
		}
		s.drain()
		return
	}
	// The reader only lets the library answer pings and close frames;
	// what a bidirectional server sends back is not played.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	defer func() {
		conn.Close()
		<-readerDone
	}()
	s.cfg.Log.Info("media stream connected", "url", s.cfg.URL, "track", s.cfg.Track)
	sidJSON, _ := json.Marshal(s.cfg.SID) // a string always marshals
	w := &writer{s: s, conn: conn, buf: make([]byte, 0, 1024), sidJSON: sidJSON}
	// A server that stops reading is found by its pongs, not only by a
	// blocked write: kernel buffers can hold minutes of a stream before a
	// write blocks. Every WriteTimeout a ping goes out; no pong for twice
	// that ends the stream.
	var lastPong atomic.Int64
	lastPong.Store(time.Now().UnixNano())
	conn.SetPongHandler(func(string) error {
		lastPong.Store(time.Now().UnixNano())
		return nil
	})
	ping := time.NewTicker(s.cfg.WriteTimeout)
	defer ping.Stop()
	if err := w.hello(); err != nil {
		s.fail(err)
		s.drain()
		return
	}
	for {
		select {
		case <-ping.C:
			if silent := time.Since(time.Unix(0, lastPong.Load())); silent > 2*s.cfg.WriteTimeout {
				s.fail(fmt.Errorf("%w: no answer to a ping for %s", ErrStalled, silent.Round(time.Millisecond)))
				s.drain()
				return
			}
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteTimeout)); err != nil {
				s.fail(w.classify(err))
				s.drain()
				return
			}
		case f := <-s.queue:
			if err := w.media(f); err != nil {
				s.fail(err)
				s.drain()
				return
			}
		case m := <-s.marks:
			if err := w.mark(m); err != nil {
				s.fail(err)
				s.drain()
				return
			}
		case <-s.closing:
			if err := w.finish(); err != nil {
				s.fail(err)
				s.drain()
				return
			}
			st := s.Stats()
			s.cfg.Log.Info("media stream stopped", "sent", st.Sent, "dropped", st.Dropped)
			return
		}
	}
}

func (s *Stream) stopping() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// drain counts what is still queued as dropped.
func (s *Stream) drain() {
	for {
		select {
		case f := <-s.queue:
			s.dropped.Add(1)
			frames.Put(f)
		default:
			return
		}
	}
}

// writer builds and writes the protocol's messages.
type writer struct {
	s       *Stream
	conn    *websocket.Conn
	seq     int
	chunks  [2]int // inbound, outbound
	buf     []byte
	sidJSON []byte
}

func (w *writer) write(msg []byte) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(w.s.cfg.WriteTimeout))
	err := w.conn.WriteMessage(websocket.TextMessage, msg)
	if err == nil {
		return nil
	}
	return w.classify(err)
}

// classify names a write error: a timeout is a server that stopped
// reading.
func (w *writer) classify(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: a message could not be written for %s", ErrStalled, w.s.cfg.WriteTimeout)
	}
	return fmt.Errorf("%w: %w", ErrWrite, err)
}

func (w *writer) next() string {
	w.seq++
	return strconv.Itoa(w.seq)
}

type connectedMsg struct {
	Event    string `json:"event"`
	Protocol string `json:"protocol"`
	Version  string `json:"version"`
}

type mediaFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sampleRate"`
	Channels   int    `json:"channels"`
}

type startBody struct {
	AccountSID       string            `json:"accountSid"`
	StreamSID        string            `json:"streamSid"`
	CallSID          string            `json:"callSid"`
	Tracks           []string          `json:"tracks"`
	CustomParameters map[string]string `json:"customParameters"`
	MediaFormat      mediaFormat       `json:"mediaFormat"`
}

type startMsg struct {
	Event          string    `json:"event"`
	SequenceNumber string    `json:"sequenceNumber"`
	Start          startBody `json:"start"`
	StreamSID      string    `json:"streamSid"`
}

type markMsg struct {
	Event          string `json:"event"`
	SequenceNumber string `json:"sequenceNumber"`
	StreamSID      string `json:"streamSid"`
	Mark           struct {
		Name string `json:"name"`
	} `json:"mark"`
}

type stopMsg struct {
	Event          string `json:"event"`
	SequenceNumber string `json:"sequenceNumber"`
	Stop           struct {
		AccountSID string `json:"accountSid"`
		CallSID    string `json:"callSid"`
	} `json:"stop"`
	StreamSID string `json:"streamSid"`
}

func (w *writer) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	return w.write(b)
}

// hello sends connected and start.
func (w *writer) hello() error {
	if err := w.writeJSON(connectedMsg{Event: "connected", Protocol: "Call", Version: "1.0.0"}); err != nil {
		return err
	}
	var tracks []string
	if w.s.in {
		tracks = append(tracks, "inbound")
	}
	if w.s.out {
		tracks = append(tracks, "outbound")
	}
	params := w.s.cfg.Params
	if params == nil {
		params = map[string]string{}
	}
	return w.writeJSON(startMsg{Event: "start", SequenceNumber: w.next(), StreamSID: w.s.cfg.SID, Start: startBody{
		AccountSID: w.s.cfg.AccountSID, StreamSID: w.s.cfg.SID, CallSID: w.s.cfg.CallSID, Tracks: tracks,
		CustomParameters: params, MediaFormat: mediaFormat{Encoding: "audio/x-mulaw", SampleRate: 8000, Channels: 1}}})
}

// media writes one frame. The message is built by hand into a reused
// buffer: it is the one sent 50 or 100 times a second.
func (w *writer) media(f *frame) error {
	track, i := "inbound", 0
	if f.track == 'o' {
		track, i = "outbound", 1
	}
	w.chunks[i]++
	w.seq++
	b := appendMedia(w.buf[:0], w.seq, w.chunks[i], track, f.at.Milliseconds(), w.sidJSON, f.buf[:f.n])
	w.buf = b
	frames.Put(f)
	if err := w.write(b); err != nil {
		return err
	}
	w.s.sent.Add(1)
	return nil
}

// appendMedia appends one media message to b.
// sidJSON is the stream SID as a JSON string.
func appendMedia(b []byte, seq, chunk int, track string, ms int64, sidJSON, payload []byte) []byte {
	b = append(b, `{"event":"media","sequenceNumber":"`...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, `","media":{"track":"`...)
	b = append(b, track...)
	b = append(b, `","chunk":"`...)
	b = strconv.AppendInt(b, int64(chunk), 10)
	b = append(b, `","timestamp":"`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `","payload":"`...)
	b = base64.StdEncoding.AppendEncode(b, payload)
	b = append(b, `"},"streamSid":`...)
	b = append(b, sidJSON...)
	return append(b, '}')
}

func (w *writer) mark(name string) error {
	m := markMsg{Event: "mark", SequenceNumber: w.next(), StreamSID: w.s.cfg.SID}
	m.Mark.Name = name
	return w.writeJSON(m)
}

// finish flushes the queue, sends stop and a normal close frame.
func (w *writer) finish() error {
	for {
		select {
		case f := <-w.s.queue:
			if err := w.media(f); err != nil {
				return err
			}
			continue
		case m := <-w.s.marks:
			if err := w.mark(m); err != nil {
				return err
			}
			continue
		default:
		}
		break
	}
	m := stopMsg{Event: "stop", SequenceNumber: w.next(), StreamSID: w.s.cfg.SID}
	m.Stop.AccountSID, m.Stop.CallSID = w.s.cfg.AccountSID, w.s.cfg.CallSID
	if err := w.writeJSON(m); err != nil {
		return err
	}
	_ = w.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(w.s.cfg.WriteTimeout))
	return nil
}
