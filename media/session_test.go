package media

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// testPool gives each test its own random even range on loopback.
func testPool(t *testing.T, pairs int) *PortPool {
	t.Helper()
	// Below Linux's ephemeral range (32768+), where the other test
	// packages' sockets land; and a range found free now, so that a test
	// that fills the pool on purpose is not cut short by a stranger.
	for try := 0; try < 50; try++ {
		base := 20000 + 2*rand.IntN(6000)
		if rangeFree(base, base+2*pairs-1) {
			return NewPortPool(loopback, base, base+2*pairs-1)
		}
	}
	t.Fatal("no free range of RTP ports for the test")
	return nil
}

// rangeFree reports whether every UDP port from lo to hi binds on loopback.
func rangeFree(lo, hi int) bool {
	for p := lo; p <= hi; p++ {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(p))))
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

func openSession(t *testing.T, p *PortPool) *Session {
	t.Helper()
	s, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawPeer is a plain UDP socket acting as the far end.
type rawPeer struct {
	conn *net.UDPConn
	addr netip.AddrPort
}

func newRawPeer(t *testing.T, ip netip.Addr) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawPeer{conn: c, addr: c.LocalAddr().(*net.UDPAddr).AddrPort()}
}

// read returns the next RTP packet, or nil after d.
func (r *rawPeer) read(t *testing.T, d time.Duration) *rtp.Packet {
	t.Helper()
	buf := make([]byte, 2048)
	_ = r.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := r.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatalf("peer got a bad packet: %v", err)
	}
	return p
}

func (r *rawPeer) send(t *testing.T, to netip.AddrPort, p *rtp.Packet) {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.conn.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

func testFrames(n int) [][]byte {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte{byte(i + 1)}, 160)
	}
	return frames
}

func waitEvent(t *testing.T, s *Session, d time.Duration) (Event, bool) {
	t.Helper()
	select {
	case e := <-s.Events():
		return e, true
	case <-time.After(d):
		return Event{}, false
	}
}

func TestPlayPacketsOnTheWire(t *testing.T) {
	p := testPool(t, 4)
	a := openSession(t, p)
	peer := newRawPeer(t, loopback)
	a.SetIdle(false)
	if err := a.Start(peer.addr, 0, 8000, 101); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	frames := testFrames(10)
	errc := make(chan error, 1)
	go func() { errc <- a.Play(ctx, frames) }()
	var prev *rtp.Packet
	for i := range frames {
		pk := peer.read(t, 2*time.Second)
		if pk == nil {
			t.Fatalf("frame %d did not arrive", i)
		}
		if pk.PayloadType != 0 || pk.SSRC != a.SSRC() || !bytes.Equal(pk.Payload, frames[i]) {
			t.Fatalf("frame %d: pt %d ssrc %x payload[0] %d", i, pk.PayloadType, pk.SSRC, pk.Payload[0])
		}
		if (i == 0) != pk.Marker {
			t.Errorf("frame %d marker = %v", i, pk.Marker)
		}
		if prev != nil {
			if pk.SequenceNumber != prev.SequenceNumber+1 {
				t.Errorf("frame %d seq %d after %d", i, pk.SequenceNumber, prev.SequenceNumber)
			}
			if pk.Timestamp != prev.Timestamp+160 {
				t.Errorf("frame %d ts %d after %d", i, pk.Timestamp, prev.Timestamp)
			}
		}
		prev = pk
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// idle sends nothing, but the media clock runs on: the next play's first
	// packet has a marker and a timestamp advanced by the gap.
	time.Sleep(100 * time.Millisecond)
	go func() { errc <- a.Play(ctx, frames[:1]) }()
	pk := peer.read(t, 2*time.Second)
	if pk == nil || !pk.Marker || pk.SequenceNumber != prev.SequenceNumber+1 || pk.Timestamp-prev.Timestamp < 160*5 || pk.Timestamp%160 != prev.Timestamp%160 {
		t.Fatalf("after a gap got %+v (prev seq %d ts %d)", pk, prev.SequenceNumber, prev.Timestamp)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestTwoSessionsTalk(t *testing.T) {
	p := testPool(t, 4)
	a, b := openSession(t, p), openSession(t, p)
	type got struct {
		ts uint32
		b0 byte
	}
	var mu sync.Mutex
	var rx []got
	b.SetAudioHandler(func(pt uint8, ts uint32, payload []byte) {
		if pt != 0 || len(payload) != 160 || payload[0] == 0xFF {
			return // idle silence
		}
		mu.Lock()
		rx = append(rx, got{ts, payload[0]})
		mu.Unlock()
	})
	must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
	must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	frames := testFrames(25)
	must(t, a.Play(ctx, frames))
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(rx)
		mu.Unlock()
		if n == len(frames) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rx) != len(frames) {
		t.Fatalf("received %d of %d frames", len(rx), len(frames))
	}
	for i, g := range rx {
		if g.b0 != byte(i+1) {
			t.Fatalf("frame %d out of order: %d", i, g.b0)
		}
		if i > 0 && g.ts != rx[i-1].ts+160 {
			t.Fatalf("frame %d ts %d after %d", i, g.ts, rx[i-1].ts)
		}
	}
	st := b.Stats()
	if st.PacketsReceived < uint64(len(frames)) || st.PacketsLost != 0 || !st.Latched {
		t.Errorf("b stats: %+v", st)
	}
	if sa := a.Stats(); sa.PacketsSent < uint64(len(frames)) {
		t.Errorf("a stats: %+v", sa)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSendDigitsDecodedOnce(t *testing.T) {
	p := testPool(t, 4)
	a, b := openSession(t, p), openSession(t, p)
	must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
	must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const digits = "159*#0D"
	must(t, a.SendDigits(ctx, "1w59*#0D", 100, 60))
	var got []byte
	for len(got) < len(digits) {
		e, ok := waitEvent(t, b, 2*time.Second)
		if !ok {
			t.Fatalf("got %q, want %q", got, digits)
		}
		if e.Kind == EventDigit {
			got = append(got, e.Digit)
		}
	}
	if string(got) != digits {
		t.Fatalf("got %q, want %q", got, digits)
	}
	if e, ok := waitEvent(t, b, 400*time.Millisecond); ok {
		t.Fatalf("extra event %+v", e)
	}
}

func TestSendDigitsWire(t *testing.T) {
	p := testPool(t, 2)
	a := openSession(t, p)
	peer := newRawPeer(t, loopback)
	a.SetIdle(false)
	must(t, a.Start(peer.addr, 0, 8000, 101))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() { _ = a.SendDigits(ctx, "5", 100, 100) }()
	var pkts []*rtp.Packet
	for {
		// The digit's packets come 20 ms apart; a second of quiet means it
		// is over (generous: make test runs packages side by side).
		pk := peer.read(t, time.Second)
		if pk == nil {
			break
		}
		pkts = append(pkts, pk)
	}
	// 100 ms tone: 4 updates (160..640) and the final packet (800) 3 times
	if len(pkts) != 7 {
		t.Fatalf("got %d packets", len(pkts))
	}
	for i, pk := range pkts {
		ev, err := DecodeTelephoneEvent(pk.Payload)
		must(t, err)
		if pk.PayloadType != 101 || ev.Event != 5 || pk.Timestamp != pkts[0].Timestamp {
			t.Fatalf("packet %d: pt %d event %d ts %d", i, pk.PayloadType, ev.Event, pk.Timestamp)
		}
		if (i == 0) != pk.Marker {
			t.Errorf("packet %d marker %v", i, pk.Marker)
		}
		if i > 0 && pk.SequenceNumber != pkts[i-1].SequenceNumber+1 {
			t.Errorf("packet %d seq not consecutive", i)
		}
		wantDur, wantEnd := uint16(160*(i+1)), false
		if i >= 4 {
			wantDur, wantEnd = 800, true
		}
		if ev.Duration != wantDur || ev.End != wantEnd {
			t.Errorf("packet %d: duration %d end %v, want %d %v", i, ev.Duration, ev.End, wantDur, wantEnd)
		}
	}
}

// injected telephone-event packets, sipp-style: foreign SSRC, end packets
// sharing one sequence number.
func TestReceiveDigitRules(t *testing.T) {
	p := testPool(t, 2)
	b := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, b.Start(peer.addr, 0, 8000, 101))
	ev := func(seq uint16, ts uint32, code uint8, end bool, dur uint16, marker bool) *rtp.Packet {
		pl := make([]byte, 4)
		TelephoneEvent{Event: code, End: end, Volume: 10, Duration: dur}.marshalTo(pl)
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: seq, Timestamp: ts, SSRC: 0x0e05384e, Marker: marker}, Payload: pl}
	}
	// digit 7: updates growing by 320, three end packets with the same seq
	peer.send(t, b.LocalAddr(), ev(100, 8000, 7, false, 320, true))
	peer.send(t, b.LocalAddr(), ev(101, 8000, 7, false, 640, false))
	for range 3 {
		peer.send(t, b.LocalAddr(), ev(102, 8000, 7, true, 960, false))
	}
	e, ok := waitEvent(t, b, time.Second)
	if !ok || e.Kind != EventDigit || e.Digit != '7' {
		t.Fatalf("got %+v %v", e, ok)
	}
	// a late duplicate end packet much later is still ignored
	time.Sleep(250 * time.Millisecond)
	peer.send(t, b.LocalAddr(), ev(102, 8000, 7, true, 960, false))
	if e, ok := waitEvent(t, b, 300*time.Millisecond); ok {
		t.Fatalf("duplicate reported: %+v", e)
	}
	// digit 3 whose end packets are lost: reported about 200 ms after the last update
	sent := time.Now()
	peer.send(t, b.LocalAddr(), ev(110, 16000, 3, false, 160, true))
	peer.send(t, b.LocalAddr(), ev(111, 16000, 3, false, 320, false))
	e, ok = waitEvent(t, b, 2*time.Second)
	if !ok || e.Digit != '3' {
		t.Fatalf("lost-end digit: %+v %v", e, ok)
	}
	if el := time.Since(sent); el < 150*time.Millisecond {
		t.Errorf("lost-end digit reported after %v, before the 200 ms timeout", el)
	}
	if e, ok := waitEvent(t, b, 300*time.Millisecond); ok {
		t.Fatalf("extra: %+v", e)
	}
	if st := b.Stats(); st.Digits != 2 {
		t.Errorf("digits = %d", st.Digits)
	}
}

func TestDropsBadPackets(t *testing.T) {
	p := testPool(t, 2)
	b := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, b.Start(peer.addr, 0, 8000, 101))
	send := func(buf []byte) {
		if _, err := peer.conn.WriteToUDPAddrPort(buf, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	good, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 1, SSRC: 9}, Payload: make([]byte, 160)}).Marshal()
	wrong, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 2, Timestamp: 1, SSRC: 9}, Payload: make([]byte, 160)}).Marshal()
	send(good)
	send(wrong)
	send(good[:5])                                      // truncated
	send(make([]byte, 3000))                            // huge
	send([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}) // extension bit, no extension
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		st := b.Stats()
		if st.PacketsReceived == 1 && st.WrongPT == 1 && st.Huge == 1 && st.Malformed == 2 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("stats %+v", b.Stats())
}

func TestLatching(t *testing.T) {
	old := latchWindow
	latchWindow = 300 * time.Millisecond
	defer func() { latchWindow = old }()
	p := testPool(t, 2)
	pkt := func(seq uint16) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 42}, Payload: make([]byte, 160)}
	}
	other := netip.MustParseAddr("127.0.0.2")

	t.Run("other port, SDP IP, after the window", func(t *testing.T) {
		s := openSession(t, p)
		sdp := newRawPeer(t, loopback)  // what SDP says
		real := newRawPeer(t, loopback) // where the peer really sends from
		must(t, s.Start(sdp.addr, 0, 8000, -1))
		time.Sleep(latchWindow + 50*time.Millisecond)
		for seq := uint16(1); seq <= learnPackets; seq++ {
			real.send(t, s.LocalAddr(), pkt(seq))
		}
		waitFor(t, func() bool { return s.Stats().Latched })
		if got := s.Stats().Remote; got != real.addr {
			t.Fatalf("latched to %v, want %v", got, real.addr)
		}
		if pk := real.read(t, time.Second); pk == nil {
			t.Fatal("no RTP at the latched address")
		}
		// an attacker on another address is ignored once latched
		bad := newRawPeer(t, other)
		bad.send(t, s.LocalAddr(), pkt(20))
		waitFor(t, func() bool { return s.Stats().Foreign == learnPackets })
		if got := s.Stats().Remote; got != real.addr {
			t.Fatalf("re-latched to %v", got)
		}
	})
	t.Run("other IP within the window", func(t *testing.T) {
		s := openSession(t, p)
		sdp := newRawPeer(t, loopback)
		nat := newRawPeer(t, other)
		must(t, s.Start(sdp.addr, 0, 8000, -1))
		for seq := uint16(1); seq <= learnPackets; seq++ {
			nat.send(t, s.LocalAddr(), pkt(seq))
		}
		waitFor(t, func() bool { return s.Stats().Latched })
		if got := s.Stats().Remote; got != nat.addr {
			t.Fatalf("latched to %v, want %v", got, nat.addr)
		}
	})
	t.Run("stray packets within the window never latch", func(t *testing.T) {
		s := openSession(t, p)
		sdp := newRawPeer(t, loopback)
		stranger := newRawPeer(t, other)
		must(t, s.Start(sdp.addr, 0, 8000, -1))
		for _, seq := range []uint16{7, 3, 9, 9, 1} { // not in sequence
			stranger.send(t, s.LocalAddr(), pkt(seq))
		}
		waitFor(t, func() bool { return s.Stats().Foreign == 5 })
		// The SDP address itself is taken at once.
		sdp.send(t, s.LocalAddr(), pkt(100))
		waitFor(t, func() bool { return s.Stats().Latched })
		if st := s.Stats(); st.Remote != sdp.addr || st.PacketsReceived != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("other IP after the window", func(t *testing.T) {
		s := openSession(t, p)
		sdp := newRawPeer(t, loopback)
		bad := newRawPeer(t, other)
		must(t, s.Start(sdp.addr, 0, 8000, -1))
		time.Sleep(latchWindow + 50*time.Millisecond)
		bad.send(t, s.LocalAddr(), pkt(1))
		waitFor(t, func() bool { return s.Stats().Foreign == 1 })
		if st := s.Stats(); st.Latched || st.Remote != sdp.addr || st.PacketsReceived != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMediaTimeoutAndHold(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	s.SetMediaTimeout(300 * time.Millisecond)
	s.Hold(true)
	must(t, s.Start(peer.addr, 0, 8000, -1))
	if e, ok := waitEvent(t, s, 600*time.Millisecond); ok {
		t.Fatalf("event while on hold: %+v", e)
	}
	s.Hold(false)
	start := time.Now()
	e, ok := waitEvent(t, s, 2*time.Second)
	if !ok || e.Kind != EventTimeout {
		t.Fatalf("got %+v %v", e, ok)
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Errorf("timeout after %v", el)
	}
	// fired once, not again
	if e, ok := waitEvent(t, s, 500*time.Millisecond); ok {
		t.Fatalf("second event %+v", e)
	}
}

func TestBargeIn(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.Start(peer.addr, 0, 8000, -1))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := s.Play(ctx, testFrames(250)) // 5 s
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("Play = %v after %v", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	must(t, s.Play(ctx2, testFrames(3)))
}

func TestPoolExhaustionAndRelease(t *testing.T) {
	p := testPool(t, 1)
	s, err := p.Open()
	must(t, err)
	port := s.LocalAddr().Port()
	if port%2 != 0 {
		t.Errorf("odd RTP port %d", port)
	}
	if _, err := p.Open(); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("second Open = %v", err)
	}
	must(t, s.Close())
	if p.InUse() != 0 {
		t.Fatalf("in use %d", p.InUse())
	}
	s2, err := p.Open()
	must(t, err)
	defer s2.Close()
	if s2.LocalAddr().Port() != port {
		t.Fatalf("got port %d, want %d back", s2.LocalAddr().Port(), port)
	}
}

func TestPoolRotates(t *testing.T) {
	p := testPool(t, 3)
	a, err := p.Open()
	must(t, err)
	pa := a.LocalAddr().Port()
	must(t, a.Close())
	b, err := p.Open()
	must(t, err)
	defer b.Close()
	if b.LocalAddr().Port() == pa {
		t.Fatalf("pair %d reused at once", pa)
	}
}

func TestCloseNoLeaks(t *testing.T) {
	base := runtime.NumGoroutine()
	p := testPool(t, 20)
	var ss []*Session
	for range 10 {
		s, err := p.Open()
		must(t, err)
		ss = append(ss, s)
	}
	for i, s := range ss {
		must(t, s.Start(ss[(i+1)%len(ss)].LocalAddr(), 0, 8000, 101))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Play(ctx, testFrames(5)) }()
	}
	wg.Wait()
	for _, s := range ss {
		must(t, s.Close())
		var last Event
		for e := range s.Events() {
			last = e
		}
		if last.Kind != EventClosed {
			t.Fatalf("last event %+v", last)
		}
	}
	if p.InUse() != 0 {
		t.Fatalf("in use %d", p.InUse())
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d > %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := ss[0].Play(ctx, testFrames(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Play after Close = %v", err)
	}
}

func TestRTCP(t *testing.T) {
	p := testPool(t, 4)
	a, b := openSession(t, p), openSession(t, p)
	must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
	must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	must(t, a.Play(ctx, testFrames(10)))
	waitFor(t, func() bool { return b.Stats().PacketsReceived >= 10 })
	a.sendRTCP(false) // an SR
	waitFor(t, func() bool { return b.Stats().RTCPReceived == 1 })
	b.sendRTCP(false) // an RR/SR with a report block on a, LSR set
	waitFor(t, func() bool { return a.Stats().RTCPReceived == 1 })
	if st := b.Stats(); st.PacketsLost != 0 || st.Jitter < 0 || st.JitterMs > 20 {
		t.Errorf("b stats %+v", st)
	}

	// BYE on Close, to the RTCP port of the remote
	peerRTCP := newRawPeer(t, loopback)
	c := openSession(t, p)
	c.SetRemoteRTCP(peerRTCP.addr)
	must(t, c.Start(netip.AddrPortFrom(loopback, 9), 0, 8000, -1))
	time.Sleep(50 * time.Millisecond)
	must(t, c.Close())
	buf := make([]byte, 1500)
	_ = peerRTCP.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := peerRTCP.conn.ReadFromUDPAddrPort(buf)
	must(t, err)
	pkts, err := rtcp.Unmarshal(buf[:n])
	must(t, err)
	var sawBye, sawCNAME bool
	for _, pk := range pkts {
		switch pk := pk.(type) {
		case *rtcp.Goodbye:
			sawBye = len(pk.Sources) == 1 && pk.Sources[0] == c.SSRC()
		case *rtcp.SourceDescription:
			sawCNAME = len(pk.Chunks) == 1 && pk.Chunks[0].Items[0].Type == rtcp.SDESCNAME
		}
	}
	if !sawBye || !sawCNAME {
		t.Fatalf("BYE %v CNAME %v in %v", sawBye, sawCNAME, pkts)
	}
}

func TestHotPathAllocs(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.Start(peer.addr, 0, 8000, 101))
	s.SetAudioHandler(func(uint8, uint32, []byte) {})
	var h histogram
	s.mu.Lock()
	frames := testFrames(1000)
	s.job, s.frames, s.pos = jobAudio, frames, 0
	s.mu.Unlock()
	sendAllocs := testing.AllocsPerRun(200, func() {
		s.mu.Lock()
		s.produce(true, monoNow(), &h)
		s.mu.Unlock()
	})
	if sendAllocs != 0 {
		t.Errorf("send path allocates %.1f per packet", sendAllocs)
	}
	s.mu.Lock()
	s.endJob(false)
	s.mu.Unlock()
	buf, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 7}, Payload: make([]byte, 160)}).Marshal()
	seq := uint16(0)
	recvAllocs := testing.AllocsPerRun(200, func() {
		seq++
		buf[2], buf[3] = byte(seq>>8), byte(seq)
		s.handleRTP(buf, peer.addr, monoNow())
	})
	if recvAllocs != 0 {
		t.Errorf("receive path allocates %.1f per packet", recvAllocs)
	}
	h.record(time.Millisecond)
	histAllocs := testing.AllocsPerRun(100, func() { h.record(2 * time.Millisecond) })
	if histAllocs != 0 {
		t.Errorf("histogram allocates")
	}
}

// TestHoldSendsNothing: while the caller holds us nothing is sent, the
// prompt still finishes in time, and after hold the stream resumes with a
// marker and a timestamp that kept running.
func TestHoldSendsNothing(t *testing.T) {
	p := testPool(t, 2)
	a := openSession(t, p)
	peer := newRawPeer(t, loopback)
	a.SetIdle(false)
	must(t, a.Start(peer.addr, 0, 8000, -1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, a.Play(ctx, testFrames(1)))
	first := peer.read(t, 2*time.Second)
	if first == nil {
		t.Fatal("no packet before hold")
	}
	a.Hold(true)
	start := time.Now()
	must(t, a.Play(ctx, testFrames(10)))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("a held prompt took %s: it should still run in time", d)
	}
	if pk := peer.read(t, 100*time.Millisecond); pk != nil {
		t.Fatalf("sent %+v while on hold", pk.Header)
	}
	a.Hold(false)
	go func() { _ = a.Play(ctx, testFrames(3)) }()
	pk := peer.read(t, 2*time.Second)
	if pk == nil || !pk.Marker {
		t.Fatalf("after hold: %+v", pk)
	}
	if d := pk.Timestamp - first.Timestamp; d < 10*160 {
		t.Fatalf("timestamp advanced %d through the hold; want at least the 10 held frames", d)
	}
}
