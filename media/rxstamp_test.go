package media

import (
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// TestRxArrivalStamp: a datagram that sat in the socket for 50 ms is
// reported as having arrived 50 ms ago, and reading stamps allocates nothing.
func TestRxArrivalStamp(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("kernel receive timestamps are read on linux/amd64 and arm64 only")
	}
	rx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	must(t, err)
	defer rx.Close()
	tx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	must(t, err)
	defer tx.Close()
	if !enableRxStamps(rx) {
		t.Fatal("SO_TIMESTAMPNS refused")
	}
	to := rx.LocalAddr().(*net.UDPAddr).AddrPort()
	buf, oob := make([]byte, 1500), make([]byte, 64)
	_, err = tx.WriteToUDPAddrPort([]byte("x"), to)
	must(t, err)
	time.Sleep(50 * time.Millisecond)
	_, oobn, _, _, err := rx.ReadMsgUDPAddrPort(buf, oob)
	must(t, err)
	if age := monoNow() - rxArrival(oob[:oobn]); age < 45*time.Millisecond || age > 500*time.Millisecond {
		t.Fatalf("queued 50 ms, stamped %v ago", age)
	}
	if age := monoNow() - rxArrival(nil); age > 10*time.Millisecond {
		t.Fatalf("no stamp: %v ago", age)
	}
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = tx.WriteToUDPAddrPort([]byte("x"), to)
		_, oobn, _, _, _ := rx.ReadMsgUDPAddrPort(buf, oob)
		_ = rxArrival(oob[:oobn])
	})
	if allocs != 0 {
		t.Fatalf("stamped read allocates %.1f", allocs)
	}
}
