package media

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard/switchboard/media/g711"
)

// bridgeRig is two call legs (sessions a and b) and their far ends: pa is
// the caller's phone, pb the far end's, each a plain UDP socket speaking RTP
// through pion/rtp.
type bridgeRig struct {
	a, b   *Session
	pa, pb *rawPeer
	ptA    uint8
	ptB    uint8
}

func newBridgeRig(t *testing.T, ptA, ptB uint8, dtmfA, dtmfB int) *bridgeRig {
	t.Helper()
	p := testPool(t, 4)
	r := &bridgeRig{a: openSession(t, p), b: openSession(t, p), pa: newRawPeer(t, loopback), pb: newRawPeer(t, loopback), ptA: ptA, ptB: ptB}
	must(t, r.a.Start(r.pa.addr, ptA, 8000, dtmfA))
	must(t, r.b.Start(r.pb.addr, ptB, 8000, dtmfB))
	return r
}

type bridgeResult struct {
	st  *BridgeStats
	err error
}

// run starts the bridge; stop ends it and returns its result.
func (r *bridgeRig) run(t *testing.T, opts BridgeOptions) (stop func() bridgeResult) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bridgeResult, 1)
	go func() {
		st, err := Bridge(ctx, r.a, r.b, opts)
		done <- bridgeResult{st, err}
	}()
	waitFor(t, func() bool { return r.a.relayOut.Load() != nil && r.b.relayOut.Load() != nil })
	var once sync.Once
	var res bridgeResult
	stop = func() bridgeResult {
		once.Do(func() {
			cancel()
			select {
			case res = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("bridge did not end after cancel")
			}
		})
		return res
	}
	t.Cleanup(func() { stop() })
	return stop
}

// stream is what a test phone sends: packets paced 20 ms apart.
type stream struct {
	pt     uint8
	ssrc   uint32
	seq    uint16
	ts     uint32
	frames [][]byte
	order  []int // optional send order of frame indexes (reordering)
}

// send plays s from peer to addr in a goroutine; the channel reports the end.
func (p *rawPeer) sendStream(to netip.AddrPort, s stream) <-chan error {
	done := make(chan error, 1)
	go func() {
		order := s.order
		if order == nil {
			for i := range s.frames {
				order = append(order, i)
			}
		}
		next := time.Now()
		for k, i := range order {
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, Marker: k == 0, PayloadType: s.pt, SSRC: s.ssrc,
				SequenceNumber: s.seq + uint16(i), Timestamp: s.ts + uint32(i)*160}, Payload: s.frames[i]}
			b, _ := pkt.Marshal()
			if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
				done <- err
				return
			}
			next = next.Add(frameDur)
			time.Sleep(time.Until(next))
		}
		done <- nil
	}()
	return done
}

// collect reads packets until d passes.
func (p *rawPeer) collect(t *testing.T, d time.Duration) []*rtp.Packet {
	t.Helper()
	var out []*rtp.Packet
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if pkt := p.read(t, time.Until(end)); pkt != nil {
			out = append(out, pkt)
		}
	}
	return out
}

func lawOf(pt uint8) g711.Law {
	if pt == 8 {
		return g711.Alaw
	}
	return g711.Ulaw
}

// tone is a sine of freq Hz at amplitude amp, n frames of 160 samples.
func tone(freq float64, amp float64, n int) []int16 {
	pcm := make([]int16, 160*n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	return pcm
}

func encodeFrames(law g711.Law, pcm []int16) [][]byte {
	var frames [][]byte
	for i := 0; i+160 <= len(pcm); i += 160 {
		f := make([]byte, 160)
		law.Encode(f, pcm[i:i+160])
		frames = append(frames, f)
	}
	return frames
}

// goertzel is the power of freq in pcm (8 kHz), normalised by length.
func goertzel(pcm []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, x := range pcm {
		s0 := float64(x) + k*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	n := float64(len(pcm))
	return p / (n * n)
}

func isSilence(pt uint8, payload []byte) bool {
	s := lawOf(pt).Silence()
	for _, c := range payload {
		if c != s {
			return false
		}
	}
	return true
}

// checkContinuous asserts that what a phone received from its leg is one
// stream: the leg's SSRC, sequence +1 each packet, timestamps increasing.
func checkContinuous(t *testing.T, who string, pkts []*rtp.Packet, ssrc uint32) {
	t.Helper()
	for i, p := range pkts {
		if p.SSRC != ssrc {
			t.Fatalf("%s: packet %d SSRC %08x, want the leg's %08x (a leak of the other leg's)", who, i, p.SSRC, ssrc)
		}
		if i == 0 {
			continue
		}
		q := pkts[i-1]
		if p.SequenceNumber != q.SequenceNumber+1 {
			t.Fatalf("%s: packet %d seq %d after %d", who, i, p.SequenceNumber, q.SequenceNumber)
		}
		if d := int32(p.Timestamp - q.Timestamp); d <= 0 || d > 8000 {
			t.Fatalf("%s: packet %d timestamp step %d", who, i, d)
		}
	}
}

// TestBridgeRelaysTone: a tone from each phone reaches the other, both ways
// at once, copied or transcoded, inside each leg's own continuous stream; the
// recording tap gets both directions in their channels.
func TestBridgeRelaysTone(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ptA, ptB uint8
	}{
		{"ulaw-ulaw", 0, 0}, {"ulaw-alaw", 0, 8}, {"alaw-ulaw", 8, 0}, {"alaw-alaw", 8, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newBridgeRig(t, tc.ptA, tc.ptB, 101, 101)
			var tapMu sync.Mutex
			tapped := map[Channel][]int16{}
			tapPos := map[Channel][]int64{}
			stop := r.run(t, BridgeOptions{Tap: func(ch Channel, pos int64, pcm []int16) {
				tapMu.Lock()
				tapped[ch] = append(tapped[ch], pcm...)
				tapPos[ch] = append(tapPos[ch], pos)
				tapMu.Unlock()
			}})
			const n = 40
			srcA := encodeFrames(lawOf(tc.ptA), tone(1000, 8000, n))
			srcB := encodeFrames(lawOf(tc.ptB), tone(1500, 8000, n))
			doneA := r.pa.sendStream(r.a.LocalAddr(), stream{pt: tc.ptA, ssrc: 0xA1, seq: 65530, ts: 4e9, frames: srcA})
			doneB := r.pb.sendStream(r.b.LocalAddr(), stream{pt: tc.ptB, ssrc: 0xB1, seq: 7, ts: 99, frames: srcB})
			var gotB, gotA []*rtp.Packet
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); gotA = r.pa.collect(t, n*frameDur+300*time.Millisecond) }()
			gotB = r.pb.collect(t, n*frameDur+300*time.Millisecond)
			wg.Wait()
			must(t, <-doneA)
			must(t, <-doneB)
			res := stop()
			must(t, res.err)

			for _, d := range []struct {
				who     string
				got     []*rtp.Packet
				ssrc    uint32
				inPT    uint8
				outPT   uint8
				src     [][]byte
				freq    float64
				other   float64
				counts  RelayCounts
				channel Channel
			}{
				{"far end", gotB, r.b.SSRC(), tc.ptA, tc.ptB, srcA, 1000, 1500, res.st.CallerTo, ChannelCaller},
				{"caller", gotA, r.a.SSRC(), tc.ptB, tc.ptA, srcB, 1500, 1000, res.st.FarEndTo, ChannelFarEnd},
			} {
				checkContinuous(t, d.who, d.got, d.ssrc)
				var relayed []*rtp.Packet
				for _, p := range d.got {
					if p.PayloadType != d.outPT {
						t.Fatalf("%s: PT %d, want %d", d.who, p.PayloadType, d.outPT)
					}
					if !isSilence(d.outPT, p.Payload) {
						relayed = append(relayed, p)
					}
				}
				if len(relayed) != n {
					t.Fatalf("%s: %d tone frames, want %d", d.who, len(relayed), n)
				}
				if !relayed[0].Marker {
					t.Errorf("%s: first relayed frame has no marker", d.who)
				}
				var pcm []int16
				for i, p := range relayed {
					if i > 0 && p.Timestamp-relayed[i-1].Timestamp != 160 {
						t.Fatalf("%s: tone frame %d timestamp step %d", d.who, i, p.Timestamp-relayed[i-1].Timestamp)
					}
					if d.inPT == d.outPT && string(p.Payload) != string(d.src[i]) {
						t.Fatalf("%s: frame %d not copied verbatim", d.who, i)
					}
					got := make([]int16, 160)
					lawOf(d.outPT).Decode(got, p.Payload)
					want := make([]int16, 160)
					lawOf(d.inPT).Decode(want, d.src[i])
					for j := range got {
						if diff := math.Abs(float64(got[j]) - float64(want[j])); diff > math.Abs(float64(want[j]))/16+16 {
							t.Fatalf("%s: frame %d sample %d = %d, sent %d", d.who, i, j, got[j], want[j])
						}
					}
					pcm = append(pcm, got...)
				}
				if on, off := goertzel(pcm, d.freq), goertzel(pcm, d.other); on < 100*off || on < 1e6 {
					t.Fatalf("%s: %.0f Hz power %.3g, %.0f Hz %.3g", d.who, d.freq, on, d.other, off)
				}
				if d.counts.Packets != n || d.counts.Resyncs != 1 {
					t.Errorf("%s: counts %+v", d.who, d.counts)
				}
				if (d.inPT != d.outPT) != (d.counts.Transcoded == n) {
					t.Errorf("%s: transcoded %d", d.who, d.counts.Transcoded)
				}
				tapMu.Lock()
				tp, tpos := tapped[d.channel], tapPos[d.channel]
				tapMu.Unlock()
				if len(tp) != n*160 {
					t.Fatalf("%s: tap channel %v got %d samples", d.who, d.channel, len(tp))
				}
				for i := 1; i < len(tpos); i++ {
					if tpos[i]-tpos[i-1] != 160 {
						t.Fatalf("%s: tap positions %v", d.who, tpos)
					}
				}
				if tpos[0] < 0 || tpos[0] > 8000 {
					t.Errorf("%s: tap starts at sample %d", d.who, tpos[0])
				}
				if on, off := goertzel(tp, d.freq), goertzel(tp, d.other); on < 100*off {
					t.Fatalf("%s: tap %.0f Hz power %.3g, %.0f Hz %.3g", d.who, d.freq, on, d.other, off)
				}
			}
		})
	}
}

// eventPackets is one RFC 4733 digit as phones send it: updates with a
// growing duration, then three end packets, all with the event's timestamp.
func eventPackets(pt uint8, ssrc uint32, seq uint16, ts uint32, digit byte) []rtp.Packet {
	code, _ := DigitEvent(digit)
	var out []rtp.Packet
	for i := range 8 {
		ev := TelephoneEvent{Event: code, Volume: 10, Duration: uint16(160 * (i + 1)), End: i >= 5}
		if ev.End {
			ev.Duration = 160 * 6
		}
		b := make([]byte, 4)
		ev.marshalTo(b)
		out = append(out, rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == 0, PayloadType: pt, SSRC: ssrc,
			SequenceNumber: seq + uint16(i), Timestamp: ts}, Payload: b})
	}
	return out
}

// TestBridgeDigitsPassThrough: RFC 4733 digits cross the bridge in the other
// leg's payload type, SSRC, sequence and timestamp spaces, both ways; a leg
// without telephone-event drops them (counted).
func TestBridgeDigitsPassThrough(t *testing.T) {
	r := newBridgeRig(t, 0, 8, 101, 96)
	stop := r.run(t, BridgeOptions{})
	for _, d := range []struct {
		from, to   *rawPeer
		leg        netip.AddrPort
		inPT, outP uint8
		ssrc       uint32
		digit      byte
	}{
		{r.pa, r.pb, r.a.LocalAddr(), 101, 96, r.b.SSRC(), '5'},
		{r.pb, r.pa, r.b.LocalAddr(), 96, 101, r.a.SSRC(), '#'},
	} {
		for _, p := range eventPackets(d.inPT, 0xD7, 300, 123456, d.digit) {
			d.from.send(t, d.leg, &p)
			time.Sleep(frameDur)
		}
		var evs []*rtp.Packet
		for _, p := range d.to.collect(t, 200*time.Millisecond) {
			if p.PayloadType == d.outP {
				evs = append(evs, p)
			}
		}
		if len(evs) != 8 {
			t.Fatalf("digit %c: %d event packets arrived, want 8", d.digit, len(evs))
		}
		code, _ := DigitEvent(d.digit)
		for i, p := range evs {
			ev, err := DecodeTelephoneEvent(p.Payload)
			must(t, err)
			if p.SSRC != d.ssrc || ev.Event != code || p.Timestamp != evs[0].Timestamp || ev.End != (i >= 5) {
				t.Fatalf("digit %c packet %d: SSRC %08x ts %d event %+v", d.digit, i, p.SSRC, p.Timestamp, ev)
			}
			if i > 0 && p.SequenceNumber != evs[i-1].SequenceNumber+1 {
				t.Fatalf("digit %c: seq %d after %d", d.digit, p.SequenceNumber, evs[i-1].SequenceNumber)
			}
		}
		if !evs[0].Marker {
			t.Errorf("digit %c: no marker on the event's first packet", d.digit)
		}
	}
	res := stop()
	if res.st.CallerTo.Events != 8 || res.st.FarEndTo.Events != 8 {
		t.Fatalf("counts %+v / %+v", res.st.CallerTo, res.st.FarEndTo)
	}

	// a far end without telephone-event
	r2 := newBridgeRig(t, 0, 0, 101, -1)
	stop2 := r2.run(t, BridgeOptions{})
	for _, p := range eventPackets(101, 1, 1, 1, '1') {
		r2.pa.send(t, r2.a.LocalAddr(), &p)
	}
	// The digit is reported at its first end packet; the two end
	// retransmissions after it are dropped too, once they have arrived.
	waitFor(t, func() bool { return r2.a.Stats().Digits == 1 && r2.a.relayOut.Load().eventsDropped.Load() == 8 })
	if res := stop2(); res.st.CallerTo.EventsDropped != 8 || res.st.CallerTo.Events != 0 {
		t.Fatalf("counts %+v", res.st.CallerTo)
	}
}

// TestBridgeSSRCChange: the caller's phone restarts its stream (new SSRC,
// sequence and timestamp bases) mid-call; the far end still hears one stream.
func TestBridgeSSRCChange(t *testing.T) {
	r := newBridgeRig(t, 0, 0, 101, 101)
	stop := r.run(t, BridgeOptions{})
	frames := encodeFrames(g711.Ulaw, tone(1000, 8000, 10))
	var got []*rtp.Packet
	done := make(chan struct{})
	go func() { got = r.pb.collect(t, 700*time.Millisecond); close(done) }()
	must(t, <-r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 0x1111, seq: 100, ts: 1000, frames: frames}))
	must(t, <-r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 0x2222, seq: 60000, ts: 3e9, frames: frames}))
	<-done
	res := stop()
	checkContinuous(t, "far end", got, r.b.SSRC())
	var tonePkts []*rtp.Packet
	for _, p := range got {
		if !isSilence(0, p.Payload) {
			tonePkts = append(tonePkts, p)
		}
	}
	if len(tonePkts) != 20 {
		t.Fatalf("%d tone frames", len(tonePkts))
	}
	if sw := tonePkts[10]; !sw.Marker || sw.SequenceNumber != tonePkts[9].SequenceNumber+1 {
		t.Fatalf("after the SSRC change: marker %v seq %d after %d", sw.Marker, sw.SequenceNumber, tonePkts[9].SequenceNumber)
	}
	if res.st.CallerTo.Resyncs != 2 {
		t.Fatalf("counts %+v", res.st.CallerTo)
	}
}

// TestBridgeReorderAndGap: reordered packets are relayed at once with their
// order kept (the far end's jitter buffer sorts them), the tap gets them in
// order; when the caller stops sending, the far end's leg fills with
// silence on its 20 ms grid and the stream resumes continuous with a marker.
func TestBridgeReorderAndGap(t *testing.T) {
	r := newBridgeRig(t, 0, 8, 101, 101)
	var tapMu sync.Mutex
	var pos []int64
	stop := r.run(t, BridgeOptions{Tap: func(ch Channel, p int64, pcm []int16) {
		if ch == ChannelCaller {
			tapMu.Lock()
			pos = append(pos, p)
			tapMu.Unlock()
		}
	}})
	frames := encodeFrames(g711.Ulaw, tone(800, 8000, 6))
	var got []*rtp.Packet
	done := make(chan struct{})
	// 12 frames and a 300 ms pause take about 0.55 s; the window leaves room
	// for a loaded machine (make test runs packages side by side).
	go func() { got = r.pb.collect(t, 2*time.Second); close(done) }()
	must(t, <-r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 9, seq: 10, ts: 0, frames: frames, order: []int{0, 1, 3, 2, 4, 5}}))
	time.Sleep(300 * time.Millisecond) // the caller pauses
	must(t, <-r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 9, seq: 16, ts: 6 * 160, frames: frames}))
	<-done
	res := stop()

	var tonePkts []*rtp.Packet
	for _, p := range got {
		if p.SSRC != r.b.SSRC() || p.PayloadType != 8 {
			t.Fatalf("foreign packet %v", p.Header)
		}
		if !isSilence(8, p.Payload) {
			tonePkts = append(tonePkts, p)
		}
	}
	if len(tonePkts) != 12 {
		t.Fatalf("%d tone frames", len(tonePkts))
	}
	s0, t0 := tonePkts[0].SequenceNumber, tonePkts[0].Timestamp
	for i, want := range []int{0, 1, 3, 2, 4, 5} {
		p := tonePkts[i]
		if p.SequenceNumber != s0+uint16(want) || p.Timestamp != t0+uint32(want)*160 {
			t.Fatalf("reordered packet %d: seq +%d ts +%d, want +%d", i, p.SequenceNumber-s0, p.Timestamp-t0, want)
		}
	}
	// across the pause: silence frames fill the gap, sequence continuous
	var after []*rtp.Packet
	for _, p := range got {
		if int16(p.SequenceNumber-(s0+5)) >= 0 {
			after = append(after, p)
		}
	}
	checkContinuous(t, "far end after the reordering", after, r.b.SSRC())
	resumed := tonePkts[6]
	if !resumed.Marker {
		t.Errorf("no marker when the caller resumed")
	}
	if gap := resumed.Timestamp - tonePkts[5].Timestamp; gap < 160*10 || gap > 160*25 {
		t.Errorf("timestamp across a 300 ms pause moved %d samples", gap)
	}
	if res.st.CallerTo.Fills < 3 || res.st.CallerTo.Resyncs != 2 {
		t.Errorf("counts %+v", res.st.CallerTo)
	}
	tapMu.Lock()
	defer tapMu.Unlock()
	if len(pos) != 12 {
		t.Fatalf("tap got %d frames", len(pos))
	}
	for i := 1; i < 6; i++ {
		if pos[i]-pos[i-1] != 160 {
			t.Fatalf("tap out of order: %v", pos)
		}
	}
	if pos[6]-pos[5] < 160*10 {
		t.Fatalf("tap positions do not show the pause: %v", pos)
	}
}

// TestBridgeEnds: the bridge ends when a leg is closed, when its context
// ends, and when a leg goes quiet past MediaTimeout; afterwards the legs
// are their pacers' again and no goroutine is left.
func TestBridgeEnds(t *testing.T) {
	base := runtime.NumGoroutine()
	for _, tc := range []struct {
		name string
		end  BridgeEnd
	}{
		{"caller hangs up", EndCallerGone}, {"far end hangs up", EndFarEndGone},
		{"context", EndContext}, {"media timeout", EndMediaTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newBridgeRig(t, 0, 0, 101, 101)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan bridgeResult, 1)
			go func() {
				st, err := Bridge(ctx, r.a, r.b, BridgeOptions{MediaTimeout: 300 * time.Millisecond})
				done <- bridgeResult{st, err}
			}()
			waitFor(t, func() bool { return r.a.relayOut.Load() != nil })
			if _, err := Bridge(ctx, r.a, r.b, BridgeOptions{}); !errors.Is(err, ErrBridged) {
				t.Fatalf("second bridge: %v", err)
			}
			frames := encodeFrames(g711.Ulaw, tone(1000, 8000, 5))
			must(t, <-r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 1, frames: frames}))
			switch tc.end {
			case EndCallerGone:
				must(t, r.a.Close())
			case EndFarEndGone:
				must(t, r.b.Close())
			case EndContext:
				cancel()
			}
			var res bridgeResult
			select {
			case res = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("bridge did not end")
			}
			must(t, res.err)
			if res.st.End != tc.end || res.st.CallerTo.Packets != 5 || res.st.Duration <= 0 {
				t.Fatalf("stats %+v", res.st)
			}
			if r.a.relayOut.Load() != nil || r.b.relayOut.Load() != nil {
				t.Fatal("relay left attached")
			}
		})
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d > %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBridgeRejects(t *testing.T) {
	p := testPool(t, 4)
	a, b := openSession(t, p), openSession(t, p)
	peer := newRawPeer(t, loopback)
	ctx := context.Background()
	if _, err := Bridge(ctx, a, b, BridgeOptions{}); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("not started: %v", err)
	}
	must(t, a.Start(peer.addr, 0, 8000, 101))
	must(t, b.Start(peer.addr, 9, 8000, 101))
	if _, err := Bridge(ctx, a, b, BridgeOptions{}); !errors.Is(err, ErrBridgeCodecs) {
		t.Fatalf("PCMU to G.722: %v", err)
	}
	if _, err := Bridge(ctx, a, a, BridgeOptions{}); !errors.Is(err, ErrBridgeSameLeg) {
		t.Fatalf("same leg: %v", err)
	}
	must(t, b.Start(peer.addr, 0, 16000, 101))
	if _, err := Bridge(ctx, a, b, BridgeOptions{}); !errors.Is(err, ErrBridgeCodecs) {
		t.Fatalf("8 kHz to 16 kHz: %v", err)
	}
	must(t, b.Start(peer.addr, 9, 8000, 101))
	if _, err := Bridge(ctx, b, b, BridgeOptions{}); !errors.Is(err, ErrBridgeSameLeg) {
		t.Fatalf("same leg: %v", err)
	}
	c := openSession(t, p)
	must(t, c.Start(peer.addr, 9, 8000, 101))
	if _, err := Bridge(ctx, b, c, BridgeOptions{Tap: func(Channel, int64, []int16) {}}); !errors.Is(err, ErrBridgeCodecs) {
		t.Fatalf("G.722 with a recording tap: %v", err)
	}
}

// TestBridgeHotPathAllocs: relaying a packet (transcoded, tapped) allocates
// nothing.
func TestBridgeHotPathAllocs(t *testing.T) {
	r := newBridgeRig(t, 0, 8, 101, 101)
	r.run(t, BridgeOptions{Tap: func(Channel, int64, []int16) {}})
	buf, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 7}, Payload: make([]byte, 160)}).Marshal()
	seq := uint16(0)
	allocs := testing.AllocsPerRun(500, func() {
		seq++
		buf[2], buf[3] = byte(seq>>8), byte(seq)
		r.a.handleRTP(buf, r.pa.addr, monoNow())
	})
	if allocs != 0 {
		t.Errorf("relay path allocates %.2f per packet", allocs)
	}
	if n := r.b.Stats().PacketsSent; n < 500 {
		t.Fatalf("only %d packets sent on the far leg", n)
	}
}
