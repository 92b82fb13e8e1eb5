package media

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors returned by Bridge.
var (
	ErrBridged       = errors.New("media: session is already bridged")
	ErrBridgeCodecs  = errors.New("media: legs' codecs cannot be bridged")
	ErrBridgeSameLeg = errors.New("media: a session cannot be bridged to itself")
)

// Channel names a direction of a bridge in its recording tap: what the
// caller (leg a) said, and what the far end (leg b) said. Twilio's dual
// recordings put the caller left and the far end right.
type Channel int

const (
	ChannelCaller Channel = iota // received on leg a, sent to leg b
	ChannelFarEnd                // received on leg b, sent to leg a
)

func (c Channel) String() string {
	if c == ChannelCaller {
		return "caller"
	}
	return "far-end"
}

// TapFunc receives one direction's audio in sequence order, decoded to 8 kHz
// linear PCM. pos is the frame's first sample counted from the bridge's
// start on that direction's media clock, so the two channels line up: a gap
// in pos is silence the recorder must fill (the source paused, or packets
// were lost). It runs on a receive goroutine: it must be quick, and pcm is
// only valid during the call.
type TapFunc func(ch Channel, pos int64, pcm []int16)

// bridgeMu makes setting up and tearing down a bridge atomic, so a session
// is in at most one bridge and a new bridge never sees half of an old one.
var bridgeMu sync.Mutex

// BridgeOptions tunes a Bridge.
type BridgeOptions struct {
	// Tap, if set, receives both directions for recording (G.711 legs only).
	Tap TapFunc
	// MediaTimeout ends the bridge when either leg has received no RTP or
	// RTCP for this long (0: the sessions' own media timeout events, read
	// by the caller, decide).
	MediaTimeout time.Duration
}

// BridgeEnd says why a bridge ended.
type BridgeEnd string

// Reasons a bridge ends.
const (
	EndContext      BridgeEnd = "context"
	EndCallerGone   BridgeEnd = "caller-closed"
	EndFarEndGone   BridgeEnd = "far-end-closed"
	EndMediaTimeout BridgeEnd = "media-timeout"
)

// RelayCounts describes one direction of a bridge.
type RelayCounts struct {
	Packets       uint64 // relayed (audio and telephone-event)
	Octets        uint64 // payload octets relayed
	Transcoded    uint64 // audio packets converted between μ-law and A-law
	Events        uint64 // telephone-event packets relayed
	EventsDropped uint64 // telephone-events the other leg did not negotiate
	Resyncs       uint64 // new timestamp/sequence mappings (start, SSRC change, gaps, jumps)
	Late          uint64 // older than the last resync, dropped
	Fills         uint64 // idle frames the outgoing leg's pacer sent in gaps
	HoldDrops     uint64 // dropped while the outgoing leg was on hold
	CodecDrops    uint64 // audio in a payload type the other leg cannot take
}

// BridgeStats is what a bridge did.
type BridgeStats struct {
	Duration time.Duration
	End      BridgeEnd
	CallerTo RelayCounts // leg a → leg b
	FarEndTo RelayCounts // leg b → leg a
}

// Bridge relays audio and RFC 4733 events between two started sessions, a
// (the caller) and b (the far end), until ctx ends, either session is
// closed, or opts.MediaTimeout passes without media on a leg. Equal payload
// types are copied; PCMU and PCMA are converted. Each leg keeps its own SSRC,
// sequence and timestamp spaces, and its pacer fills gaps in what the other
// leg sends with its idle frame, so both streams stay continuous. Plays and
// SendDigits on a bridged leg run in time but are not heard. Afterwards the
// sessions are as before (prompts can be played again).
func Bridge(ctx context.Context, a, b *Session, opts BridgeOptions) (*BridgeStats, error) {
	if a == b {
		return nil, ErrBridgeSameLeg
	}
	ab := &relay{from: a, to: b, ch: ChannelCaller, tap: opts.Tap}
	ba := &relay{from: b, to: a, ch: ChannelFarEnd, tap: opts.Tap}
	for _, r := range []*relay{ab, ba} {
		r.tapFn, r.hasTap = r.deliverTap, opts.Tap != nil
	}
	if err := checkLegs(a, b, opts); err != nil {
		return nil, err
	}
	bridgeMu.Lock()
	if a.relayOut.Load() != nil || b.relayOut.Load() != nil {
		bridgeMu.Unlock()
		return nil, ErrBridged
	}
	start := time.Now()
	attach(b, ab) // the outgoing sides first: a relayed packet finds its pacer told
	attach(a, ba)
	a.relayOut.Store(ab)
	b.relayOut.Store(ba)
	bridgeMu.Unlock()

	var tick <-chan time.Time
	if opts.MediaTimeout > 0 {
		t := time.NewTicker(min(opts.MediaTimeout/4, 250*time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	st := &BridgeStats{}
wait:
	for {
		select {
		case <-ctx.Done():
			st.End = EndContext
			break wait
		case <-a.closeCh:
			st.End = EndCallerGone
			break wait
		case <-b.closeCh:
			st.End = EndFarEndGone
			break wait
		case <-tick:
			now := monoNow()
			if now-time.Duration(a.lastRx.Load()) > opts.MediaTimeout || now-time.Duration(b.lastRx.Load()) > opts.MediaTimeout {
				st.End = EndMediaTimeout
				break wait
			}
		}
	}
	bridgeMu.Lock()
	a.relayOut.Store(nil)
	b.relayOut.Store(nil)
	detach(b, ab)
	detach(a, ba)
	bridgeMu.Unlock()
	st.Duration = time.Since(start)
	st.CallerTo, st.FarEndTo = ab.counts(), ba.counts()
	return st, nil
}

func checkLegs(a, b *Session, opts BridgeOptions) error {
	a.mu.Lock()
	aStarted, aClosed, aPT, aClock := a.started, a.closed, a.pt, a.clockRate
	a.mu.Unlock()
	b.mu.Lock()
	bStarted, bClosed, bPT, bClock := b.started, b.closed, b.pt, b.clockRate
	b.mu.Unlock()
	switch {
	case aClosed || bClosed:
		return ErrClosed
	case !aStarted || !bStarted:
		return ErrNotStarted
	case aClock != bClock:
		return fmt.Errorf("%w: clock rates %d and %d Hz", ErrBridgeCodecs, aClock, bClock)
	}
	if _, ok := xlatTable(aPT, bPT); !ok {
		return fmt.Errorf("%w: payload types %d and %d (only PCMU ⇄ PCMA is transcoded)", ErrBridgeCodecs, aPT, bPT)
	}
	if opts.Tap != nil && (aPT != 0 && aPT != 8 || bPT != 0 && bPT != 8) {
		return fmt.Errorf("%w: the recording tap needs G.711 on both legs (payload types %d and %d)", ErrBridgeCodecs, aPT, bPT)
	}
	return nil
}

// attach makes r the source of s's outgoing stream.
func attach(s *Session, r *relay) {
	s.mu.Lock()
	r.tsBase = s.ts0 + uint32(int64(monoNow()-s.start)*int64(s.clockRate)/int64(time.Second))
	s.relayIn = r
	s.mu.Unlock()
}

// detach gives s's stream back to its pacer; once it returns, r neither
// sends nor taps again.
func detach(s *Session, r *relay) {
	s.mu.Lock()
	r.stopped = true
	s.relayIn = nil
	s.markerNext = true
	s.mu.Unlock()
	r.tapMu.Lock()
	r.tap = nil
	r.tapMu.Unlock()
}

func (r *relay) counts() RelayCounts {
	return RelayCounts{
		Packets: r.packets.Load(), Octets: r.octets.Load(), Transcoded: r.transcoded.Load(),
		Events: r.events.Load(), EventsDropped: r.eventsDropped.Load(), Resyncs: r.resyncs.Load(),
		Late: r.late.Load(), Fills: r.fills.Load(), HoldDrops: r.holdDrops.Load(), CodecDrops: r.codecDrops.Load(),
	}
}
