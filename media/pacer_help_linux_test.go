//go:build linux && (amd64 || arm64)

package media

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestReadersServeAStalledWheel stops the wheels' goroutines (as a box
// whose scheduler runs other goroutines does) while every session's peer
// keeps sending, as phones do: the RTP readers must go on sending the
// sessions' frames on time. With the readers' help turned off the same
// stall must stop the frames, or the test could not tell.
func TestReadersServeAStalledWheel(t *testing.T) {
	for _, help := range []bool{true, false} {
		t.Run(fmt.Sprintf("help=%v", help), func(t *testing.T) {
			pacerHelpOff.Store(!help)
			defer pacerHelpOff.Store(false)
			const sessions, stall = 10, 400 * time.Millisecond
			want := sessions * int(stall/frameDur)
			got, onTime := framesDuringStall(t, sessions, stall)
			t.Logf("frames sent during a %v wheel stall: %d of %d, %d within 3 ms of their 20 ms slot", stall, got, want, onTime)
			switch {
			case help && onTime < want*6/10:
				t.Fatalf("readers kept %d of %d frames on time (%d sent) while the wheels were stalled", onTime, want, got)
			case !help && got > want*3/10:
				t.Fatalf("without the readers' help %d of %d frames still left during the stall: the stall did not stall", got, want)
			}
		})
	}
}

// framesDuringStall runs n sessions, each playing to a peer that sends it a
// packet every 20 ms, holds the wheels for d and counts the frames the peers
// received meanwhile, and how many of them came within 3 ms of 20 ms after
// the one before.
func framesDuringStall(t *testing.T, n int, d time.Duration) (got, onTime int) {
	p := testPool(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	var from, to atomic.Int64 // the window, monoNow
	from.Store(int64(time.Hour))
	var counted, good atomic.Int64
	peers := make([]*rawPeer, n)
	ss := make([]*Session, n)
	for i := range n {
		ss[i], peers[i] = openSession(t, p), newRawPeer(t, loopback)
		must(t, ss[i].Start(peers[i].addr, 0, 8000, 101))
		wg.Add(2)
		go func() { defer wg.Done(); _ = ss[i].Play(ctx, testFrames(250)) }()
		go func() { // the peer's receiver
			defer wg.Done()
			buf := make([]byte, 2048)
			var last time.Duration
			for ctx.Err() == nil {
				_ = peers[i].conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				if _, _, err := peers[i].conn.ReadFromUDPAddrPort(buf); err != nil {
					continue
				}
				at := monoNow()
				if int64(at) >= from.Load() && int64(at) < to.Load() {
					counted.Add(1)
					if dev := at - last - frameDur; dev < 3*time.Millisecond && dev > -3*time.Millisecond {
						good.Add(1)
					}
				}
				last = at
			}
		}()
	}
	wg.Add(1)
	go func() { // the peers' senders: 50 packets a second each, on their own clock
		defer wg.Done()
		tk := time.NewTicker(frameDur)
		defer tk.Stop()
		for seq := uint16(1); ; seq++ {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 7}, Payload: make([]byte, 160)}
			b, _ := pkt.Marshal()
			for i := range n {
				_, _ = peers[i].conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(loopback, ss[i].LocalAddr().Port()))
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // every session sending

	release := make(chan struct{})
	hold := func() { <-release }
	testWheelHold.Store(&hold)
	var once sync.Once
	free := func() { once.Do(func() { testWheelHold.Store(nil); close(release) }) }
	defer free()
	time.Sleep(20 * time.Millisecond) // every wheel is at its hold
	start := monoNow()
	to.Store(int64(start + d))
	from.Store(int64(start))
	time.Sleep(d + 10*time.Millisecond)
	free()
	return int(counted.Load()), int(good.Load())
}
