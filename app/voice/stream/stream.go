// Package stream speaks Twilio's Media Streams protocol: it forks a live
// call's audio to a WebSocket server as Twilio does for <Start><Stream> and
// Studio's fork-stream widget (connected, start, media with base64 μ-law
// 20 ms frames, mark, stop).
//
// It lives under app/voice, not media/, because it is Twilio's protocol
// about a call (account and call SIDs, a widget's custom parameters), and
// the executor is its only user; media/ stays RTP and codecs.
//
// The one rule: a stream never hurts the call. The media path only copies a
// frame into a bounded queue and never blocks; a server that cannot be
// reached, refuses the upgrade or stops reading loses frames (counted) and
// then the stream, with a warning that says why, while the call goes on.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard/switchboard/app/sid"
)

// Track names as the widget and <Stream track> spell them.
const (
	InboundTrack  = "inbound_track"
	OutboundTrack = "outbound_track"
	BothTracks    = "both_tracks"
)

// Defaults for Config's zero values.
const (
	DefaultQueue        = 100 // frames: 1 s of both tracks
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 2 * time.Second
	// sendBuffer is our socket's send buffer: small, so that a server that
	// stops reading shows as a blocked write within seconds instead of
	// megabytes of kernel buffer later.
	sendBuffer = 16 << 10
	// MaxFrame is the largest frame kept (60 ms of μ-law); longer payloads
	// are cut.
	MaxFrame = 480
)

// Config describes one stream.
type Config struct {
	URL        string // ws:// or wss://
	Name       string // the widget's stream_name; the SID when empty
	SID        string // MZ…; made when empty
	AccountSID string
	CallSID    string
	Track      string            // InboundTrack (default), OutboundTrack or BothTracks
	Params     map[string]string // customParameters of the start message
	// Queue is how many frames wait for a slow server before new ones
	// are dropped.
	Queue int
	// DialTimeout bounds the TCP connect, TLS and upgrade together.
	DialTimeout time.Duration
	// WriteTimeout: a message that cannot be written for this long, or a
	// ping unanswered for twice this long, means the server stopped
	// reading; the stream ends.
	WriteTimeout time.Duration
	Log          *slog.Logger
}

// Stats are a stream's counters.
type Stats struct {
	Sent    uint64 // media messages written
	Dropped uint64 // frames lost to a full queue or a failed stream
}

// Stream is one running media stream. Inbound, Outbound and Mark are safe
// to call from any goroutine and never block.
type Stream struct {
	cfg      Config
	in, out  bool
	start    time.Time
	queue    chan *frame
	marks    chan string
	closing  chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	closed   atomic.Bool
	dialStop context.CancelFunc
	sent     atomic.Uint64
	dropped  atomic.Uint64
	failure  atomic.Pointer[error]
}

type frame struct {
	track byte // 'i' or 'o'
	at    time.Duration
	n     int
	buf   [MaxFrame]byte
}

var frames = sync.Pool{New: func() any { return new(frame) }}

// ErrTrack is a track name that is none of the three.
var ErrTrack = errors.New("stream: track is not inbound_track, outbound_track or both_tracks")

// Start begins a stream: it returns at once and connects in the
// background. ctx bounds the connection attempt only; Stop ends the stream.
func Start(ctx context.Context, cfg Config) (*Stream, error) {
	if cfg.Track == "" {
		cfg.Track = InboundTrack
	}
	s := &Stream{cfg: cfg, start: time.Now(), closing: make(chan struct{}), done: make(chan struct{}),
		marks: make(chan string, 8)}
	switch cfg.Track {
	case InboundTrack:
		s.in = true
	case OutboundTrack:
		s.out = true
	case BothTracks:
		s.in, s.out = true, true
	default:
		return nil, fmt.Errorf("%w: %q", ErrTrack, cfg.Track)
	}
	if s.cfg.SID == "" {
		s.cfg.SID = sid.New("MZ")
	}
	if s.cfg.Name == "" {
		s.cfg.Name = s.cfg.SID
	}
	if s.cfg.Queue <= 0 {
		s.cfg.Queue = DefaultQueue
	}
	if s.cfg.DialTimeout <= 0 {
		s.cfg.DialTimeout = DefaultDialTimeout
	}
	if s.cfg.WriteTimeout <= 0 {
		s.cfg.WriteTimeout = DefaultWriteTimeout
	}
	if s.cfg.Log == nil {
		s.cfg.Log = slog.Default()
	}
	s.cfg.Log = s.cfg.Log.With("stream_sid", s.cfg.SID, "stream_name", s.cfg.Name)
	s.queue = make(chan *frame, s.cfg.Queue)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DialTimeout)
	s.dialStop = cancel
	go s.run(dctx)
	return s, nil
}

// SID is the stream's MZ… identifier.
func (s *Stream) SID() string { return s.cfg.SID }

// Name is the stream's name (its SID when the widget gave none).
func (s *Stream) Name() string { return s.cfg.Name }

// Wants tells whether the stream carries the caller's audio (inbound) and
// what the caller hears (outbound).
func (s *Stream) Wants() (inbound, outbound bool) { return s.in, s.out }

// Inbound queues a frame of the caller's audio (μ-law); the bytes are
// copied, so the caller may reuse its buffer.
func (s *Stream) Inbound(ulaw []byte) {
	if s.in {
		s.push('i', ulaw)
	}
}

// Outbound queues a frame of what the caller hears (μ-law).
func (s *Stream) Outbound(ulaw []byte) {
	if s.out {
		s.push('o', ulaw)
	}
}

func (s *Stream) push(track byte, ulaw []byte) {
	if s.closed.Load() {
		if s.failure.Load() != nil {
			s.dropped.Add(1) // lost to a failed stream
		}
		return
	}
	f := frames.Get().(*frame)
	f.track, f.at = track, time.Since(s.start)
	f.n = copy(f.buf[:], ulaw)
	select {
	case s.queue <- f:
	default:
		s.dropped.Add(1)
		frames.Put(f)
	}
}

// Mark asks for a mark message after the media queued so far (best
// effort: a mark that does not fit its small queue is dropped).
func (s *Stream) Mark(name string) {
	if s.closed.Load() {
		return
	}
	select {
	case s.marks <- name:
	default:
		s.cfg.Log.Warn("media stream mark dropped: too many pending", "mark", name)
	}
}

// Stop ends the stream: queued frames are flushed, then the stop message
// and a close frame are sent, each bounded by WriteTimeout. It does not
// wait; Done is closed when the stream's goroutines have ended.
func (s *Stream) Stop() {
	s.stopOnce.Do(func() {
		s.closed.Store(true)
		close(s.closing) // before the dial is cancelled: run reads it to tell a stop from a failure
		s.dialStop()
	})
}

// Done is closed when the stream has ended (stopped or failed).
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err is why the stream failed, or nil.
func (s *Stream) Err() error {
	if p := s.failure.Load(); p != nil {
		return *p
	}
	return nil
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Dropped: s.dropped.Load()}
}

// Errors a stream fails with.
var (
	ErrConnect = errors.New("media stream could not connect")
	// ErrHandshake comes with ErrConnect: the server answered the
	// WebSocket upgrade with a status other than 101.
	ErrHandshake = errors.New("the server refused the WebSocket upgrade")
	ErrStalled   = errors.New("media stream server stopped reading")
	ErrWrite     = errors.New("media stream write failed")
)

func (s *Stream) fail(err error) {
	s.failure.CompareAndSwap(nil, &err)
	s.closed.Store(true)
	st := s.Stats()
	s.cfg.Log.Warn("media stream failed; the call goes on without it", "url", s.cfg.URL, "reason", err.Error(),
		"sent", st.Sent, "dropped", st.Dropped)
}

// dial connects with a small send buffer (see sendBuffer).
func (s *Stream) dial(ctx context.Context) (*websocket.Conn, error) {
	var unwatch func() bool
	d := websocket.Dialer{
		HandshakeTimeout: s.cfg.DialTimeout,
		NetDialContext: func(inner context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(inner, network, addr)
			if err != nil {
				return nil, err
			}
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetWriteBuffer(sendBuffer)
			}
			// The library bounds the upgrade by its timeout only (and
			// cancels inner when it returns); Stop must end a server that
			// never answers the upgrade at once: watch our own ctx.
			unwatch = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
			return c, nil
		},
		WriteBufferSize: 4096,
		ReadBufferSize:  1024,
	}
	conn, resp, err := d.DialContext(ctx, s.cfg.URL, http.Header{"User-Agent": {"Switchboard-MediaStream/1.0"}})
	if unwatch != nil && !unwatch() && err == nil {
		conn.Close() // stopped just as the upgrade finished
		err = ctx.Err()
		conn = nil
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%w to %s: %w: it answered %s", ErrConnect, s.cfg.URL, ErrHandshake, resp.Status)
		}
		return nil, fmt.Errorf("%w to %s: %w", ErrConnect, s.cfg.URL, err)
	}
	return conn, nil
}
