//go:build linux && (amd64 || arm64)

package media

import (
	"encoding/binary"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// Receive timestamps: the kernel stamps each datagram as it arrives
// (SO_TIMESTAMPNS), so the receive path and the bridge's relay latency see
// when a packet reached the socket, not when the reader goroutine got round
// to it; time queued in the socket under load is then measured, not hidden.

// enableRxStamps asks the kernel to stamp c's datagrams; false if it cannot.
func enableRxStamps(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	if err := rc.Control(func(fd uintptr) { ok = enableRxStampsFD(int(fd)) }); err != nil {
		return false
	}
	return ok
}

// enableRxStampsFD is enableRxStamps for a raw descriptor.
func enableRxStampsFD(fd int) bool {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) == nil
}

// rxArrival returns the arrival time (monotonic, since epoch) stamped in
// oob, or the current time when there is no stamp. It does not allocate.
func rxArrival(oob []byte) time.Duration {
	t := time.Now()
	now := t.Sub(epoch)
	hdr := unix.CmsgLen(0)
	for len(oob) >= hdr {
		l := int(binary.NativeEndian.Uint64(oob[0:8])) // cmsghdr.Len is 64-bit on 64-bit Linux
		if l < hdr || l > len(oob) {
			break
		}
		level, typ := int32(binary.NativeEndian.Uint32(oob[8:12])), int32(binary.NativeEndian.Uint32(oob[12:16]))
		if level == unix.SOL_SOCKET && typ == unix.SCM_TIMESTAMPNS && l >= hdr+16 {
			sec := int64(binary.NativeEndian.Uint64(oob[hdr:]))
			nsec := int64(binary.NativeEndian.Uint64(oob[hdr+8:]))
			age := time.Duration(t.UnixNano() - (sec*1e9 + nsec)) // both on the wall clock
			if age >= 0 && age < time.Second {
				return now - age
			}
			return now
		}
		next := unix.CmsgSpace(l - hdr)
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	return now
}
