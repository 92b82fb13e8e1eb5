package media

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// rxStats follows one remote audio source per RFC 3550 A.1 (sequence
// numbers, expected and lost) and A.8 (interarrival jitter).
type rxStats struct {
	init          bool
	ssrc          uint32
	maxSeq        uint16
	cycles        uint32
	baseSeq       uint32
	received      uint64
	octets        uint64
	transit       int64
	jitter        float64
	expectedPrior uint64
	receivedPrior uint64
}

const maxDropout = 3000

func (r *rxStats) update(ssrc uint32, seq uint16, ts uint32, size int, now time.Duration, clockRate int) {
	if !r.init || ssrc != r.ssrc {
		*r = rxStats{init: true, ssrc: ssrc, maxSeq: seq, baseSeq: uint32(seq)}
		r.transit = arrivalUnits(now, clockRate) - int64(ts)
	} else {
		delta := seq - r.maxSeq
		switch {
		case delta == 0: // duplicate
		case delta < maxDropout:
			if seq < r.maxSeq {
				r.cycles += 1 << 16
			}
			r.maxSeq = seq
		case delta <= 0xffff-100: // a big jump: the source restarted
			*r = rxStats{init: true, ssrc: ssrc, maxSeq: seq, baseSeq: uint32(seq)}
			r.transit = arrivalUnits(now, clockRate) - int64(ts)
		}
		// A.8: J += (|D| - J) / 16, D from transit times in timestamp units
		transit := arrivalUnits(now, clockRate) - int64(ts)
		d := transit - r.transit
		r.transit = transit
		if d < 0 {
			d = -d
		}
		// a timestamp wrap shows up as a huge D; ignore it
		if d < int64(clockRate)*10 {
			r.jitter += (float64(d) - r.jitter) / 16
		}
	}
	r.received++
	r.octets += uint64(size)
}

func arrivalUnits(now time.Duration, clockRate int) int64 {
	return int64(now) / 1000 * int64(clockRate) / 1_000_000
}

func (r *rxStats) extMax() uint32 { return r.cycles + uint32(r.maxSeq) }

func (r *rxStats) expected() uint64 {
	return uint64(r.extMax()) - uint64(r.baseSeq) + 1
}

// reportBlock builds a reception report and advances the interval counters.
func (r *rxStats) reportBlock() rtcp.ReceptionReport {
	exp := r.expected()
	lost := int64(exp) - int64(r.received)
	lost = max(min(lost, 0x7fffff), -0x800000)
	expInt := exp - r.expectedPrior
	recInt := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = exp, r.received
	var frac uint8
	if expInt > 0 && expInt > recInt {
		frac = uint8((expInt - recInt) << 8 / expInt)
	}
	return rtcp.ReceptionReport{
		SSRC:               r.ssrc,
		FractionLost:       frac,
		TotalLost:          uint32(lost) & 0xffffff,
		LastSequenceNumber: r.extMax(),
		Jitter:             uint32(r.jitter),
	}
}

// ntpTime converts a wall-clock time to the 64-bit NTP format.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	sec := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return sec<<32 | frac
}

// sendRTCP sends an SR (if we sent since the last report) or RR with SDES
// CNAME to the remote RTCP port, plus BYE when bye is set.
func (s *Session) sendRTCP(bye bool) {
	now := monoNow()
	wall := time.Now()
	s.mu.Lock()
	dest := s.rtcpDest
	ssrc := s.ssrc
	sent, octets := s.sentPackets, s.sentOctets
	sender := sent > s.lastSRPkts
	s.lastSRPkts = sent
	var rtpTime uint32
	if s.started && s.clockRate > 0 {
		rtpTime = s.ts0 + uint32(int64(now-s.start)*int64(s.clockRate)/int64(time.Second))
	}
	s.mu.Unlock()
	if !dest.IsValid() {
		return
	}

	var reports []rtcp.ReceptionReport
	s.rxMu.Lock()
	if s.rx.init {
		rr := s.rx.reportBlock()
		if s.lastSR != 0 {
			rr.LastSenderReport = s.lastSR
			rr.Delay = uint32((now - s.lastSRA) * 65536 / time.Second)
		}
		reports = append(reports, rr)
	}
	s.rxMu.Unlock()

	pkts := make([]rtcp.Packet, 0, 3)
	if sender {
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC: ssrc, NTPTime: ntpTime(wall), RTPTime: rtpTime,
			PacketCount: uint32(sent), OctetCount: uint32(octets), Reports: reports,
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: ssrc, Reports: reports})
	}
	pkts = append(pkts, rtcp.NewCNAMESourceDescription(ssrc, s.cname))
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{ssrc}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return
	}
	if b = s.sealRTCP(b); b == nil { // SRTCP (srtp.go)
		return
	}
	if err := s.rtcp.writeTo(b, dest); err == nil {
		s.rxMu.Lock()
		s.rtcpTx++
		s.rxMu.Unlock()
	}
}

// readRTCP reads RTCP on a goroutine of its own, where the shared readers
// (rxloop_linux.go) do not take the socket.
func (s *Session) readRTCP() {
	defer s.wg.Done()
	buf := make([]byte, maxDatagram+1)
	for {
		n, src, err := s.rtcp.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.handleRTCP(buf[:n], src.Addr(), monoNow())
	}
}

// handleRTCP accepts a compound RTCP packet from the remote's IP: it keeps
// the call alive, records SR times for LSR/DLSR and computes RTT from
// reports about our SSRC.
func (s *Session) handleRTCP(b []byte, srcIP netip.Addr, now time.Duration) {
	if len(b) > maxDatagram {
		return
	}
	s.mu.Lock()
	ok := s.started && (srcIP == s.dest.Addr() || srcIP == s.remote.Addr())
	ssrc := s.ssrc
	s.mu.Unlock()
	if !ok {
		s.cntForeign.Add(1)
		return
	}
	if b = s.openRTCP(b); b == nil { // SRTCP (srtp.go): dropped and counted
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.cntMalformed.Add(1)
		return
	}
	s.lastRx.Store(int64(now))
	s.timeoutFired.Store(false)
	wall := ntpTime(time.Now())
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	s.rtcpRx++
	var blocks []rtcp.ReceptionReport
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.lastSR = uint32(p.NTPTime >> 16)
			s.lastSRA = now
			blocks = p.Reports
		case *rtcp.ReceiverReport:
			blocks = p.Reports
		}
		for _, rr := range blocks {
			if rr.SSRC != ssrc || rr.LastSenderReport == 0 {
				continue
			}
			mid := uint32(wall >> 16)
			rtt := mid - rr.LastSenderReport - rr.Delay
			if rtt < 1<<30 {
				s.rtt = time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			}
		}
		blocks = nil
	}
}
