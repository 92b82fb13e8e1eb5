package media

// reorderDepth is how many out-of-order packets the audio tap waits for
// (3 packets = 60 ms at 20 ms ptime, voice.md §2.6).
const reorderDepth = 3

// reorderBuffer puts received audio back in sequence order for the audio
// tap. An in-order packet is delivered at once; a packet after a gap waits
// until the gap is filled or the buffer holds reorderDepth packets, then the
// gap is given up. Packets older than the last delivered one are dropped.
// Payloads are copied into the slots (rtp.Packet aliases the read buffer),
// each slot's buffer made at its first out-of-order packet and sized by
// it: most calls never reorder, and three datagram-sized slots were 4.5 KB
// of every call. It is used by the receive goroutine only.
type reorderBuffer struct {
	started bool
	ssrc    uint32 // the source being reordered (see newSource)
	next    uint16 // sequence number expected next
	n       int
	slots   [reorderDepth]reorderSlot
}

type reorderSlot struct {
	used bool
	seq  uint16
	ts   uint32
	pt   uint8
	buf  []byte // the packet's payload; its array is kept for the next one
}

type deliverFunc = AudioHandler

func (r *reorderBuffer) reset() { *r = reorderBuffer{} }

// newSource starts over for a new synchronisation source (RFC 3550 §8.2: a
// new SSRC is a new stream with its own sequence numbers). Packets still
// buffered from the old source are delivered in order first. Without this,
// a source whose sequence numbers happen to be "behind" the old one's would
// be dropped as late for up to 32768 packets.
func (r *reorderBuffer) newSource(ssrc uint32, deliver deliverFunc) {
	if r.started && r.ssrc == ssrc {
		return
	}
	for r.n > 0 {
		r.flushOldest(deliver)
	}
	r.reset()
	r.ssrc = ssrc
}

// push offers a packet; deliver is called, in order, for every packet that
// becomes deliverable. It returns how many packets were dropped as late or
// duplicate.
func (r *reorderBuffer) push(seq uint16, pt uint8, ts uint32, payload []byte, deliver deliverFunc) (dropped int) {
	if !r.started {
		r.started, r.next = true, seq
	}
	d := int16(seq - r.next)
	switch {
	case d < 0:
		return 1 // late or duplicate
	case d == 0:
		deliver(pt, ts, payload)
		r.next++
		r.drain(deliver)
		return 0
	}
	// ahead of a gap: keep a copy
	for i := range r.slots {
		if r.slots[i].used && r.slots[i].seq == seq {
			return 1
		}
	}
	if r.n == reorderDepth {
		r.flushOldest(deliver)
	}
	for i := range r.slots {
		sl := &r.slots[i]
		if !sl.used {
			sl.used, sl.seq, sl.ts, sl.pt = true, seq, ts, pt
			sl.buf = append(sl.buf[:0], payload...)
			r.n++
			break
		}
	}
	if r.n == reorderDepth {
		r.flushOldest(deliver)
	}
	return 0
}

// flushOldest gives up the gap before the oldest buffered packet.
func (r *reorderBuffer) flushOldest(deliver deliverFunc) {
	best := -1
	for i := range r.slots {
		if r.slots[i].used && (best < 0 || int16(r.slots[i].seq-r.slots[best].seq) < 0) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	r.next = r.slots[best].seq
	r.drain(deliver)
}

// drain delivers buffered packets that are next in sequence.
func (r *reorderBuffer) drain(deliver deliverFunc) {
	for r.n > 0 {
		found := false
		for i := range r.slots {
			sl := &r.slots[i]
			if sl.used && sl.seq == r.next {
				deliver(sl.pt, sl.ts, sl.buf)
				sl.used = false
				r.n--
				r.next++
				found = true
				break
			}
		}
		if !found {
			return
		}
	}
}
