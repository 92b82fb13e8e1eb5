package media

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard/switchboard/media/g711"
)

// A relay is one direction of a Bridge: what the from leg receives goes out
// on the to leg. It runs in from's receive goroutine and sends at once,
// without a jitter buffer: one hop of store-and-wait would cost up to a
// frame (20 ms) of latency per direction, while the far end runs its own
// adaptive jitter buffer anyway (voice.md §2.5–2.6). G.711 transcoding is
// sample by sample, so it needs no ordering either; only the recording tap
// reorders (a 3-packet buffer, off the relay path).
//
// Packets are re-stamped into the to leg's own SSRC, sequence and timestamp
// spaces with two offsets fixed at a resync, so the source's spacing, gaps
// and order reach the far end unchanged and each leg hears one continuous
// stream across prompts, bridge and back. A resync happens on the first
// packet, on an SSRC change, on a sequence or timestamp jump, and after a
// pause during which the to leg's pacer filled in silence (a pause without
// filler keeps the source's own timestamps: DTX); it maps the packet
// onto the to leg's media clock and sets the marker bit.
type relay struct {
	from, to *Session
	ch       Channel

	// guarded by to.mu
	synced    bool
	filled    bool // the pacer sent filler since the last relayed packet
	stopped   bool
	ssrc      uint32 // source being relayed
	lastSeq   uint16 // its last sequence number relayed
	resyncSeq uint16 // its sequence number at the last resync: older packets are late
	seqOff    uint16
	tsOff     uint32
	lastArr   time.Duration // arrival of the last relayed packet
	lastOutTS uint32        // newest audio timestamp sent on to (relayed or filler)
	haveOut   bool
	tsBase    uint32 // to's media clock at the bridge's start: tap positions count from it

	packets, octets, transcoded, events, eventsDropped, resyncs, late, fills, holdDrops, codecDrops atomic.Uint64

	// the recording tap: from's receive goroutine, and Bridge's teardown
	tapMu    sync.Mutex
	hasTap   bool // set once at the bridge's start; tap itself is cleared at its end
	tap      TapFunc
	tapLaw   g711.Law
	tapRe    reorderBuffer
	tapFn    AudioHandler // bound once: a method value made per packet would allocate
	tapEpoch uint32
	pcm      [maxPayload]int16
}

// relayGap is how long the to leg's pacer waits after the last relayed
// packet before it fills with its idle frame. A source whose packets are
// delayed less than this is never interleaved with filler (which would
// force a resync and shift its timeline); phones' jitter buffers hold about
// 60 ms, so a longer stall is a pause (mute, hold, DTX), not jitter.
const relayGap = 200 * time.Millisecond

// resyncJump is how far (in samples) a source timestamp may jump before it
// is treated as a new stream rather than a gap: one second.
const resyncJumpSamples = 8000

// relayHist is relay latency (arrival on one leg to send on the other) over
// all bridges.
var relayHist histogram

// xlatUlawAlaw and xlatAlawUlaw map one G.711 code to the other through
// linear PCM (G.711 is memoryless, so a 256-entry table is exact).
var xlatUlawAlaw, xlatAlawUlaw [256]byte

func init() {
	for i := range 256 {
		xlatUlawAlaw[i] = g711.LinearToAlaw(g711.UlawToLinear(byte(i)))
		xlatAlawUlaw[i] = g711.LinearToUlaw(g711.AlawToLinear(byte(i)))
	}
}

// xlatTable returns the table from payload type in to out, nil for a copy,
// or ok=false when the two cannot be relayed.
func xlatTable(in, out uint8) (*[256]byte, bool) {
	switch {
	case in == out:
		return nil, true
	case in == 0 && out == 8:
		return &xlatUlawAlaw, true
	case in == 8 && out == 0:
		return &xlatAlawUlaw, true
	}
	return nil, false
}

// forward relays one packet the from leg accepted (audio or
// telephone-event) to the to leg. arrived is when it was read.
func (r *relay) forward(p *rtp.Packet, audioPT uint8, dtmfPT int, arrived time.Duration) {
	to := r.to
	isEvent := int(p.PayloadType) == dtmfPT
	to.mu.Lock()
	if r.stopped || to.closed || !to.started {
		to.mu.Unlock()
		return
	}
	if to.hold.Load() {
		to.mu.Unlock()
		r.holdDrops.Add(1)
		return
	}
	var outPT uint8
	var xlat *[256]byte
	if isEvent {
		if to.dtmfPT < 0 {
			to.mu.Unlock()
			r.eventsDropped.Add(1)
			return
		}
		outPT = uint8(to.dtmfPT)
	} else {
		var ok bool
		if xlat, ok = xlatTable(audioPT, to.pt); !ok {
			to.mu.Unlock()
			r.codecDrops.Add(1)
			return
		}
		outPT = to.pt
	}
	marker := p.Marker
	switch {
	case r.needResync(p, isEvent):
		r.resync(p, arrived)
		marker = true
	case int16(p.SequenceNumber-r.resyncSeq) < 0:
		to.mu.Unlock()
		r.late.Add(1) // from before the resync: its place is taken
		return
	}
	outSeq := p.SequenceNumber + r.seqOff
	outTS := p.Timestamp + r.tsOff
	if int16(outSeq-to.seq) >= 0 {
		to.seq = outSeq + 1
	}
	if int16(p.SequenceNumber-r.lastSeq) > 0 {
		r.lastSeq = p.SequenceNumber
	}
	if !isEvent && int32(outTS-r.lastOutTS) > 0 {
		r.lastOutTS = outTS
	}
	r.lastArr = arrived
	hdr := rtp.Header{Version: 2, Marker: marker, PayloadType: outPT, SequenceNumber: outSeq, Timestamp: outTS, SSRC: to.ssrc}
	size := hdr.MarshalSize() + len(p.Payload)
	if size > maxDatagram {
		to.mu.Unlock()
		return
	}
	buf := to.txSpace(size)
	n, err := hdr.MarshalTo(buf)
	if err != nil {
		to.mu.Unlock()
		return
	}
	if xlat != nil {
		out := buf[n : n+len(p.Payload)]
		for i, c := range p.Payload {
			out[i] = xlat[c]
		}
		n += len(p.Payload)
	} else {
		n += copy(buf[n:], p.Payload)
	}
	if out := to.sealRTP(buf[:n]); out == nil { // the to leg's SRTP (srtp.go)
		to.sendErrors++
	} else if err := to.rtp.writeTo(out, to.dest); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
		to.sendErrors++
	}
	to.sentPackets++
	to.sentOctets += uint64(len(p.Payload))
	to.mu.Unlock()
	relayHist.record(monoNow() - arrived)

	r.packets.Add(1)
	r.octets.Add(uint64(len(p.Payload)))
	if isEvent {
		r.events.Add(1)
		return
	}
	if xlat != nil {
		r.transcoded.Add(1)
	}
	if r.hasTap && (audioPT == 0 || audioPT == 8) {
		r.tapMu.Lock()
		if r.tap != nil {
			r.tapLaw = g711.Ulaw
			if audioPT == 8 {
				r.tapLaw = g711.Alaw
			}
			r.tapRe.newSource(r.tapEpoch, r.tapFn)
			r.tapRe.push(outSeq, audioPT, outTS, p.Payload, r.tapFn)
		}
		r.tapMu.Unlock()
	}
}

// needResync says whether p starts a new mapping; with to.mu held.
func (r *relay) needResync(p *rtp.Packet, isEvent bool) bool {
	if !r.synced || r.filled || p.SSRC != r.ssrc {
		return true
	}
	if d := int16(p.SequenceNumber - r.lastSeq); d > 100 || d < -100 {
		return true
	}
	if !isEvent {
		if d := int32(p.Timestamp + r.tsOff - r.lastOutTS); d > resyncJumpSamples || d < -resyncJumpSamples {
			return true
		}
	}
	return false
}

// resync maps p onto the to leg's media clock at its arrival, after
// anything already sent; with to.mu held.
func (r *relay) resync(p *rtp.Packet, arrived time.Duration) {
	to := r.to
	ts := to.ts0 + uint32(int64(arrived-to.start)*int64(to.clockRate)/int64(time.Second))
	if last := to.ts0 + uint32(to.next-1)*to.spf + to.spf; to.next > 0 && int32(ts-last) < 0 {
		ts = last // the pacer's last frame is already out
	}
	if r.haveOut && int32(ts-(r.lastOutTS+to.spf)) < 0 {
		ts = r.lastOutTS + to.spf
	}
	r.tsOff = ts - p.Timestamp
	r.seqOff = to.seq - p.SequenceNumber
	r.ssrc, r.lastSeq, r.resyncSeq = p.SSRC, p.SequenceNumber, p.SequenceNumber
	r.lastOutTS, r.haveOut = ts, true
	r.synced, r.filled = true, false
	r.tapEpoch++
	r.resyncs.Add(1)
}

// pacerFrame is asked by the to leg's pacer, with to.mu held, whether to send
// frame ts itself: not while relayed audio covers it; otherwise it sends
// its idle frame and the next relayed packet resyncs after it.
func (r *relay) pacerFrame(ts uint32, now time.Duration) bool {
	if r.synced && !r.filled && now-r.lastArr < relayGap {
		return false
	}
	if r.haveOut && int32(ts-r.lastOutTS) <= 0 {
		return false // the source's clock ran ahead of ours: wait for it
	}
	r.filled = true
	r.lastOutTS, r.haveOut = ts, true
	r.fills.Add(1)
	return true
}

// deliverTap decodes one in-order frame for the recording tap.
func (r *relay) deliverTap(_ uint8, ts uint32, payload []byte) {
	n := r.tapLaw.Decode(r.pcm[:], payload)
	r.tap(r.ch, int64(int32(ts-r.tsBase)), r.pcm[:n])
}

// RelayStatistics is relay latency over every bridge since the process
// started (or the last ResetRelayStats): from a packet's read on one leg to
// its write on the other (time spent queued in the socket before the read
// is not included).
type RelayStatistics struct {
	Packets uint64
	P50     time.Duration // 50 µs resolution
	P99     time.Duration
	P999    time.Duration
	Max     time.Duration
}

// RelayStats reports the bridges' relay latency histogram.
func RelayStats() RelayStatistics {
	h := &relayHist
	return RelayStatistics{
		Packets: h.count.Load(),
		P50:     h.quantile(0.50),
		P99:     h.quantile(0.99),
		P999:    h.quantile(0.999),
		Max:     time.Duration(h.max.Load()),
	}
}

// ResetRelayStats clears the relay latency histogram.
func ResetRelayStats() { relayHist.reset() }
