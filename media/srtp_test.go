package media

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

func srtpKey(b byte) []byte { return bytes.Repeat([]byte{b}, 30) }

// peerCtx is the far end's SRTP context for key k (key || salt).
func peerCtx(t *testing.T, k []byte, suite string) *srtp.Context {
	t.Helper()
	prof, err := srtpProfile(suite)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srtp.CreateContext(k[:16], k[16:], prof, srtp.SRTPReplayProtection(64))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSRTPSessionsTalk: two sessions with mirrored keys hear each other's
// frames in order, for both suites; what is on the wire is not the audio.
func TestSRTPSessionsTalk(t *testing.T) {
	for _, suite := range []string{SRTPAES128SHA1_80, SRTPAES128SHA1_32} {
		t.Run(suite, func(t *testing.T) {
			p := testPool(t, 4)
			a, b := openSession(t, p), openSession(t, p)
			must(t, a.SetSRTP(&SRTPKeys{Suite: suite, LocalKey: srtpKey(1), RemoteKey: srtpKey(2)}))
			must(t, b.SetSRTP(&SRTPKeys{Suite: suite, LocalKey: srtpKey(2), RemoteKey: srtpKey(1)}))
			var mu sync.Mutex
			var rx []byte
			b.SetAudioHandler(func(pt uint8, _ uint32, payload []byte) {
				if len(payload) == 160 && payload[0] != 0xFF {
					mu.Lock()
					rx = append(rx, payload[0])
					mu.Unlock()
				}
			})
			must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
			must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			must(t, a.Play(ctx, testFrames(20)))
			waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(rx) >= 20 })
			for i, v := range rx[:20] {
				if v != byte(i+1) {
					t.Fatalf("frame %d = %d", i, v)
				}
			}
			if st := b.SRTPStats(); !st.Enabled || st.AuthFailed != 0 || st.Replayed != 0 {
				t.Fatalf("b SRTP stats %+v", st)
			}
			// SRTCP: the reports decrypt (the peer's RTCP count grows), no drops.
			a.sendRTCP(false)
			waitFor(t, func() bool { return b.Stats().RTCPReceived > 0 })
			if st := b.SRTPStats(); st.AuthFailed != 0 || st.Other != 0 {
				t.Fatalf("SRTCP drops %+v", st)
			}
		})
	}
}

// TestSRTPWireAndDrops: the far end is a raw socket with its own pion
// context. What we send decrypts with our key and is not plaintext; what
// it sends reaches the handler; a tampered packet, a replay and a plain
// RTP packet are dropped and counted.
func TestSRTPWireAndDrops(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.SetSRTP(&SRTPKeys{Suite: SRTPAES128SHA1_80, LocalKey: srtpKey(3), RemoteKey: srtpKey(4)}))
	var mu sync.Mutex
	var got [][]byte
	s.SetAudioHandler(func(_ uint8, _ uint32, payload []byte) {
		mu.Lock()
		got = append(got, append([]byte(nil), payload...))
		mu.Unlock()
	})
	must(t, s.Start(peer.addr, 0, 8000, 101))

	// our sending, read raw
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() { _ = s.Play(ctx, testFrames(5)) }()
	dec := peerCtx(t, srtpKey(3), SRTPAES128SHA1_80)
	buf := make([]byte, 2048)
	sawAudio := false
	for i := 0; i < 20 && !sawAudio; i++ {
		_ = peer.conn.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := peer.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != 12+160+10 {
			t.Fatalf("SRTP packet is %d bytes, want 182 (tag of 10)", n)
		}
		wire := append([]byte(nil), buf[12:12+160]...)
		plain, err := dec.DecryptRTP(nil, buf[:n], nil)
		if err != nil {
			t.Fatalf("peer cannot decrypt: %v", err)
		}
		if pl := plain[12:]; pl[0] == 1 && bytes.Equal(pl, bytes.Repeat([]byte{1}, 160)) {
			sawAudio = true
			if bytes.Equal(wire, pl) {
				t.Fatal("payload went out in the clear")
			}
		}
	}
	if !sawAudio {
		t.Fatal("first frame never seen")
	}

	enc := peerCtx(t, srtpKey(4), SRTPAES128SHA1_80)
	seal := func(seq uint16, b0 byte) []byte {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 0xabc, SequenceNumber: seq, Timestamp: uint32(seq) * 160},
			Payload: bytes.Repeat([]byte{b0}, 160)}
		raw, _ := pkt.Marshal()
		out, err := enc.EncryptRTP(nil, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	send := func(b []byte) {
		if _, err := peer.conn.WriteToUDPAddrPort(b, s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	var pkts [][]byte
	for i := range 6 {
		pkts = append(pkts, seal(uint16(100+i), byte(0x10+i)))
	}
	for _, b := range pkts[:4] {
		send(b)
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 1 })

	tampered := append([]byte(nil), pkts[4]...)
	tampered[40] ^= 0x01
	send(tampered)
	send(pkts[1]) // replay
	plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 0xabc, SequenceNumber: 200},
		Payload: bytes.Repeat([]byte{0x55}, 160)}).Marshal()
	send(plain) // a plain RTP packet on an SRTP session
	send(pkts[5])
	waitFor(t, func() bool {
		st := s.SRTPStats()
		return st.AuthFailed >= 2 && st.Replayed >= 1
	})
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, g := range got {
		if g[0] == 0x14 || g[0] == 0x55 {
			t.Fatalf("a dropped packet reached the handler (%#x)", g[0])
		}
	}
	if st := s.SRTPStats(); st.AuthFailed != 2 || st.Replayed != 1 {
		t.Fatalf("stats %+v, want 2 auth failures (tampered, plain) and 1 replay", st)
	}
	if s := fmt.Sprintf("%v %+v", &SRTPKeys{Suite: "x", LocalKey: []byte("SECRETKEY")}, &SRTPKeys{LocalKey: []byte("SECRETKEY")}); strings.Contains(s, "SECRETKEY") || strings.Contains(s, "83 69") {
		t.Fatalf("keys printable: %s", s)
	}
}

// TestSRTPHotPathAllocs: SRTP adds no allocations per packet either way.
func TestSRTPHotPathAllocs(t *testing.T) {
	p := testPool(t, 2)
	s := openSession(t, p)
	peer := newRawPeer(t, loopback)
	must(t, s.SetSRTP(&SRTPKeys{Suite: SRTPAES128SHA1_80, LocalKey: srtpKey(5), RemoteKey: srtpKey(6)}))
	must(t, s.Start(peer.addr, 0, 8000, 101))
	s.SetAudioHandler(func(uint8, uint32, []byte) {})
	var h histogram
	s.mu.Lock()
	s.job, s.frames, s.pos = jobAudio, testFrames(1000), 0
	s.mu.Unlock()
	if n := testing.AllocsPerRun(200, func() {
		s.mu.Lock()
		s.produce(true, monoNow(), &h)
		s.mu.Unlock()
	}); n != 0 {
		t.Errorf("SRTP send path allocates %.1f per packet", n)
	}
	enc := peerCtx(t, srtpKey(6), SRTPAES128SHA1_80)
	raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 7}, Payload: make([]byte, 160)}).Marshal()
	var sealed [][]byte
	for i := range 300 {
		raw[2], raw[3] = byte(i>>8), byte(i)
		b, _ := enc.EncryptRTP(nil, raw, nil)
		sealed = append(sealed, b)
	}
	work := make([]byte, 2048)
	s.handleRTP(append(work[:0], sealed[0]...), peer.addr, monoNow()) // the SSRC's state is made once
	i := 1
	if n := testing.AllocsPerRun(200, func() {
		s.handleRTP(append(work[:0], sealed[i]...), peer.addr, monoNow())
		i++
	}); n != 0 {
		t.Errorf("SRTP receive path allocates %.1f per packet", n)
	}
	if st := s.SRTPStats(); st.AuthFailed+st.Replayed+st.Other != 0 {
		t.Fatalf("drops %+v", st)
	}
}

// TestSRTPBridgeToPlainLeg: leg a is SRTP, leg b plain RTP; each direction
// arrives decrypted or encrypted as its leg wants.
func TestSRTPBridgeToPlainLeg(t *testing.T) {
	r := newBridgeRig(t, 0, 0, 101, 101)
	must(t, r.a.SetSRTP(&SRTPKeys{Suite: SRTPAES128SHA1_32, LocalKey: srtpKey(7), RemoteKey: srtpKey(8)}))
	r.run(t, BridgeOptions{})
	enc := peerCtx(t, srtpKey(8), SRTPAES128SHA1_32)
	dec := peerCtx(t, srtpKey(7), SRTPAES128SHA1_32)
	for i := range 10 {
		raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 9, SequenceNumber: uint16(i), Timestamp: uint32(i) * 160},
			Payload: bytes.Repeat([]byte{0x42}, 160)}).Marshal()
		b, _ := enc.EncryptRTP(nil, raw, nil)
		_, _ = r.pa.conn.WriteToUDPAddrPort(b, r.a.LocalAddr())
		plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 10, SequenceNumber: uint16(i), Timestamp: uint32(i) * 160},
			Payload: bytes.Repeat([]byte{0x24}, 160)}).Marshal()
		_, _ = r.pb.conn.WriteToUDPAddrPort(plain, r.b.LocalAddr())
		time.Sleep(20 * time.Millisecond)
	}
	// b's peer hears 0x42 in the clear
	found := false
	for _, p := range r.pb.collect(t, 300*time.Millisecond) {
		if len(p.Payload) == 160 && p.Payload[0] == 0x42 {
			found = true
		}
	}
	if !found {
		t.Fatal("plain leg never heard the SRTP leg's audio")
	}
	// a's peer hears 0x24 after decrypting
	buf := make([]byte, 2048)
	heard := false
	for range 60 {
		_ = r.pa.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _, err := r.pa.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			break
		}
		out, err := dec.DecryptRTP(nil, buf[:n], nil)
		if err != nil {
			t.Fatalf("SRTP leg sent a packet its peer cannot decrypt: %v", err)
		}
		if len(out) == 12+160 && out[12] == 0x24 {
			heard = true
			break
		}
	}
	if !heard {
		t.Fatal("SRTP leg never heard the plain leg's audio")
	}
}
