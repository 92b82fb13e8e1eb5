package media

import (
	"errors"
	"net"
	"net/netip"
)

// rtpSocket is a session's RTP socket. Where the shared readers run
// (rxloop_linux.go) it is a raw non-blocking descriptor that Go's network
// poller never sees: a socket in the poller raises a second readiness event
// per packet burst in the runtime's own epoll set, and with nobody waiting
// on it that event only wakes an idle thread for nothing (at 1,000 legs,
// tens of thousands of wake-ups a second on two cores, visible as netpoll
// time in the profile and as scheduling latency in the relay's p99). Sends
// then go straight to sendto. Elsewhere, or when the shared readers are off,
// it is a plain *net.UDPConn read by a goroutine of its own.
type rtpSocket struct {
	conn *net.UDPConn // the portable socket, or nil
	fd   int          // the raw descriptor when conn is nil
	v6   bool         // fd is AF_INET6 (dual-stack)
}

// errSocketFamily is a send to an address the socket's family cannot reach.
var errSocketFamily = errors.New("media: destination address family differs from the RTP socket's")

// openRTPSocket binds ip:port for RTP.
func openRTPSocket(ip netip.Addr, port int) (rtpSocket, error) {
	if sharedReaders {
		if fd, v6, err := openRawUDP(ip, port); err == nil {
			return rtpSocket{fd: fd, v6: v6}, nil
		} else if !errors.Is(err, errNoRawUDP) {
			return rtpSocket{}, err
		}
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return rtpSocket{}, err
	}
	return rtpSocket{conn: c, fd: -1}, nil
}

// writeTo sends one datagram; it never blocks (a full socket buffer is an
// error, and the frame is dropped: a late frame is worth nothing).
func (r *rtpSocket) writeTo(b []byte, dest netip.AddrPort) error {
	if r.conn != nil {
		_, err := r.conn.WriteToUDPAddrPort(b, dest)
		return err
	}
	return sendRawUDP(r.fd, r.v6, b, dest)
}

func (r *rtpSocket) close() error {
	if r.conn != nil {
		return r.conn.Close()
	}
	return closeRaw(r.fd)
}
