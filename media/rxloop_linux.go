//go:build linux && (amd64 || arm64)

package media

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Shared RTP readers. One goroutine per leg socket, each parked in recvmsg,
// meant a goroutine wake-up per packet: at 500 bridges (1,000 legs, 50,000
// packets/s) on two cores the run queues held hundreds of readers behind the
// pacer, and relay p99 followed the scheduling latency. Instead one epoll
// set holds every RTP socket (edge-triggered) and a few reader goroutines
// (one per CPU, like the pacer's wheels) take turns on it. The epoll
// descriptor sits in the Go netpoller, so an idle reader parks like any
// goroutine (it holds no thread or P). The reader that wakes takes at most
// rxEvents ready sockets and leaves the set to the next reader, so a burst
// of packets is shared among the CPUs rather than queued behind one; each
// socket is drained with recvmmsg and its packets handled (and relayed)
// inline. One wake-up then serves however many packets arrived meanwhile.
//
// A session's socket is a raw descriptor outside Go's poller (rtpsock.go):
// reads happen here, sends go straight to sendto. Close unregisters the socket and waits for an
// in-flight batch (the session's gate) before the socket is closed, so no
// packet is handled after Close and a closed descriptor is never read.

const (
	rxBatch  = 8  // datagrams per recvmmsg
	rxEvents = 16 // ready sockets one reader takes per epoll_wait
	rxOOB    = 64 // control bytes per datagram: one SCM_TIMESTAMPNS
	rxRetry  = 4  // reads retried after an error such as ECONNREFUSED
)

// sharedReaders chooses the shared readers (true) or one goroutine per
// session (false: the old path, kept for comparison in the load test).
var sharedReaders = true

// rxReg is a session's place in the shared epoll set (zero: none).
type rxReg struct {
	loop *rxLoop // guarded by readers.mu
	tok  int32
	fd   int
	gate sync.Mutex // held while a reader handles the session's packets
	off  bool       // guarded by gate: detached, handle nothing more
}

// mmsghdr is struct mmsghdr on 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// rxLoop is the epoll set and its reader goroutines; they end when its last
// socket leaves, and the next registration starts a fresh one.
type rxLoop struct {
	epfd int
	file *os.File // epfd, registered with the netpoller
	regs map[int32]*Session
	next int32
}

// rxWorker is one reader goroutine's buffers.
type rxWorker struct {
	events [rxEvents]unix.EpollEvent
	msgs   [rxBatch]mmsghdr
	iovs   [rxBatch]unix.Iovec
	bufs   [rxBatch][maxDatagram + 1]byte
	oobs   [rxBatch][rxOOB]byte
	names  [rxBatch][unix.SizeofSockaddrInet6]byte
}

type rxReaders struct {
	mu      sync.Mutex // guards loop, count and the loop's regs and next
	loop    *rxLoop    // nil while no socket is registered
	count   int
	workers int
}

var readers = &rxReaders{workers: min(max(runtime.GOMAXPROCS(0), 1), 8)}

// rxAttach starts receiving s's RTP: on the shared readers, or (if that
// fails, or sharedReaders is off) on a goroutine of its own.
func rxAttach(s *Session) {
	if sharedReaders {
		if err := readers.add(s); err == nil {
			return
		}
	}
	if err := s.rtp.toConn(); err != nil {
		// Nothing can read this socket; the session still sends, and its
		// media timeout reports the silence.
		slog.Warn("media: RTP socket cannot be read", "port", s.port, "err", err)
		return
	}
	s.wg.Add(1)
	go s.readRTP()
}

// rxDetach stops s's shared reading; once it returns no packet of s is being
// handled and none will be. A no-op for a session with its own goroutine.
func rxDetach(s *Session) {
	if s.reg.loop == nil {
		return
	}
	readers.remove(s)
	s.reg.gate.Lock()
	s.reg.off = true
	s.reg.gate.Unlock()
}

func (rs *rxReaders) add(s *Session) error {
	fd, err := s.rtp.rawFD()
	if err != nil {
		return err
	}
	if !enableRxStampsFD(fd) {
		return errors.New("media: no receive timestamps")
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	l := rs.loop
	if l == nil {
		if l, err = newRxLoop(); err != nil {
			return err
		}
		rs.loop = l
		for range rs.workers {
			go l.run()
		}
	}
	for l.regs[l.next] != nil {
		l.next++
	}
	tok := l.next
	l.next++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: tok}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		if rs.count == 0 {
			l.close()
			rs.loop = nil
		}
		return err
	}
	l.regs[tok] = s
	rs.count++
	s.reg.loop, s.reg.tok, s.reg.fd = l, tok, fd
	return nil
}

func (rs *rxReaders) remove(s *Session) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	l := s.reg.loop
	if l == nil || l.regs[s.reg.tok] != s {
		return
	}
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, s.reg.fd, nil)
	delete(l.regs, s.reg.tok)
	rs.count--
	if rs.count == 0 {
		l.close() // its goroutines end at their next wait
		rs.loop = nil
	}
}

func newRxLoop() (*rxLoop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, err
	}
	return &rxLoop{epfd: epfd, file: os.NewFile(uintptr(epfd), "media-rtp-epoll"), regs: map[int32]*Session{}}, nil
}

// close ends the loop; with readers.mu held. The descriptor is closed once
// no reader is in its epoll_wait (os.File keeps it open till then).
func (l *rxLoop) close() { _ = l.file.Close() }

// run is one reader. Only one reader at a time waits in the netpoller (the
// file's read lock); the one that wakes takes its events and lets the next
// one wait.
func (l *rxLoop) run() {
	rc, err := l.file.SyscallConn()
	if err != nil {
		return
	}
	w := &rxWorker{}
	for i := range w.msgs {
		w.iovs[i].Base = &w.bufs[i][0]
		w.iovs[i].SetLen(len(w.bufs[i]))
		w.msgs[i].hdr.Iov = &w.iovs[i]
		w.msgs[i].hdr.SetIovlen(1)
	}
	for {
		n := 0
		err := rc.Read(func(fd uintptr) bool {
			var werr error
			n, werr = unix.EpollWait(int(fd), w.events[:], 0)
			return n > 0 || (werr != nil && werr != unix.EINTR)
		})
		if err != nil {
			return // closed: the last socket left
		}
		for i := range n {
			l.serve(w, w.events[i].Fd)
		}
	}
}

// serve drains one ready socket (edge-triggered: to EAGAIN, or a short
// batch, after which any new datagram raises a new event).
func (l *rxLoop) serve(w *rxWorker, tok int32) {
	readers.mu.Lock()
	s := l.regs[tok]
	readers.mu.Unlock()
	if s == nil {
		return
	}
	s.reg.gate.Lock()
	defer s.reg.gate.Unlock()
	if s.reg.off {
		return
	}
	for retries := 0; ; {
		for i := range w.msgs {
			h := &w.msgs[i].hdr
			h.Name = &w.names[i][0]
			h.Namelen = uint32(len(w.names[i]))
			h.Control = &w.oobs[i][0]
			h.SetControllen(rxOOB)
		}
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(s.reg.fd), uintptr(unsafe.Pointer(&w.msgs[0])),
			rxBatch, unix.MSG_DONTWAIT, 0, 0)
		switch {
		case errno == unix.EAGAIN:
			return
		case errno != 0: // EINTR, or an error queued by ICMP (ECONNREFUSED): datagrams may still wait
			if retries++; retries > rxRetry {
				return
			}
			continue
		}
		got := int(r)
		for i := range got {
			m := &w.msgs[i]
			src, ok := sockaddrPort(w.names[i][:m.hdr.Namelen])
			if !ok {
				continue
			}
			s.handleRTP(w.bufs[i][:m.n], src, rxArrival(w.oobs[i][:m.hdr.Controllen]))
		}
		if got < rxBatch {
			return
		}
	}
}

// sockaddrPort reads a sockaddr_in or sockaddr_in6 the way the net package
// reports it (IPv6 addresses, v4-mapped ones included, stay 16 bytes).
func sockaddrPort(b []byte) (netip.AddrPort, bool) {
	if len(b) < 2 {
		return netip.AddrPort{}, false
	}
	switch binary.NativeEndian.Uint16(b) {
	case unix.AF_INET:
		if len(b) >= 8 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4])), true
		}
	case unix.AF_INET6:
		if len(b) >= 24 {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), binary.BigEndian.Uint16(b[2:4])), true
		}
	}
	return netip.AddrPort{}, false
}
