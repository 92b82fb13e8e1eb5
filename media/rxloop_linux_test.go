//go:build linux && (amd64 || arm64)

package media

import (
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestSharedReaders: with the shared readers, each session gets every datagram sent to it (a burst longer than one recvmmsg
// batch included) from the real socket path with its arrival stamp, an idle
// reader wakes at once (its epoll set is in the netpoller), reading
// allocates nothing, and when the last session closes the epoll set and
// its readers are gone.
func TestSharedReaders(t *testing.T) {
	if !sharedReaders {
		t.Skip("shared readers are off")
	}
	base := runtime.NumGoroutine()
	n := 3*readers.workers + 1
	p := testPool(t, n)
	tx, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	must(t, err)
	defer tx.Close()
	from := tx.LocalAddr().(*net.UDPAddr).AddrPort()
	sess := make([]*Session, n)
	for i := range sess {
		s, err := p.Open()
		must(t, err)
		must(t, s.Start(from, 0, 8000, 101))
		sess[i] = s
	}
	readers.mu.Lock()
	if readers.loop == nil || readers.count != n {
		t.Errorf("epoll set %v holds %d sessions, want %d", readers.loop != nil, readers.count, n)
	}
	readers.mu.Unlock()

	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 99}, Payload: make([]byte, 160)}
	send := func(s *Session, count int) {
		for range count {
			pkt.SequenceNumber++
			pkt.Timestamp += 160
			b, err := pkt.Marshal()
			must(t, err)
			_, err = tx.WriteToUDPAddrPort(b, s.LocalAddr())
			must(t, err)
		}
	}
	for _, s := range sess {
		send(s, 3)
	}
	burst := 5*rxBatch + 3
	send(sess[0], burst)
	for i, s := range sess {
		want := uint64(3)
		if i == 0 {
			want += uint64(burst)
		}
		waitFor(t, func() bool { return s.Stats().PacketsReceived == want })
		if age := monoNow() - time.Duration(s.lastRx.Load()); age < 0 || age > 2*time.Second {
			t.Fatalf("session %d: last arrival %v ago", i, age)
		}
	}

	s := sess[1]
	b, _ := pkt.Marshal()
	var delay histogram // kernel arrival to the handler, on an idle process
	s.SetAudioHandler(func(uint8, uint32, []byte) { delay.record(monoNow() - time.Duration(s.lastRx.Load())) })
	lost := 0
	allocs := testing.AllocsPerRun(200, func() {
		pkt.SequenceNumber++
		b[2], b[3] = byte(pkt.SequenceNumber>>8), byte(pkt.SequenceNumber)
		want := s.Stats().PacketsReceived + 1
		_, _ = tx.WriteToUDPAddrPort(b, s.LocalAddr())
		for deadline := time.Now().Add(time.Second); s.Stats().PacketsReceived < want; {
			if time.Now().After(deadline) {
				lost++
				break
			}
			time.Sleep(20 * time.Microsecond)
		}
	})
	t.Logf("read delay p50 %v p99 %v max %v", delay.quantile(0.5), delay.quantile(0.99), time.Duration(delay.max.Load()))
	if p50 := delay.quantile(0.5); p50 > 2*time.Millisecond {
		t.Errorf("an idle reader wakes %v after a packet (the netpoller does not see the epoll set?)", p50)
	}
	if lost > 0 {
		t.Errorf("%d of 201 packets not received within a second", lost)
	}
	if allocs != 0 {
		t.Errorf("shared read path allocates %.2f per packet", allocs)
	}

	for _, s := range sess {
		must(t, s.Close())
	}
	readers.mu.Lock()
	if readers.loop != nil {
		t.Errorf("the epoll set outlived its sessions (%d left)", readers.count)
	}
	readers.mu.Unlock()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d > %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReadPendingBeforeTheReaders: a call that ends reads the RTP still
// waiting in its socket itself (ReadPending), so a key the caller sent
// before hanging up is an event even while every reader is stalled (a
// loaded box); the readers that come after find nothing more and report
// the digit no second time.
func TestReadPendingBeforeTheReaders(t *testing.T) {
	if !sharedReaders {
		t.Skip("shared readers are off")
	}
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.Start(peer.addr, 0, 8000, 101))

	entered := make(chan struct{}, 16)
	release := make(chan struct{})
	hold := func() {
		entered <- struct{}{}
		<-release
	}
	testRxHold.Store(&hold)
	var once sync.Once
	free := func() { once.Do(func() { testRxHold.Store(nil); close(release) }) }
	t.Cleanup(free) // before the session closes (cleanups run last first)

	ev := func(seq uint16, end bool, dur uint16, marker bool) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: seq, Timestamp: 8000, SSRC: 0x0e05384e, Marker: marker},
			Payload: evPayload(7, end, dur)}
	}
	peer.send(t, s.LocalAddr(), ev(100, false, 320, true))
	peer.send(t, s.LocalAddr(), ev(101, false, 640, false))
	for range 3 {
		peer.send(t, s.LocalAddr(), ev(102, true, 960, false))
	}
	select {
	case <-entered: // a reader took the socket's event and is stalled
	case <-time.After(2 * time.Second):
		t.Fatal("no reader woke for the packets")
	}
	time.Sleep(20 * time.Millisecond)
	select {
	case e := <-s.Events():
		t.Fatalf("an event while every reader is stalled: %+v", e)
	default:
	}

	s.ReadPending()
	select {
	case e := <-s.Events():
		if e.Kind != EventDigit || e.Digit != '7' {
			t.Fatalf("after ReadPending: %+v, want digit 7", e)
		}
	default:
		t.Fatal("ReadPending left the key in the socket")
	}

	free()
	if e, ok := waitEvent(t, s, 200*time.Millisecond); ok {
		t.Fatalf("the readers reported more after ReadPending: %+v", e)
	}
	if st := s.Stats(); st.Digits != 1 {
		t.Errorf("digits = %d, want 1", st.Digits)
	}
}
