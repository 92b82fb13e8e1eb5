package smpp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// ErrNotBound: there is no bind to send on; nothing went out.
	ErrNotBound = errors.New("smpp: not bound to the SMSC")
	// ErrNoResponse: a request went out and its response did not come in time.
	ErrNoResponse = errors.New("smpp: no response in time")
	// ErrUnbound: the SMSC asked to unbind.
	ErrUnbound = errors.New("smpp: the SMSC unbound")
)

// result is what a pending request gets: its response, or why the body could not be read.
type result struct {
	p   PDU
	err error
}

// session is one TCP connection and its bind. Requests go out from any goroutine (writes
// are serialised); one reader goroutine reads every PDU and hands responses to their
// waiting requests by sequence number, answers enquire_link and unbind itself, and passes
// deliver_sm to the gateway's delivery goroutine. The window bounds requests in flight.
type session struct {
	conn    net.Conn
	log     *slog.Logger
	timeout time.Duration

	wmu sync.Mutex

	mu      sync.Mutex
	seq     uint32
	pending map[uint32]chan result

	window chan struct{}
	done   chan struct{}
	once   sync.Once
	err    error

	lastRx atomic.Int64 // unix nanoseconds of the last PDU read
	// deliver receives deliver_sm PDUs; the receiver answers them with s.respond.
	deliver chan<- delivery
}

// delivery is a deliver_sm and the session to answer it on.
type delivery struct {
	s *session
	p PDU
}

func newSession(conn net.Conn, log *slog.Logger, window int, timeout time.Duration, deliver chan<- delivery) *session {
	s := &session{
		conn: conn, log: log, timeout: timeout,
		pending: map[uint32]chan result{},
		window:  make(chan struct{}, window),
		done:    make(chan struct{}),
		deliver: deliver,
	}
	s.lastRx.Store(time.Now().UnixNano())
	go s.readLoop()
	return s
}

// close ends the session once, remembering the first reason.
func (s *session) close(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.done)
		s.conn.Close()
	})
}

// Err is why the session ended (after done is closed).
func (s *session) Err() error {
	<-s.done
	return s.err
}

func (s *session) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// write sends one PDU whole. written reports whether any byte may have reached the peer.
func (s *session) write(p PDU) (written bool, err error) {
	b, err := Encode(p)
	if err != nil {
		return false, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed() {
		return false, ErrNotBound
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	n, err := s.conn.Write(b)
	if err != nil {
		err = fmt.Errorf("smpp: write %s: %w", p.Command, err)
		s.close(err)
	}
	return n > 0, err
}

// respond answers a request from the SMSC.
func (s *session) respond(req PDU, cmd CommandID, status uint32, messageID string) {
	if _, err := s.write(PDU{Command: cmd, Status: status, Seq: req.Seq, MessageID: messageID}); err != nil {
		s.log.Warn("smpp: answer not written", "command", cmd, "seq", req.Seq, "err", err)
	}
}

// request sends p and waits for its response. written reports whether p may have reached
// the SMSC: when it is false, nothing went out and a retry cannot double anything.
func (s *session) request(ctx context.Context, p PDU) (resp PDU, written bool, err error) {
	select {
	case s.window <- struct{}{}:
	case <-ctx.Done():
		return PDU{}, false, ctx.Err()
	case <-s.done:
		return PDU{}, false, ErrNotBound
	}
	defer func() { <-s.window }()
	ch := make(chan result, 1)
	s.mu.Lock()
	s.seq++
	if s.seq > 0x7FFFFFFF { // SMPP 3.4 §5.1.4: 0x00000001 to 0x7FFFFFFF
		s.seq = 1
	}
	p.Seq = s.seq
	s.pending[p.Seq] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, p.Seq)
		s.mu.Unlock()
	}()
	if written, err := s.write(p); err != nil {
		return PDU{}, written, err
	}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	var why error
	select {
	case r := <-ch:
		return r.p, true, r.err
	case <-t.C:
		why = fmt.Errorf("%w: %s seq %d after %s", ErrNoResponse, p.Command, p.Seq, s.timeout)
	case <-s.done:
		why = fmt.Errorf("%w: %s seq %d: the bind ended: %w", ErrNoResponse, p.Command, p.Seq, s.err)
	case <-ctx.Done():
		why = ctx.Err()
	}
	// The reader hands a response over before it notices the connection closing, and
	// select picks at random among ready cases: a response that came is never ignored.
	select {
	case r := <-ch:
		return r.p, true, r.err
	default:
		return PDU{}, true, why
	}
}

func (s *session) readLoop() {
	br := bufio.NewReaderSize(s.conn, 8192)
	for {
		b, err := ReadFrame(br)
		if err != nil {
			s.close(fmt.Errorf("smpp: read: %w", err))
			return
		}
		s.lastRx.Store(time.Now().UnixNano())
		p, err := Decode(b)
		if err != nil && errors.Is(err, ErrFraming) {
			s.close(err)
			return
		}
		if p.Command.IsResponse() {
			s.mu.Lock()
			ch := s.pending[p.Seq]
			s.mu.Unlock()
			if ch == nil {
				s.log.Warn("smpp: response to no pending request", "command", p.Command, "seq", p.Seq)
				continue
			}
			select {
			case ch <- result{p, err}:
			default: // a second response to the same sequence number
			}
			continue
		}
		if err != nil {
			s.log.Warn("smpp: bad PDU from the SMSC", "command", p.Command, "seq", p.Seq, "err", err)
			status := StatusInvCmdLen
			if p.Command != DeliverSM {
				status = StatusInvCmdID
			}
			s.respond(p, GenericNack, status, "")
			continue
		}
		switch p.Command {
		case EnquireLink:
			s.respond(p, EnquireLinkResp, StatusOK, "")
		case Unbind:
			s.respond(p, UnbindResp, StatusOK, "")
			s.close(ErrUnbound)
			return
		case DeliverSM:
			select {
			case s.deliver <- delivery{s, p}:
			case <-s.done:
				return
			}
		default:
			s.respond(p, GenericNack, StatusInvCmdID, "")
		}
	}
}

// keepAlive sends enquire_link when nothing came for interval, and ends the session when
// one goes unanswered.
func (s *session) keepAlive(interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, s.lastRx.Load())) < interval {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		resp, _, err := s.request(ctx, PDU{Command: EnquireLink})
		cancel()
		if err == nil && resp.Command != EnquireLinkResp {
			err = fmt.Errorf("smpp: enquire_link answered with %s", resp.Command)
		}
		if err != nil {
			s.close(fmt.Errorf("smpp: link check failed: %w", err))
			return
		}
	}
}
