package media

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"
)

// Errors returned by Session methods.
var (
	ErrClosed     = errors.New("media: session closed")
	ErrNotStarted = errors.New("media: session not started")
	ErrFrameSize  = errors.New("media: frame larger than a datagram")
)

const (
	maxDatagram    = 1500 // larger datagrams are counted as huge and dropped
	maxSRTPTag     = 16   // room txSpace keeps for an SRTP tag (10 bytes for the suites we offer)
	rtpHeaderLen   = 12
	maxPayload     = maxDatagram - rtpHeaderLen
	defaultTimeout = 60 * time.Second
	eventBuffer    = 32
)

// latchWindow is how long after Start RTP from any source may be latched to
// (a variable for tests).
var latchWindow = 2 * time.Second

// learnPackets is how many packets in sequence a source other than the SDP
// address must send before media latches to it (symmetric RTP behind NAT).
// One stray or forged packet — RTP bleed — never takes the stream over.
const learnPackets = 3

// EventKind says what an Event reports.
//
// A byte, so that an Event is two bytes: every session's events channel
// buffers eventBuffer of them (a 640-byte allocation with an int kind,
// 160 with a byte).
type EventKind uint8

// Event kinds.
const (
	EventDigit   EventKind = iota + 1 // an RFC 4733 digit was received
	EventTimeout                      // no RTP or RTCP for the media timeout
	EventClosed                       // the session was closed; the channel closes next
)

func (k EventKind) String() string {
	switch k {
	case EventDigit:
		return "digit"
	case EventTimeout:
		return "timeout"
	case EventClosed:
		return "closed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something the receive side noticed.
type Event struct {
	Kind  EventKind
	Digit byte // for EventDigit: 0-9 * # A-D
}

// AudioHandler receives audio payloads (in sequence order, after a
// 3-packet reorder buffer) from the session's receive path, which on Linux
// is a reader shared with other sessions: it must be quick and never block.
// The payload is only valid during the call; copy it to keep it.
type AudioHandler func(pt uint8, ts uint32, payload []byte)

type jobKind uint8

const (
	jobNone jobKind = iota
	jobAudio
	jobDigits
)

// Session is the media of one call: an RTP socket (and RTCP on port+1), a
// paced sender and a receive path (a shared reader, rxloop_linux.go, or a
// goroutine of its own). Methods are safe for concurrent use.
type Session struct {
	pool  *PortPool
	port  int
	rtp   rtpSocket
	rtcp  rtpSocket // RTCP, on port+1; read where RTP is read (rxloop_linux.go)
	local netip.AddrPort
	cname string

	sem     chan struct{} // one Play or SendDigits at a time
	jobDone chan struct{} // the pacer says the current job finished
	closeCh chan struct{}

	// mu guards the send state and the remote addresses; the pacer holds it
	// while it sends one session's due frames.
	mu           sync.Mutex
	started      bool
	closed       bool
	remote       netip.AddrPort // from SDP
	dest         netip.AddrPort // where RTP goes (latched)
	latched      bool
	latchUntil   time.Duration
	learnSrc     netip.AddrPort // a candidate source being learned
	learnSeq     uint16
	learnCount   int
	rtcpDest     netip.AddrPort
	rtcpExplicit bool
	pt           uint8
	dtmfPT       int
	clockRate    int
	spf          uint32 // samples per 20 ms frame
	ssrc         uint32
	seq          uint16
	ts0          uint32
	start        time.Duration // monotonic time of frame 0
	next         int64         // next frame index to produce
	idleSilence  bool
	silence      []byte
	customSil    bool
	markerNext   bool
	lastSentIdx  int64
	lastSentAt   time.Duration
	job          jobKind
	frames       [][]byte
	pos          int
	digits       string
	dIdx         int
	dFrame       int
	dLen         int
	dTone        int
	dGap         int
	dCode        uint8
	dTS          uint32
	dPause       bool
	toneFrames   int
	gapFrames    int
	txBuf        []byte // the packet being sent, grown to the largest sent (txSpace)
	nextRTCP     time.Duration
	rng          uint64
	wheel        *wheel // guarded by defaultPacer.mu
	slot         int    // guarded by defaultPacer.mu
	sentPackets  uint64
	sentOctets   uint64
	lastSRPkts   uint64
	rtcpTxBuf    []byte
	sendErrors   uint64
	maxDev       time.Duration
	lateFrames   uint64
	skipFrames   uint64
	wrongFrameSz uint64
	relayIn      *relay // while bridged: the other leg's relay sends our stream (bridge.go)

	// rxMu guards receive statistics and the DTMF decoder, shared between the
	// receive goroutine, the pacer's housekeeping and Stats.
	rxMu    sync.Mutex
	dec     dtmfDecoder
	rx      rxStats
	rtt     time.Duration
	rtcpRx  uint64
	rtcpTx  uint64
	lastSR  uint32        // middle 32 bits of the last SR's NTP time
	lastSRA time.Duration // when it arrived

	handler  atomic.Pointer[AudioHandler]
	relayOut atomic.Pointer[relay]     // while bridged: where what we receive goes
	srtp     atomic.Pointer[srtpState] // SRTP keys and contexts, nil for plain RTP (srtp.go)
	reorder  *reorderBuffer            // receive goroutine only
	rxPkt    rtp.Packet
	reg      rxReg // where a shared reader reads our RTP (rxloop_linux.go)

	lastRx       atomic.Int64 // monotonic ns of the last RTP or RTCP packet
	hold         atomic.Bool
	timeoutFired atomic.Bool
	mediaTimeout atomic.Int64

	cntHuge, cntMalformed, cntWrongPT, cntForeign, cntLateDup, cntDigits, cntEventsDropped, cntLooped atomic.Uint64

	evMu     sync.Mutex
	evClosed bool
	// evPending holds events waiting for room in events, in order, while a
	// drainer goroutine (evDrain non-nil until it ends) feeds them in.
	evPending []Event
	evDrain   chan struct{}
	events    chan Event

	wg sync.WaitGroup
}

func newSession(p *PortPool, port int, rtp, rtcp rtpSocket) *Session {
	s := &Session{
		pool:        p,
		port:        port,
		rtp:         rtp,
		rtcp:        rtcp,
		local:       netip.AddrPortFrom(p.ip, uint16(port)),
		sem:         make(chan struct{}, 1),
		jobDone:     make(chan struct{}, 1),
		closeCh:     make(chan struct{}),
		events:      make(chan Event, eventBuffer),
		idleSilence: true,
		dtmfPT:      -1,
		rng:         rand.Uint64() | 1,
	}
	s.ssrc = rand.Uint32()
	s.seq = uint16(rand.Uint32())
	s.ts0 = rand.Uint32()
	s.cname = fmt.Sprintf("switchboard-%08x@%s", s.ssrc, p.ip)
	s.mediaTimeout.Store(int64(defaultTimeout))
	rxAttach(s) // RTP and RTCP: the shared readers (rxloop_linux.go), or a goroutine each
	return s
}

// txSpace returns txBuf with room for an n-byte packet and its SRTP tag
// (s.mu held). It is sized by the packets sent, not the largest datagram:
// a call's 20 ms G.711 packets need 172 bytes of the 1,500 a fixed buffer
// kept in every session.
func (s *Session) txSpace(n int) []byte {
	if n += maxSRTPTag; cap(s.txBuf) < n {
		s.txBuf = make([]byte, n)
	}
	return s.txBuf[:cap(s.txBuf)]
}

// LocalAddr is the RTP address to put in SDP (RTCP is on port+1).
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// SSRC is the synchronisation source of what this session sends.
func (s *Session) SSRC() uint32 { return s.ssrc }

// Events delivers digits, media timeouts and, last, EventClosed; the channel
// is closed after that. Events are dropped (and counted) when nobody reads.
func (s *Session) Events() <-chan Event { return s.events }

// Start begins sending to remote (the SDP address) with the negotiated
// payload type, clock rate and telephone-event payload type (-1 = none). It
// may be called again after a re-INVITE: SSRC, sequence and timestamps stay
// continuous, and latching is allowed again.
func (s *Session) Start(remote netip.AddrPort, payloadType uint8, clockRate int, dtmfPT int) error {
	if clockRate <= 0 || clockRate%50 != 0 {
		return fmt.Errorf("media: clock rate %d is not a multiple of 50 Hz", clockRate)
	}
	if payloadType > 127 || dtmfPT > 127 {
		return fmt.Errorf("media: payload type out of range")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	now := monoNow()
	s.remote, s.dest = remote, remote
	s.latched = false
	s.latchUntil = now + latchWindow
	s.learnSrc, s.learnCount = netip.AddrPort{}, 0
	if !s.rtcpExplicit {
		s.rtcpDest = netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
	}
	s.pt, s.dtmfPT, s.clockRate = payloadType, dtmfPT, clockRate
	s.spf = uint32(clockRate / 50)
	if !s.customSil {
		s.silence = silenceFrame(payloadType, int(s.spf))
	}
	first := !s.started
	s.started = true
	s.mu.Unlock()
	s.lastRx.Store(int64(now))
	s.timeoutFired.Store(false)
	if first {
		defaultPacer.add(s, func(start time.Duration) {
			s.mu.Lock()
			s.start = start
			s.next = 0
			s.lastSentIdx = -2
			s.markerNext = true
			s.nextRTCP = start + s.rtcpInterval()
			s.mu.Unlock()
		})
	}
	return nil
}

func silenceFrame(pt uint8, n int) []byte {
	b := make([]byte, n)
	var v byte
	switch pt {
	case 0:
		v = 0xFF // μ-law
	case 8:
		v = 0xD5 // A-law
	}
	for i := range b {
		b[i] = v
	}
	return b
}

// SetIdle chooses what is sent between plays: a silence frame (default) or
// nothing. Either way the RTP timestamp keeps running with the media clock;
// after a gap the next packet carries the marker bit.
func (s *Session) SetIdle(sendSilence bool) {
	s.mu.Lock()
	s.idleSilence = sendSilence
	s.mu.Unlock()
}

// SetSilence replaces the idle frame (default: μ-law 0xFF, A-law 0xD5, else
// zeros, one 20 ms frame).
func (s *Session) SetSilence(frame []byte) error {
	if len(frame) > maxPayload {
		return ErrFrameSize
	}
	s.mu.Lock()
	s.silence = append([]byte(nil), frame...)
	s.customSil = true
	s.mu.Unlock()
	return nil
}

// SetRemoteRTCP overrides the RTCP destination (SDP a=rtcp).
func (s *Session) SetRemoteRTCP(addr netip.AddrPort) {
	s.mu.Lock()
	s.rtcpDest, s.rtcpExplicit = addr, true
	s.mu.Unlock()
}

// SetMediaTimeout changes the media timeout (default 60 s; 0 disables it).
func (s *Session) SetMediaTimeout(d time.Duration) { s.mediaTimeout.Store(int64(d)) }

// SetAudioHandler installs (or with nil removes) the audio tap.
func (s *Session) SetAudioHandler(h AudioHandler) {
	if h == nil {
		s.handler.Store(nil)
		return
	}
	s.handler.Store(&h)
}

// Hold (true) is the caller holding us (their offer was sendonly or
// inactive): nothing is sent — RFC 3264 answers such an offer recvonly —
// while prompts and digits go on in time, unheard, and the media timeout is
// paused. Hold(false) resumes both.
func (s *Session) Hold(on bool) {
	s.hold.Store(on)
	if !on {
		s.lastRx.Store(int64(monoNow()))
		s.timeoutFired.Store(false)
	}
}

// Play sends pre-encoded frames, one per 20 ms, and returns when the last
// one is sent, or with ctx's error when ctx is cancelled (barge-in). Plays
// and SendDigits calls run one at a time.
func (s *Session) Play(ctx context.Context, frames [][]byte) error {
	for _, f := range frames {
		if len(f) > maxPayload {
			return ErrFrameSize
		}
	}
	if len(frames) == 0 {
		return nil
	}
	return s.runJob(ctx, func() {
		s.job, s.frames, s.pos = jobAudio, frames, 0
	})
}

// SendDigits sends digits as RFC 4733 events: toneMs of tone and gapMs of
// gap each; 'w' pauses 500 ms and 'W' one second. Other characters are
// ignored. Audio is paused meanwhile.
func (s *Session) SendDigits(ctx context.Context, digits string, toneMs, gapMs int) error {
	s.mu.Lock()
	pt := s.dtmfPT
	s.mu.Unlock()
	if pt < 0 {
		return fmt.Errorf("media: no telephone-event payload type negotiated")
	}
	if toneMs <= 0 {
		toneMs = 100
	}
	if gapMs < 0 {
		gapMs = 0
	}
	return s.runJob(ctx, func() {
		s.job, s.digits, s.dIdx, s.dFrame = jobDigits, digits, 0, 0
		s.toneFrames = max((toneMs+10)/20, 1)
		s.gapFrames = max((gapMs+10)/20, 2) // room for the 2 end-packet repeats
	})
}

func (s *Session) runJob(ctx context.Context, set func()) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closeCh:
		return ErrClosed
	}
	defer func() { <-s.sem }()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if !s.started {
		s.mu.Unlock()
		return ErrNotStarted
	}
	select { // a stale signal from a cancelled job
	case <-s.jobDone:
	default:
	}
	set()
	s.mu.Unlock()
	select {
	case <-s.jobDone:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		s.endJob(false)
		s.mu.Unlock()
		return ctx.Err()
	case <-s.closeCh:
		return ErrClosed
	}
}

// endJob clears the current job; with s.mu held.
func (s *Session) endJob(signal bool) {
	s.job, s.frames, s.digits = jobNone, nil, ""
	if signal {
		select {
		case s.jobDone <- struct{}{}:
		default:
		}
	}
}

// tick is called by the pacer on this session's slot: send what is due.
func (s *Session) tick(h *histogram) {
	s.mu.Lock()
	if !s.started || s.closed {
		s.mu.Unlock()
		return
	}
	now := monoNow()
	if now < s.start {
		// Frame 0 is not due yet. A wheel catching up on a late wake
		// visits the slot for ticks before a session added meanwhile
		// started, and the division below truncates toward zero: frame 0
		// went out up to 20 ms early and frame 1 on time, a 20 ms
		// deviation at the start of calls on a loaded box.
		s.mu.Unlock()
		return
	}
	target := int64((now - s.start) / frameDur)
	due := target - s.next + 1
	if due <= 0 {
		s.mu.Unlock()
		return
	}
	if due > maxBurst {
		skip := due - 1
		for range skip {
			// Late audio is skipped, but a digit's packets are sent even
			// late (RFC 4733 carries the timing in the timestamp and the
			// duration field): skipping them lost whole digits, start and
			// end packets included, when the box was loaded.
			s.produce(s.job == jobDigits, now, h)
		}
		s.skipFrames += uint64(skip)
		h.skipped.Add(uint64(skip))
		due = 1
	} else if due > 1 {
		s.lateFrames += uint64(due - 1)
		h.late.Add(uint64(due - 1))
	}
	for range due {
		s.produce(true, now, h)
	}
	s.mu.Unlock()
}

// produce advances the media clock by one frame and, if send, sends the
// frame's packet (audio, telephone-event or idle silence). With s.mu held.
func (s *Session) produce(send bool, now time.Duration, h *histogram) {
	idx := s.next
	s.next++
	ts := s.ts0 + uint32(idx)*s.spf
	var payload []byte
	var pt = s.pt
	marker := false
	var evBuf [4]byte
	switch s.job {
	case jobAudio:
		payload = s.frames[s.pos]
		s.pos++
		if s.pos >= len(s.frames) {
			s.endJob(true)
		}
	case jobDigits:
		payload, pt, ts, marker = s.digitFrame(ts, evBuf[:])
	}
	if r := s.relayIn; r != nil { // bridged: jobs run unheard, gaps get the idle frame
		ts = s.ts0 + uint32(idx)*s.spf
		if !r.pacerFrame(ts, now) {
			return
		}
		payload, pt, marker = nil, s.pt, false
	}
	if s.hold.Load() {
		s.markerNext = true // the stream resumes with a marker after hold
		return
	}
	if payload == nil { // idle
		if !s.idleSilence || len(s.silence) == 0 {
			s.markerNext = true
			return
		}
		payload = s.silence
	}
	if pt == s.pt && s.markerNext {
		marker, s.markerNext = true, false
	}
	if !send {
		return
	}
	hdr := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: s.seq, Timestamp: ts, SSRC: s.ssrc}
	buf := s.txSpace(hdr.MarshalSize() + len(payload))
	n, err := hdr.MarshalTo(buf)
	if err != nil {
		return
	}
	n += copy(buf[n:], payload)
	s.seq++
	out := s.sealRTP(buf[:n]) // SRTP (srtp.go); plain RTP unchanged
	if out == nil {
		return
	}
	if err := s.rtp.writeTo(out, s.dest); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
		s.sendErrors++
	}
	s.sentPackets++
	s.sentOctets += uint64(len(payload))
	at := monoNow()
	if s.lastSentIdx == idx-1 {
		dev := at - s.lastSentAt - frameDur
		if dev < 0 {
			dev = -dev
		}
		h.record(dev)
		if dev > s.maxDev {
			s.maxDev = dev
		}
	}
	s.lastSentIdx, s.lastSentAt = idx, at
}

// digitFrame runs the SendDigits state machine for one frame. It returns a
// nil payload for gap and pause frames. With s.mu held.
func (s *Session) digitFrame(ts uint32, buf []byte) (payload []byte, pt uint8, evTS uint32, marker bool) {
	if s.dFrame == 0 { // start the next element
		for {
			if s.dIdx >= len(s.digits) {
				s.endJob(true)
				return nil, s.pt, ts, false
			}
			c := s.digits[s.dIdx]
			if c == 'w' || c == 'W' {
				s.dPause = true
				s.dLen = 25
				if c == 'W' {
					s.dLen = 50
				}
				break
			}
			if code, ok := DigitEvent(c); ok {
				s.dPause = false
				s.dCode, s.dTS = code, ts
				s.dTone, s.dGap = s.toneFrames, s.gapFrames
				s.dLen = s.dTone + s.dGap
				break
			}
			s.dIdx++
		}
	}
	s.dFrame++
	k := s.dFrame
	if k >= s.dLen {
		s.dFrame = 0
		s.dIdx++
	}
	if s.dPause || k > s.dTone+2 {
		return nil, s.pt, ts, false
	}
	ev := TelephoneEvent{Event: s.dCode, Volume: dtmfVolume}
	if k >= s.dTone { // final packet, sent three times
		ev.End = true
		ev.Duration = uint16(min(s.dTone*int(s.spf), 0xffff))
	} else {
		ev.Duration = uint16(min(k*int(s.spf), 0xffff))
	}
	ev.marshalTo(buf)
	return buf[:4], uint8(s.dtmfPT), s.dTS, k == 1
}

// housekeep runs after the slot's sends: DTMF end timeouts, the media
// timeout and RTCP reports.
func (s *Session) housekeep() {
	now := monoNow()
	s.rxMu.Lock()
	d, ok := s.dec.expire(now)
	s.rxMu.Unlock()
	if ok {
		s.emitDigit(d)
	}
	if to := time.Duration(s.mediaTimeout.Load()); to > 0 && !s.hold.Load() && !s.timeoutFired.Load() &&
		now-time.Duration(s.lastRx.Load()) > to {
		s.timeoutFired.Store(true)
		s.emit(Event{Kind: EventTimeout})
	}
	s.mu.Lock()
	due := s.started && !s.closed && now >= s.nextRTCP
	if due {
		s.nextRTCP = now + s.rtcpInterval()
	}
	s.mu.Unlock()
	if due {
		s.sendRTCP(false)
	}
}

// rtcpInterval is 5 s randomised to [2.5 s, 7.5 s) (RFC 3550 6.3.1); s.mu held.
func (s *Session) rtcpInterval() time.Duration {
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 7
	s.rng ^= s.rng << 17
	return 2500*time.Millisecond + time.Duration(s.rng%5000)*time.Millisecond
}

func (s *Session) emitDigit(d byte) {
	s.cntDigits.Add(1)
	s.emit(Event{Kind: EventDigit, Digit: d})
}

// maxPendingEvents bounds the events queued behind a full events channel.
// A digit is never dropped below it: a caller presses at most ~10 keys a
// second, so 256 is 25 s of a reader that does not read at all, far longer
// than any scheduling stall of a loaded box.
const maxPendingEvents = 256

// emit hands e to the reader. When events is full, digits (and what follows
// them, to keep the order) queue in evPending and a drainer goroutine feeds
// them in as the reader takes them; only a media timeout that finds the
// channel full with nothing queued is dropped (and counted), as before.
// Nothing here runs on, or waits for, the pacer's tick: digits come from
// the receive path (handleRTP) and, for lost end packets, housekeep.
func (s *Session) emit(e Event) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if s.evClosed {
		return
	}
	if len(s.evPending) == 0 {
		select {
		case s.events <- e:
			return
		default:
		}
		if e.Kind != EventDigit {
			s.cntEventsDropped.Add(1)
			return
		}
	}
	if len(s.evPending) >= maxPendingEvents {
		s.cntEventsDropped.Add(1)
		return
	}
	s.evPending = append(s.evPending, e)
	if s.evDrain == nil {
		select {
		case <-s.closeCh: // closing: Close sends EventClosed next
			s.evPending = s.evPending[:len(s.evPending)-1]
			s.cntEventsDropped.Add(1)
			return
		default:
		}
		s.evDrain = make(chan struct{})
		go s.drainEvents(s.evDrain)
	}
}

// drainEvents moves evPending into events, blocking on the reader, until
// the queue is empty or the session closes.
func (s *Session) drainEvents(done chan struct{}) {
	defer close(done)
	for {
		s.evMu.Lock()
		if len(s.evPending) == 0 {
			s.evPending = nil
			s.evDrain = nil
			s.evMu.Unlock()
			return
		}
		e := s.evPending[0]
		s.evMu.Unlock()
		select {
		case s.events <- e:
		case <-s.closeCh:
			s.evMu.Lock()
			s.cntEventsDropped.Add(uint64(len(s.evPending)))
			s.evPending = nil
			s.evDrain = nil
			s.evMu.Unlock()
			return
		}
		s.evMu.Lock()
		s.evPending = s.evPending[1:]
		s.evMu.Unlock()
	}
}

func (s *Session) readRTP() {
	defer s.wg.Done()
	stamped := enableRxStamps(s.rtp.conn) // arrival = when the kernel got it (rxstamp_linux.go)
	oob := make([]byte, 64)
	buf := make([]byte, maxDatagram+1) // here, not in Session: with the shared readers most sessions never need it
	for {
		var n, oobn int
		var src netip.AddrPort
		var err error
		if stamped {
			n, oobn, _, src, err = s.rtp.conn.ReadMsgUDPAddrPort(buf, oob)
		} else {
			n, src, err = s.rtp.conn.ReadFromUDPAddrPort(buf)
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ECONNREFUSED reported by ICMP
		}
		now := monoNow()
		if stamped {
			now = rxArrival(oob[:oobn])
		}
		s.handleRTP(buf[:n], src, now)
	}
}

// handleRTP is the receive path for one datagram from src.
// learn counts packets in sequence from a candidate source (s.mu held) and
// reports when it has sent enough to be latched to.
func (s *Session) learn(src netip.AddrPort, seq uint16) bool {
	if src == s.learnSrc && seq == s.learnSeq+1 {
		s.learnCount++
	} else {
		s.learnSrc, s.learnCount = src, 1
	}
	s.learnSeq = seq
	return s.learnCount >= learnPackets
}

func (s *Session) handleRTP(b []byte, src netip.AddrPort, now time.Duration) {
	if len(b) > maxDatagram {
		s.cntHuge.Add(1)
		return
	}
	if len(b) < rtpHeaderLen || b[0]>>6 != 2 {
		s.cntMalformed.Add(1)
		return
	}
	if b = s.openRTP(b); b == nil { // SRTP (srtp.go): dropped and counted
		return
	}
	pkt := &s.rxPkt
	if err := pkt.Unmarshal(b); err != nil {
		s.cntMalformed.Add(1)
		return
	}
	pt := pkt.PayloadType
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		s.cntForeign.Add(1)
		return
	}
	audioPT, dtmfPT, clock := s.pt, s.dtmfPT, s.clockRate
	if pt != audioPT && int(pt) != dtmfPT {
		s.mu.Unlock()
		s.cntWrongPT.Add(1)
		return
	}
	if src != s.dest || !s.latched {
		switch {
		case src == s.dest:
			s.latched = true
		case !s.latched && (now < s.latchUntil || src.Addr() == s.remote.Addr()) && s.learn(src, pkt.SequenceNumber):
			s.dest, s.latched = src, true
			if !s.rtcpExplicit {
				s.rtcpDest = netip.AddrPortFrom(src.Addr(), src.Port()+1)
			}
		default:
			s.mu.Unlock()
			s.cntForeign.Add(1)
			return
		}
	}
	s.mu.Unlock()
	s.lastRx.Store(int64(now))
	s.timeoutFired.Store(false)

	// Our own stream coming back (a loop, RFC 3550 §8.2, or a peer that
	// echoes) keeps the call alive but is not the caller's audio or digits:
	// it must not reach recordings or the in-band detector.
	if pkt.SSRC == s.ssrc {
		s.cntLooped.Add(1)
		return
	}

	if r := s.relayOut.Load(); r != nil {
		r.forward(pkt, audioPT, dtmfPT, now)
	}
	if int(pt) == dtmfPT {
		s.rxMu.Lock()
		out, n := s.dec.push(pkt.SSRC, pkt.Timestamp, pkt.Payload, now)
		s.rxMu.Unlock()
		for i := range n {
			s.emitDigit(out[i])
		}
		return
	}
	s.rxMu.Lock()
	s.rx.update(pkt.SSRC, pkt.SequenceNumber, pkt.Timestamp, len(pkt.Payload), now, clock)
	s.rxMu.Unlock()
	if h := s.handler.Load(); h != nil {
		if s.reorder == nil {
			s.reorder = &reorderBuffer{}
		}
		s.reorder.newSource(pkt.SSRC, *h)
		if s.reorder.push(pkt.SequenceNumber, pt, pkt.Timestamp, pkt.Payload, *h) > 0 {
			s.cntLateDup.Add(1)
		}
	}
}

// ReadPending handles, on the caller's goroutine, the RTP datagrams already
// waiting in the session's socket, instead of whenever a shared reader gets
// to them (on a loaded box, up to a few hundred ms later). A call that ends
// calls it before its flow hears of the end, so that a key the caller sent
// before hanging up is on Events ahead of it. Where each session has a
// reader goroutine of its own (not Linux) it does nothing.
func (s *Session) ReadPending() { rxFlush(s) }

// Close stops sending and receiving, sends an RTCP BYE, releases the ports
// and ends with EventClosed on Events. It is safe to call more than once.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	started := s.started
	s.mu.Unlock()
	if started {
		defaultPacer.remove(s)
		s.sendRTCP(true)
	}
	s.mu.Lock()
	s.closed = true
	s.endJob(false)
	s.mu.Unlock()
	close(s.closeCh)
	rxDetach(s) // before the socket closes: its descriptor must not be read after
	err := errors.Join(s.rtp.close(), s.rtcp.close())
	s.wg.Wait()
	s.evMu.Lock()
	for d := s.evDrain; d != nil; d = s.evDrain { // it sees closeCh and ends; then nothing else sends
		s.evMu.Unlock()
		<-d
		s.evMu.Lock()
	}
	select {
	case s.events <- Event{Kind: EventClosed}:
	default:
		s.cntEventsDropped.Add(1)
	}
	s.evClosed = true
	close(s.events)
	s.evMu.Unlock()
	s.pool.release(s.port)
	return err
}

// Stats is a snapshot of one session's counters.
type Stats struct {
	PacketsSent     uint64
	OctetsSent      uint64
	SendErrors      uint64
	PacketsReceived uint64 // audio packets accepted from the remote
	OctetsReceived  uint64
	PacketsLost     int64   // RFC 3550 cumulative lost (expected - received)
	FractionLost    float64 // lost / expected over the whole call
	Jitter          float64 // RFC 3550 A.8 interarrival jitter, in timestamp units
	JitterMs        float64
	Digits          uint64 // RFC 4733 digits reported
	Huge            uint64 // datagrams over 1500 bytes, dropped
	Malformed       uint64 // not RTP v2 or truncated, dropped
	WrongPT         uint64 // payload type neither audio nor telephone-event, dropped
	Foreign         uint64 // from a source we did not latch to, or before Start, dropped
	Looped          uint64 // our own SSRC coming back (echo or loop): keeps the call alive, not heard
	LateOrDuplicate uint64 // dropped by the audio tap's reorder buffer
	EventsDropped   uint64
	RTCPSent        uint64
	RTCPReceived    uint64
	RTT             time.Duration // from RTCP LSR/DLSR, 0 until known
	LateFrames      uint64        // frames sent in a catch-up burst
	SkippedFrames   uint64        // frames skipped (more than 3 due)
	MaxSendDev      time.Duration // worst send-interval deviation from 20 ms
	Remote          netip.AddrPort
	Latched         bool
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	var st Stats
	s.mu.Lock()
	st.PacketsSent, st.OctetsSent, st.SendErrors = s.sentPackets, s.sentOctets, s.sendErrors
	st.LateFrames, st.SkippedFrames, st.MaxSendDev = s.lateFrames, s.skipFrames, s.maxDev
	st.Remote, st.Latched = s.dest, s.latched
	clock := s.clockRate
	s.mu.Unlock()
	s.rxMu.Lock()
	st.PacketsReceived, st.OctetsReceived = s.rx.received, s.rx.octets
	if s.rx.init {
		exp := s.rx.expected()
		st.PacketsLost = int64(exp) - int64(s.rx.received)
		if exp > 0 && st.PacketsLost > 0 {
			st.FractionLost = float64(st.PacketsLost) / float64(exp)
		}
	}
	st.Jitter = s.rx.jitter
	if clock > 0 {
		st.JitterMs = s.rx.jitter * 1000 / float64(clock)
	}
	st.RTCPSent, st.RTCPReceived, st.RTT = s.rtcpTx, s.rtcpRx, s.rtt
	s.rxMu.Unlock()
	st.Digits = s.cntDigits.Load()
	st.Huge, st.Malformed, st.WrongPT = s.cntHuge.Load(), s.cntMalformed.Load(), s.cntWrongPT.Load()
	st.Foreign, st.LateOrDuplicate, st.EventsDropped = s.cntForeign.Load(), s.cntLateDup.Load(), s.cntEventsDropped.Load()
	st.Looped = s.cntLooped.Load()
	return st
}
