package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// FuzzBridgeRelay feeds arbitrary datagrams (and arbitrary receive control
// messages) to a bridged leg: nothing panics, and whatever goes out on the
// other leg carries that leg's SSRC and one of its payload types.
func FuzzBridgeRelay(f *testing.F) {
	p := NewPortPool(loopback, 41000, 41999)
	a, err := p.Open()
	if err != nil {
		f.Skip(err)
	}
	defer a.Close()
	b, err := p.Open()
	if err != nil {
		f.Skip(err)
	}
	defer b.Close()
	peer := netip.MustParseAddrPort("127.0.0.1:9")
	// started by hand, off the pacer (see FuzzReceive)
	for _, s := range []*Session{a, b} {
		s.mu.Lock()
		s.started, s.remote, s.dest, s.clockRate, s.spf = true, peer, peer, 8000, 160
		s.latchUntil = monoNow() + time.Hour
		s.mu.Unlock()
	}
	a.pt, a.dtmfPT = 0, 101
	b.pt, b.dtmfPT = 8, 96
	st := NewStereoTap(func(l, r []int16) error { return nil })
	r := &relay{from: a, to: b, ch: ChannelCaller, tap: st.Tap, hasTap: true}
	r.tapFn = r.deliverTap
	attach(b, r)
	a.relayOut.Store(r)
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 1, 0xff, 0xff}, []byte{})
	f.Add([]byte{0x80, 101, 0, 2, 0, 0, 0, 160, 0, 0, 0, 1, 5, 0x8a, 3, 0x20}, []byte{32, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 35, 0, 0, 0})
	f.Add([]byte{0x80, 0, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 2, 1}, make([]byte, 48))
	f.Fuzz(func(t *testing.T, pkt, oob []byte) {
		a.mu.Lock()
		a.dest, a.latched = peer, false
		a.mu.Unlock()
		_ = rxArrival(oob)
		before := b.sentPackets
		a.handleRTP(pkt, peer, monoNow())
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.sentPackets == before {
			return
		}
		var h rtp.Header
		if _, err := h.Unmarshal(b.txBuf); err != nil {
			t.Fatalf("sent a bad header: %v", err)
		}
		if h.SSRC != b.ssrc || (h.PayloadType != 8 && h.PayloadType != 96) {
			t.Fatalf("sent SSRC %08x PT %d", h.SSRC, h.PayloadType)
		}
	})
}
