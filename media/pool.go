package media

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// ErrPortsExhausted is returned by Open when every RTP/RTCP pair of the range
// is in use (or could not be bound).
var ErrPortsExhausted = errors.New("media: RTP port range exhausted")

// PortPool hands out RTP/RTCP socket pairs from an even port range: RTP on an
// even port, RTCP on the next one. Allocation starts after the last port
// handed out (a rotating offset), so a just-released pair is not reused at
// once and late packets of an old call do not land in a new one.
type PortPool struct {
	ip    netip.Addr
	first int // first even port
	pairs int

	mu     sync.Mutex
	used   map[int]bool
	offset int
}

// NewPortPool makes a pool of ports in [min, max] on ip. Only pairs that fit
// entirely in the range are used.
func NewPortPool(ip netip.Addr, min, max int) *PortPool {
	min = max1(min, 1)
	if min%2 == 1 {
		min++
	}
	hi := max
	if hi > 65535 {
		hi = 65535
	}
	pairs := 0
	if hi >= min+1 {
		pairs = (hi - min + 1) / 2
	}
	return &PortPool{ip: ip, first: min, pairs: pairs, used: map[int]bool{}}
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// InUse is the number of pairs currently open.
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

// Open binds the next free pair and returns a session on it.
func (p *PortPool) Open() (*Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lastErr error
	for i := 0; i < p.pairs; i++ {
		idx := (p.offset + i) % p.pairs
		port := p.first + 2*idx
		if p.used[port] {
			continue
		}
		rtpSock, err := openRTPSocket(p.ip, port)
		if err != nil {
			lastErr = err
			continue
		}
		rtcpSock, err := openRTPSocket(p.ip, port+1) // the same kind of socket: the shared readers take both
		if err != nil {
			lastErr = err
			_ = rtpSock.close()
			continue
		}
		p.used[port] = true
		p.offset = (idx + 1) % p.pairs
		return newSession(p, port, rtpSock, rtcpSock), nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("%w: %s ports %d-%d: %d of %d pairs in use; last bind error: %w",
			ErrPortsExhausted, p.ip, p.first, p.first+2*p.pairs-1, len(p.used), p.pairs, lastErr)
	}
	return nil, fmt.Errorf("%w: %s ports %d-%d: %d of %d pairs in use",
		ErrPortsExhausted, p.ip, p.first, p.first+2*p.pairs-1, len(p.used), p.pairs)
}

func (p *PortPool) release(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}
