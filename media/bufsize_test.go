package media

import (
	"bytes"
	"testing"
	"time"
	"unsafe"
)

// TestSendBufferSizedByUse: a session's send buffer is as large as the
// packets it sent (and an SRTP tag), not a datagram; SRTP seals in it
// without allocating; a larger packet grows it.
func TestSendBufferSizedByUse(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.SetSRTP(&SRTPKeys{Suite: SRTPAES128SHA1_80, LocalKey: srtpKey(7), RemoteKey: srtpKey(8)}))
	must(t, s.Start(peer.addr, 0, 8000, 101))
	var h histogram
	send := func(frames [][]byte) float64 {
		s.mu.Lock()
		s.job, s.frames, s.pos = jobAudio, frames, 0
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.endJob(false)
			s.mu.Unlock()
		}()
		return testing.AllocsPerRun(50, func() {
			s.mu.Lock()
			s.produce(true, monoNow(), &h)
			s.mu.Unlock()
		})
	}
	if allocs := send(testFrames(100)); allocs != 0 {
		t.Errorf("sending SRTP allocates %.1f per packet", allocs)
	}
	if c := cap(s.txBuf); c != rtpHeaderLen+160+maxSRTPTag {
		t.Errorf("send buffer %d bytes after 160-byte frames, want %d", c, rtpHeaderLen+160+maxSRTPTag)
	}
	if pk := peer.read(t, 2*time.Second); pk == nil || len(pk.Payload) != 160+10 {
		t.Fatalf("sent %+v, want a 160-byte frame and its 10-byte tag", pk)
	}
	big := [][]byte{bytes.Repeat([]byte{1}, 320), bytes.Repeat([]byte{2}, 320)}
	send(big)
	if c := cap(s.txBuf); c != rtpHeaderLen+320+maxSRTPTag {
		t.Errorf("send buffer %d bytes after 320-byte frames, want %d", c, rtpHeaderLen+320+maxSRTPTag)
	}
}

// TestReorderSlotsSizedByUse: packets in order take no slot memory; one
// held for a gap is copied into a slot its own size and delivered intact
// once the gap fills.
func TestReorderSlotsSizedByUse(t *testing.T) {
	var r reorderBuffer
	var got [][]byte
	deliver := func(_ uint8, _ uint32, b []byte) { got = append(got, append([]byte(nil), b...)) }
	r.newSource(1, deliver)
	for seq := uint16(100); seq < 110; seq++ {
		r.push(seq, 0, uint32(seq)*160, bytes.Repeat([]byte{byte(seq)}, 160), deliver)
	}
	for i, sl := range r.slots {
		if sl.buf != nil {
			t.Fatalf("slot %d holds %d bytes with every packet in order", i, cap(sl.buf))
		}
	}
	r.push(111, 0, 111*160, bytes.Repeat([]byte{111}, 160), deliver) // 110 is late
	held := 0
	for _, sl := range r.slots {
		if sl.used {
			held++
			if len(sl.buf) != 160 || cap(sl.buf) > 192 {
				t.Fatalf("held packet in a %d/%d-byte slot", len(sl.buf), cap(sl.buf))
			}
		}
	}
	if held != 1 || len(got) != 10 {
		t.Fatalf("held %d, delivered %d", held, len(got))
	}
	r.push(110, 0, 110*160, bytes.Repeat([]byte{110}, 160), deliver)
	if len(got) != 12 || !bytes.Equal(got[10], bytes.Repeat([]byte{110}, 160)) || !bytes.Equal(got[11], bytes.Repeat([]byte{111}, 160)) {
		t.Fatalf("after the gap filled: %d delivered", len(got))
	}
}

// An Event is two bytes: every session buffers eventBuffer of them.
func TestEventIsTwoBytes(t *testing.T) {
	if n := unsafe.Sizeof(Event{}); n != 2 {
		t.Errorf("Event is %d bytes, want 2", n)
	}
}
