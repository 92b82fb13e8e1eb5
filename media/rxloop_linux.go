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
	"sync/atomic"
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
// A session's sockets are raw descriptors outside Go's poller (rtpsock.go):
// reads happen here, sends go straight to sendto. Its RTCP socket is in the
// same set: a goroutine per call parked in recvfrom for a packet every 5 s
// cost a stack (and a netpoller registration) per call for nothing. Close
// unregisters the sockets and waits for an in-flight batch (the session's
// gate) before they are closed, so no packet is handled after Close and a
// closed descriptor is never read.

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
	loop    *rxLoop // guarded by readers.mu
	tok     int32   // RTP's token
	fd      int
	rtcpTok int32
	rtcpFD  int
	gate    sync.Mutex // held while a reader handles the session's packets
	off     bool       // guarded by gate: detached, handle nothing more
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
	regs map[int32]rxEntry
	next int32
}

// rxEntry is what a token in the epoll set stands for.
type rxEntry struct {
	s    *Session
	rtcp bool // the session's RTCP socket, not its RTP one
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

// rxTally counts the shared readers' recvmmsg calls (the empty one that
// ends each drain included) and the datagrams they brought. Datagrams per
// call say whether batching the sends that follow could save syscalls:
// a relayed packet leaves on the other leg's socket, and sendmmsg batches
// only datagrams of one socket, so the relay could send in one sendmmsg
// only what one recvmmsg brought from one socket.
var rxTally struct{ reads, datagrams atomic.Uint64 }

// rxTallies reads rxTally.
func rxTallies() (reads, datagrams uint64) {
	return rxTally.reads.Load(), rxTally.datagrams.Load()
}

// rxAttach starts receiving s's RTP and RTCP: on the shared readers, or (if
// that fails, or sharedReaders is off) on a goroutine each.
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
	} else {
		s.wg.Add(1)
		go s.readRTP()
	}
	if err := s.rtcp.toConn(); err != nil {
		slog.Warn("media: RTCP socket cannot be read", "port", s.port+1, "err", err)
		return
	}
	s.wg.Add(1)
	go s.readRTCP()
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
	rtcpFD, err := s.rtcp.rawFD()
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
	tok, err := l.register(fd, rxEntry{s: s})
	if err == nil {
		var rtcpTok int32
		if rtcpTok, err = l.register(rtcpFD, rxEntry{s: s, rtcp: true}); err == nil {
			rs.count++
			s.reg.loop, s.reg.tok, s.reg.fd, s.reg.rtcpTok, s.reg.rtcpFD = l, tok, fd, rtcpTok, rtcpFD
			return nil
		}
		l.unregister(tok, fd)
	}
	if rs.count == 0 {
		l.close()
		rs.loop = nil
	}
	return err
}

// register adds fd to the epoll set under a fresh token; with readers.mu held.
func (l *rxLoop) register(fd int, e rxEntry) (int32, error) {
	for l.regs[l.next].s != nil {
		l.next++
	}
	tok := l.next
	l.next++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: tok}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return 0, err
	}
	l.regs[tok] = e
	return tok, nil
}

// unregister takes fd out of the epoll set; with readers.mu held.
func (l *rxLoop) unregister(tok int32, fd int) {
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	delete(l.regs, tok)
}

func (rs *rxReaders) remove(s *Session) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	l := s.reg.loop
	if l == nil || l.regs[s.reg.tok].s != s {
		return
	}
	l.unregister(s.reg.tok, s.reg.fd)
	l.unregister(s.reg.rtcpTok, s.reg.rtcpFD)
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
	return &rxLoop{epfd: epfd, file: os.NewFile(uintptr(epfd), "media-rtp-epoll"), regs: map[int32]rxEntry{}}, nil
}

// close ends the loop; with readers.mu held. The descriptor is closed once
// no reader is in its epoll_wait (os.File keeps it open till then).
func (l *rxLoop) close() { _ = l.file.Close() }

func newRxWorker() *rxWorker {
	w := &rxWorker{}
	for i := range w.msgs {
		w.iovs[i].Base = &w.bufs[i][0]
		w.iovs[i].SetLen(len(w.bufs[i]))
		w.msgs[i].hdr.Iov = &w.iovs[i]
		w.msgs[i].hdr.SetIovlen(1)
	}
	return w
}

// flushWorkers lend rxFlush a worker's buffers (about 13 KB: not one per
// session, and not on the stack of whoever calls it).
var flushWorkers = sync.Pool{New: func() any { return newRxWorker() }}

// rxFlush handles the datagrams waiting in s's RTP socket now, on the
// caller's goroutine. On a loaded box a ready socket may wait a few hundred
// ms for a reader; a call that ends must not leave the keys the caller sent
// before hanging up in it (ReadPending). The session's gate orders it with
// the readers: one that is handling s's packets finishes first, and one
// that comes after finds the socket empty.
func rxFlush(s *Session) {
	if s.reg.loop == nil {
		return
	}
	w := flushWorkers.Get().(*rxWorker)
	defer flushWorkers.Put(w)
	s.reg.gate.Lock()
	defer s.reg.gate.Unlock()
	if s.reg.off {
		return
	}
	drainSocket(w, s, false)
}

// testRxHold, when set, runs in every reader before it serves the sockets
// it took: tests block it there to stand for readers that get no CPU.
var testRxHold atomic.Pointer[func()]

// run is one reader. Only one reader at a time waits in the netpoller (the
// file's read lock); the one that wakes takes its events and lets the next
// one wait.
func (l *rxLoop) run() {
	rc, err := l.file.SyscallConn()
	if err != nil {
		return
	}
	w := newRxWorker()
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
		if h := testRxHold.Load(); h != nil {
			(*h)()
		}
		for i := range n {
			l.serve(w, w.events[i].Fd)
		}
		if !pacerHelpOff.Load() {
			defaultPacer.helpDue()
		}
	}
}

// serve drains one ready socket (edge-triggered: to EAGAIN, or a short
// batch, after which any new datagram raises a new event).
func (l *rxLoop) serve(w *rxWorker, tok int32) {
	readers.mu.Lock()
	e := l.regs[tok]
	readers.mu.Unlock()
	s := e.s
	if s == nil {
		return
	}
	s.reg.gate.Lock()
	defer s.reg.gate.Unlock()
	if s.reg.off {
		return
	}
	drainSocket(w, s, e.rtcp)
}

// drainSocket reads s's RTP (or RTCP) socket to EAGAIN, or to a short
// batch, and handles what it read; with s.reg.gate held and s not off.
func drainSocket(w *rxWorker, s *Session, rtcp bool) {
	fd := s.reg.fd
	if rtcp {
		fd = s.reg.rtcpFD
	}
	for retries := 0; ; {
		for i := range w.msgs {
			h := &w.msgs[i].hdr
			h.Name = &w.names[i][0]
			h.Namelen = uint32(len(w.names[i]))
			h.Control = &w.oobs[i][0]
			h.SetControllen(rxOOB)
		}
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&w.msgs[0])),
			rxBatch, unix.MSG_DONTWAIT, 0, 0)
		rxTally.reads.Add(1)
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
		rxTally.datagrams.Add(uint64(got))
		for i := range got {
			m := &w.msgs[i]
			src, ok := sockaddrPort(w.names[i][:m.hdr.Namelen])
			if !ok {
				continue
			}
			if rtcp {
				s.handleRTCP(w.bufs[i][:m.n], src.Addr(), monoNow())
			} else {
				s.handleRTP(w.bufs[i][:m.n], src, rxArrival(w.oobs[i][:m.hdr.Controllen]))
			}
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
