// Package smsctest is a small SMSC in Go for the smpp package's benchmarks and bad-input
// tests: it binds any transceiver, answers submit_sm with ids (or what a test tells it to),
// sends deliver_sm, and lets a test write raw bytes or drop the connection. The acceptance
// tests run against Net::SMPP instead (testdata/smsc.pl), so that the client is proven
// against an SMPP implementation that is not ours; this one is shaped by our own codec and
// only exists to be fast and to misbehave on purpose.
package smsctest

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/switchboard/switchboard/app/sms/smpp"
)

// Server is the fake SMSC on 127.0.0.1.
type Server struct {
	ln net.Listener

	mu       sync.Mutex
	conn     net.Conn
	wmu      sync.Mutex
	binds    int
	submits  []smpp.PDU
	received []smpp.PDU
	nextID   int
	seq      uint32
	// Submit decides how to answer a submit_sm: its status and whether to answer at all.
	// nil answers every submit_sm ESME_ROK.
	submit func(p smpp.PDU) (status uint32, answer bool)
	record bool
}

// Start listens on a free loopback port. Record keeps every submit_sm (leave it off for
// benchmarks).
func Start(record bool) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, record: record}
	go s.accept()
	return s, nil
}

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops listening and drops the connection.
func (s *Server) Close() {
	s.ln.Close()
	s.Drop()
}

// OnSubmit sets how submit_sm is answered.
func (s *Server) OnSubmit(f func(p smpp.PDU) (status uint32, answer bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.submit = f
}

// Binds counts the bind_transceiver requests so far.
func (s *Server) Binds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.binds
}

// Submits returns the submit_sm received (when recording).
func (s *Server) Submits() []smpp.PDU {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smpp.PDU(nil), s.submits...)
}

// Received returns every PDU but submit_sm received (when recording).
func (s *Server) Received() []smpp.PDU {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smpp.PDU(nil), s.received...)
}

// Drop closes the current connection.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Raw writes b to the current connection as it is.
func (s *Server) Raw(b []byte) error {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return errors.New("smsctest: no connection")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := c.Write(b)
	return err
}

// Send writes a PDU (a deliver_sm, an enquire_link…) with the next sequence number.
func (s *Server) Send(p smpp.PDU) error {
	s.mu.Lock()
	s.seq++
	p.Seq = s.seq
	s.mu.Unlock()
	b, err := smpp.Encode(p)
	if err != nil {
		return err
	}
	return s.Raw(b)
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		old := s.conn
		s.conn = c
		s.mu.Unlock()
		if old != nil {
			old.Close()
		}
		go s.serve(c)
	}
}

func (s *Server) reply(c net.Conn, p smpp.PDU) {
	b, err := smpp.Encode(p)
	if err != nil {
		panic(fmt.Sprintf("smsctest: encode %s: %v", p.Command, err))
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, _ = c.Write(b)
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	for {
		b, err := smpp.ReadFrame(c)
		if err != nil {
			return
		}
		p, err := smpp.Decode(b)
		if err != nil {
			s.reply(c, smpp.PDU{Command: smpp.GenericNack, Status: smpp.StatusInvCmdID, Seq: p.Seq})
			continue
		}
		switch p.Command {
		case smpp.BindTransceiver:
			s.mu.Lock()
			s.binds++
			s.mu.Unlock()
			s.reply(c, smpp.PDU{Command: smpp.BindTransceiverResp, Seq: p.Seq, SystemID: "gosmsc"})
		case smpp.SubmitSM:
			s.mu.Lock()
			if s.record {
				s.submits = append(s.submits, p)
			}
			f := s.submit
			s.nextID++
			id := "g" + strconv.Itoa(s.nextID)
			s.mu.Unlock()
			status, answer := smpp.StatusOK, true
			if f != nil {
				status, answer = f(p)
			}
			if answer {
				if status != smpp.StatusOK {
					id = ""
				}
				s.reply(c, smpp.PDU{Command: smpp.SubmitSMResp, Status: status, Seq: p.Seq, MessageID: id})
			}
		case smpp.EnquireLink:
			s.reply(c, smpp.PDU{Command: smpp.EnquireLinkResp, Seq: p.Seq})
		case smpp.Unbind:
			s.reply(c, smpp.PDU{Command: smpp.UnbindResp, Seq: p.Seq})
			return
		default:
			s.mu.Lock()
			if s.record {
				s.received = append(s.received, p)
			}
			s.mu.Unlock()
		}
	}
}
