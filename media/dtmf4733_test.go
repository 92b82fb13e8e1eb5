package media

import (
	"net/netip"
	"testing"
	"time"
)

func evPayload(code uint8, end bool, dur uint16) []byte {
	b := make([]byte, 4)
	TelephoneEvent{Event: code, End: end, Volume: 10, Duration: dur}.marshalTo(b)
	return b
}

func TestDecoder(t *testing.T) {
	type step struct {
		ssrc, ts uint32
		code     uint8
		end      bool
		at       time.Duration // push time; negative = expire at -at
		want     string
	}
	ms := time.Millisecond
	tests := []struct {
		name  string
		steps []step
	}{
		{"end reports once", []step{
			{1, 100, 5, false, 0, ""}, {1, 100, 5, false, 20 * ms, ""},
			{1, 100, 5, true, 40 * ms, "5"}, {1, 100, 5, true, 41 * ms, ""}, {1, 100, 5, true, 42 * ms, ""},
			{0, 0, 0, false, -500 * ms, ""},
		}},
		{"only end packets", []step{{1, 100, 11, true, 0, "#"}, {1, 100, 11, true, 1, ""}}},
		{"lost end times out", []step{
			{1, 100, 1, false, 0, ""}, {0, 0, 0, false, -150 * ms, ""}, {0, 0, 0, false, -200 * ms, "1"},
			{1, 100, 1, true, 300 * ms, ""}, // the late end is a duplicate
		}},
		{"new event ends the old one", []step{{1, 100, 1, false, 0, ""}, {1, 900, 2, true, 20 * ms, "12"}}},
		{"same digit twice is two events", []step{{1, 100, 4, true, 0, "4"}, {1, 900, 4, true, 200 * ms, "4"}}},
		{"other SSRC same ts", []step{{1, 100, 4, true, 0, "4"}, {2, 100, 4, true, 0, "4"}}},
		{"flash ignored", []step{{1, 100, 16, true, 0, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d dtmfDecoder
			for i, s := range tt.steps {
				var got string
				if s.at < 0 {
					if c, ok := d.expire(-s.at); ok {
						got = string(c)
					}
				} else {
					out, n := d.push(s.ssrc, s.ts, evPayload(s.code, s.end, 160), s.at)
					got = string(out[:n])
				}
				if got != s.want {
					t.Fatalf("step %d: got %q want %q", i, got, s.want)
				}
			}
		})
	}
}

func TestDigitMapping(t *testing.T) {
	for i, c := range []byte("0123456789*#ABCD") {
		code, ok := DigitEvent(c)
		if !ok || int(code) != i {
			t.Fatalf("%c -> %d %v", c, code, ok)
		}
		back, ok := EventChar(code)
		if !ok || back != c {
			t.Fatalf("%d -> %c", code, back)
		}
	}
	if _, ok := DigitEvent('x'); ok {
		t.Fatal("x is not a digit")
	}
	if c, _ := DigitEvent('b'); c != 13 {
		t.Fatal("lower-case b")
	}
}

func TestReorder(t *testing.T) {
	tests := []struct {
		name string
		in   []uint16
		want []uint16
	}{
		{"in order", []uint16{1, 2, 3, 4}, []uint16{1, 2, 3, 4}},
		{"swap", []uint16{1, 3, 2, 4}, []uint16{1, 2, 3, 4}},
		{"late dropped", []uint16{1, 2, 3, 2, 1}, []uint16{1, 2, 3}},
		{"gap given up after 3", []uint16{1, 3, 4, 5, 6}, []uint16{1, 3, 4, 5, 6}},
		{"wrap", []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reorderBuffer
			var got []uint16
			for _, seq := range tt.in {
				r.push(seq, 0, uint32(seq)*160, []byte{byte(seq)}, func(_ uint8, ts uint32, p []byte) {
					got = append(got, uint16(ts/160))
					if p[0] != byte(ts/160) {
						t.Fatalf("payload mismatch")
					}
				})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v want %v", got, tt.want)
				}
			}
		})
	}
}

func FuzzDecode4733(f *testing.F) {
	f.Add(evPayload(5, false, 160), uint32(1), uint32(100))
	f.Add(evPayload(5, true, 800), uint32(1), uint32(100))
	f.Add([]byte{0xff}, uint32(0), uint32(0))
	f.Add([]byte{16, 0x8a, 0, 0, 1, 2, 3}, uint32(7), uint32(7))
	f.Fuzz(func(t *testing.T, payload []byte, ssrc, ts uint32) {
		ev, err := DecodeTelephoneEvent(payload)
		if err == nil {
			b := make([]byte, 4)
			ev.marshalTo(b)
			ev2, _ := DecodeTelephoneEvent(b)
			if ev2 != ev {
				t.Fatalf("round trip %+v != %+v", ev2, ev)
			}
		}
		var d dtmfDecoder
		total := 0
		for i := range 5 { // the same packet again and again reports at most once
			_, n := d.push(ssrc, ts, payload, time.Duration(i)*time.Millisecond)
			total += n
		}
		if _, ok := d.expire(time.Second); ok {
			total++
		}
		if total > 1 {
			t.Fatalf("one event reported %d times", total)
		}
	})
}

func FuzzReceive(f *testing.F) {
	p := NewPortPool(loopback, 40000, 40999)
	s, err := p.Open()
	if err != nil {
		f.Skip(err)
	}
	defer s.Close()
	peer := netip.MustParseAddrPort("127.0.0.1:9")
	// Started by hand, not on the pacer: a wheel goroutine running beside the
	// fuzz function makes coverage flaky and minimization crawl.
	s.mu.Lock()
	s.started, s.remote, s.dest, s.pt, s.dtmfPT, s.clockRate, s.spf = true, peer, peer, 0, 101, 8000, 160
	s.latchUntil = monoNow() + time.Hour
	s.mu.Unlock()
	s.SetAudioHandler(func(uint8, uint32, []byte) {})
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 1, 0xff, 0xff})
	f.Add([]byte{0x80, 101, 0, 2, 0, 0, 0, 160, 0, 0, 0, 1, 5, 0x8a, 3, 0x20})
	f.Add([]byte{0xbf, 0xe5, 0, 2, 0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		// each input starts from the same receive state, or coverage depends
		// on earlier inputs and minimization never settles
		s.mu.Lock()
		s.dest, s.latched = peer, false
		s.mu.Unlock()
		s.rxMu.Lock()
		s.dec, s.rx = dtmfDecoder{}, rxStats{}
		s.rxMu.Unlock()
		s.reorder = nil
		for len(s.events) > 0 {
			<-s.events
		}
		s.handleRTP(b, peer, monoNow())
		s.handleRTCP(b, peer.Addr(), monoNow())
	})
}
