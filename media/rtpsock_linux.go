//go:build linux && (amd64 || arm64)

package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

var errNoRawUDP = errors.New("media: raw UDP sockets unavailable")

// openRawUDP binds a non-blocking, close-on-exec UDP socket outside Go's
// poller. An IPv4 address (the unspecified one included) gets an AF_INET
// socket; an IPv6 one a dual-stack AF_INET6 socket, as net.ListenUDP would.
func openRawUDP(ip netip.Addr, port int) (fd int, v6 bool, err error) {
	v6 = !ip.Is4() && !ip.Is4In6()
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return -1, false, fmt.Errorf("%w: %w", errNoRawUDP, err)
	}
	var sa unix.Sockaddr
	if v6 {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		sa = &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: port, Addr: ip.Unmap().As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		// As net.ListenUDP words it, so PortPool's errors read the same.
		return -1, false, &net.OpError{Op: "listen", Net: "udp", Addr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))), Err: os.NewSyscallError("bind", err)}
	}
	return fd, v6, nil
}

// sendRawUDP is sendto(2) with the socket address built on the stack, so a
// send allocates nothing.
func sendRawUDP(fd int, v6 bool, b []byte, dest netip.AddrPort) error {
	if len(b) == 0 {
		return nil
	}
	var sa [unix.SizeofSockaddrInet6]byte
	var salen uintptr
	addr := dest.Addr()
	switch {
	case !v6:
		if !addr.Is4() && !addr.Is4In6() {
			return errSocketFamily
		}
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET)
		binary.BigEndian.PutUint16(sa[2:4], dest.Port())
		a4 := addr.Unmap().As4()
		copy(sa[4:8], a4[:])
		salen = unix.SizeofSockaddrInet4
	default:
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET6)
		binary.BigEndian.PutUint16(sa[2:4], dest.Port())
		a16 := addr.As16()
		copy(sa[8:24], a16[:])
		salen = unix.SizeofSockaddrInet6
	}
	for {
		_, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
			0, uintptr(unsafe.Pointer(&sa[0])), salen)
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return errno
	}
}

func closeRaw(fd int) error {
	if fd < 0 {
		return nil
	}
	if err := unix.Close(fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// toConn turns a raw socket into a *net.UDPConn (the descriptor then joins
// Go's poller), for a session that reads on a goroutine of its own after
// all. The raw descriptor is closed; the conn holds a duplicate.
func (r *rtpSocket) toConn() error {
	if r.conn != nil {
		return nil
	}
	f := os.NewFile(uintptr(r.fd), "rtp")
	pc, err := net.FilePacketConn(f)
	_ = f.Close()
	if err != nil {
		return err
	}
	c, ok := pc.(*net.UDPConn)
	if !ok {
		_ = pc.Close()
		return errors.New("media: RTP socket is not UDP")
	}
	r.conn, r.fd = c, -1
	return nil
}

// rawFD is the descriptor the shared readers poll: the raw one, or conn's.
func (r *rtpSocket) rawFD() (int, error) {
	if r.conn == nil {
		return r.fd, nil
	}
	rc, err := r.conn.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return -1, err
	}
	return fd, nil
}
