package media

import (
	"net/netip"
	"testing"
	"time"
)

// TestTickBeforeFrameZero: a slot visited before its session's frame 0 is
// due (a wheel catching up on a late wake serves the ticks before the
// session was added) sends nothing and keeps the media clock at frame 0.
// Integer division truncated the negative offset to frame 0, which then
// went out up to 20 ms early: the bench's CPS rows showed a 20 ms
// deviation at the second frame of calls started while the box was busy.
func TestTickBeforeFrameZero(t *testing.T) {
	pool := NewPortPool(netip.MustParseAddr("127.0.0.1"), 47100, 47199)
	s := openSession(t, pool)
	peer := newRawPeer(t, netip.MustParseAddr("127.0.0.1"))
	for _, ahead := range []time.Duration{19 * time.Millisecond, 10 * time.Millisecond, time.Millisecond} {
		s.mu.Lock()
		s.dest = peer.addr
		s.started = true
		s.idleSilence = true
		s.spf, s.silence = 160, silenceFrame(0, 160)
		s.start = monoNow() + ahead
		s.next = 0
		s.mu.Unlock()
		var h histogram
		s.tick(&h)
		s.mu.Lock()
		next := s.next
		s.mu.Unlock()
		if next != 0 {
			t.Fatalf("frame 0 due in %v: the tick produced %d frames", ahead, next)
		}
		if p := peer.read(t, 5*time.Millisecond); p != nil {
			t.Fatalf("frame 0 due in %v: a packet went out early (seq %d)", ahead, p.SequenceNumber)
		}
	}
	// Once due, it goes.
	s.mu.Lock()
	s.start = monoNow() - time.Millisecond
	s.mu.Unlock()
	var h histogram
	s.tick(&h)
	if p := peer.read(t, time.Second); p == nil {
		t.Fatal("frame 0 due: nothing sent")
	}
}
