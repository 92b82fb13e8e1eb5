//go:build linux && (amd64 || arm64)

package media

import (
	"encoding/binary"
	"errors"
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
// pacer, and relay p99 followed the scheduling latency. Instead a few
// readers (one per CPU, like the pacer's wheels) each own an epoll set of
// RTP sockets. The epoll descriptor itself sits in the Go netpoller, so an
// idle reader parks like any goroutine (it holds no thread or P); when it
// wakes it collects every ready socket in one epoll_wait and drains each
// with recvmmsg, handling (and relaying) packets inline. One wake-up then
// serves however many packets arrived meanwhile.
//
// A session's socket stays a *net.UDPConn (sends go through it as before);
// only its reads move here. Close unregisters the socket and waits for an
// in-flight batch (rxGate) before the socket is closed, so no packet is
// handled after Close and a closed descriptor number is never read.

const (
	rxBatch  = 8   // datagrams per recvmmsg
	rxEvents = 128 // ready sockets per epoll_wait
	rxOOB    = 64  // control bytes per datagram: one SCM_TIMESTAMPNS
)

// sharedReaders chooses the shared readers (true) or one goroutine per
// session (false: the old path, kept for comparison in the load test).
var sharedReaders = true

// rxReg is a session's place on a shared reader (zero: none).
type rxReg struct {
	loop *rxLoop // guarded by readers.mu
	slot int
	tok  int32
	fd   int
	gate sync.Mutex // held while the reader handles the session's packets
	off  bool       // guarded by gate: detached, handle nothing more
}

// mmsghdr is struct mmsghdr on 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// rxLoop is one epoll set and its goroutine; it ends when its last socket
// leaves, and the next registration starts a fresh one.
type rxLoop struct {
	epfd int
	file *os.File // epfd, registered with the netpoller
	regs map[int32]*Session
	next int32

	events [rxEvents]unix.EpollEvent
	msgs   [rxBatch]mmsghdr
	iovs   [rxBatch]unix.Iovec
	bufs   [rxBatch][maxDatagram + 1]byte
	oobs   [rxBatch][rxOOB]byte
	names  [rxBatch][unix.SizeofSockaddrInet6]byte
}

type rxReaders struct {
	mu    sync.Mutex // guards the loops' regs, next and the slots below
	loops []*rxLoop  // nil while a slot has no sockets
	count []int
}

var readers = func() *rxReaders {
	n := min(max(runtime.GOMAXPROCS(0), 1), 8)
	return &rxReaders{loops: make([]*rxLoop, n), count: make([]int, n)}
}()

// rxAttach starts receiving s's RTP: on the least loaded shared reader, or
// (if that fails, or sharedReaders is off) on a goroutine of its own.
func rxAttach(s *Session) {
	if sharedReaders && s.rtpConn != nil {
		if err := readers.add(s); err == nil {
			return
		}
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
	rc, err := s.rtpConn.SyscallConn()
	if err != nil {
		return err
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return err
	}
	if !enableRxStamps(s.rtpConn) {
		return errors.New("media: no receive timestamps")
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	slot := 0
	for i, c := range rs.count {
		if c < rs.count[slot] {
			slot = i
		}
	}
	l := rs.loops[slot]
	if l == nil {
		if l, err = newRxLoop(); err != nil {
			return err
		}
		rs.loops[slot] = l
		go l.run()
	}
	for l.regs[l.next] != nil {
		l.next++
	}
	tok := l.next
	l.next++
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: tok}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		if rs.count[slot] == 0 {
			l.close()
			rs.loops[slot] = nil
		}
		return err
	}
	l.regs[tok] = s
	rs.count[slot]++
	s.reg.loop, s.reg.slot, s.reg.tok, s.reg.fd = l, slot, tok, fd
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
	rs.count[s.reg.slot]--
	if rs.count[s.reg.slot] == 0 {
		l.close() // its goroutine ends at its next wait
		rs.loops[s.reg.slot] = nil
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
	l := &rxLoop{epfd: epfd, file: os.NewFile(uintptr(epfd), "media-rtp-epoll"), regs: map[int32]*Session{}}
	for i := range l.msgs {
		l.iovs[i].Base = &l.bufs[i][0]
		l.iovs[i].SetLen(len(l.bufs[i]))
		l.msgs[i].hdr.Iov = &l.iovs[i]
		l.msgs[i].hdr.SetIovlen(1)
	}
	return l, nil
}

// close ends the loop; with readers.mu held. The descriptor is closed once
// the goroutine is out of its epoll_wait (os.File keeps it open till then).
func (l *rxLoop) close() { _ = l.file.Close() }

func (l *rxLoop) run() {
	rc, err := l.file.SyscallConn()
	if err != nil {
		return
	}
	for {
		n := 0
		err := rc.Read(func(fd uintptr) bool {
			var werr error
			n, werr = unix.EpollWait(int(fd), l.events[:], 0)
			return n > 0 || (werr != nil && werr != unix.EINTR)
		})
		if err != nil {
			return // closed: the last socket left
		}
		for i := range n {
			l.serve(l.events[i].Fd)
		}
	}
}

// serve drains one ready socket.
func (l *rxLoop) serve(tok int32) {
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
	for {
		for i := range l.msgs {
			h := &l.msgs[i].hdr
			h.Name = &l.names[i][0]
			h.Namelen = uint32(len(l.names[i]))
			h.Control = &l.oobs[i][0]
			h.SetControllen(rxOOB)
		}
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(s.reg.fd), uintptr(unsafe.Pointer(&l.msgs[0])),
			rxBatch, unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return // EAGAIN: drained; ECONNREFUSED and the like: a later wake-up reads on
		}
		got := int(r)
		for i := range got {
			m := &l.msgs[i]
			src, ok := sockaddrPort(l.names[i][:m.hdr.Namelen])
			if !ok {
				continue
			}
			s.handleRTP(l.bufs[i][:m.n], src, rxArrival(l.oobs[i][:m.hdr.Controllen]))
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
