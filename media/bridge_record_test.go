package media

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/media/g711"
)

// frameOf is 160 samples of v.
func frameOf(v int16) []int16 {
	f := make([]int16, 160)
	for i := range f {
		f[i] = v
	}
	return f
}

// TestStereoTapAlignment: samples land at their positions in their channel;
// gaps and a silent channel become silence; a channel more than the slack
// ahead is not held back; late and repeated audio is not written twice.
func TestStereoTapAlignment(t *testing.T) {
	type tap struct {
		ch  Channel
		pos int64
		v   int16
	}
	for _, tc := range []struct {
		name        string
		taps        []tap
		left, right []int16 // the value of each 160-sample frame written
		beforeClose int     // frames written before Close
	}{
		{"both in step", []tap{{0, 0, 1}, {1, 0, 2}, {0, 160, 3}, {1, 160, 4}}, []int16{1, 3}, []int16{2, 4}, 2},
		{"far end silent", []tap{{0, 0, 1}, {0, 160, 2}, {0, 320, 3}}, []int16{1, 2, 3}, []int16{0, 0, 0}, 0},
		{"far end starts late", []tap{{0, 0, 1}, {0, 160, 2}, {1, 320, 7}, {0, 320, 3}}, []int16{1, 2, 3}, []int16{0, 0, 7}, 3},
		{"caller pauses", []tap{{0, 0, 1}, {1, 0, 5}, {1, 160, 5}, {1, 320, 5}, {0, 320, 2}}, []int16{1, 0, 2}, []int16{5, 5, 5}, 3},
		{"duplicate dropped", []tap{{0, 0, 1}, {1, 0, 2}, {0, 0, 9}, {0, 160, 3}, {1, 160, 4}}, []int16{1, 3}, []int16{2, 4}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var left, right []int16
			st := NewStereoTap(func(l, r []int16) error {
				if len(l) != len(r) {
					t.Fatalf("unequal channels %d/%d", len(l), len(r))
				}
				left, right = append(left, l...), append(right, r...)
				return nil
			})
			for _, x := range tc.taps {
				st.Tap(x.ch, x.pos, frameOf(x.v))
			}
			if got := len(left) / 160; got != tc.beforeClose {
				t.Errorf("%d frames written before Close, want %d", got, tc.beforeClose)
			}
			must(t, st.Close())
			if len(left) != 160*len(tc.left) {
				t.Fatalf("%d samples, want %d", len(left), 160*len(tc.left))
			}
			for i := range tc.left {
				if left[160*i] != tc.left[i] || right[160*i] != tc.right[i] || left[160*i+159] != tc.left[i] {
					t.Fatalf("frame %d = %d/%d, want %d/%d", i, left[160*i], right[160*i], tc.left[i], tc.right[i])
				}
			}
		})
	}
	// a channel far ahead of the other does not wait for it
	var n int
	st := NewStereoTap(func(l, r []int16) error { n += len(l); return nil })
	for i := range 20 {
		st.Tap(ChannelCaller, int64(160*i), frameOf(1))
	}
	if n < 20*160-StereoTapSlack {
		t.Fatalf("only %d samples written while the far end was silent", n)
	}
	// a jump far ahead flushes and starts again there, without a huge buffer
	st.Tap(ChannelCaller, 1e6, frameOf(1))
	must(t, st.Close())
	if n != 20*160+160 {
		t.Fatalf("%d samples after the jump", n)
	}
}

// TestBridgeDualRecording: a bridged call recorded through StereoTap into a
// WAV file has the caller's tone on the left and the far end's on the right.
func TestBridgeDualRecording(t *testing.T) {
	r := newBridgeRig(t, 0, 8, 101, 101)
	path := filepath.Join(t.TempDir(), "call.wav")
	w, err := audio.Create(path, 2)
	must(t, err)
	st := NewStereoTap(w.WriteStereo)
	stop := r.run(t, BridgeOptions{Tap: st.Tap})
	const n = 25
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.pa.collect(t, n*frameDur+200*time.Millisecond) }()
	doneA := r.pa.sendStream(r.a.LocalAddr(), stream{pt: 0, ssrc: 1, frames: encodeFrames(g711.Ulaw, tone(1000, 8000, n))})
	doneB := r.pb.sendStream(r.b.LocalAddr(), stream{pt: 8, ssrc: 2, frames: encodeFrames(g711.Alaw, tone(1500, 8000, n))})
	r.pb.collect(t, n*frameDur+200*time.Millisecond)
	wg.Wait()
	must(t, <-doneA)
	must(t, <-doneB)
	must(t, stop().err)
	must(t, st.Close())
	must(t, w.Close())

	b, err := os.ReadFile(path)
	must(t, err)
	i := bytes.Index(b, []byte("data"))
	if i < 0 || b[22] != 2 {
		t.Fatalf("not a stereo WAV")
	}
	data := b[i+8:]
	var left, right []int16
	for k := 0; k+4 <= len(data); k += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(data[k:])))
		right = append(right, int16(binary.LittleEndian.Uint16(data[k+2:])))
	}
	if len(left) < n*160 || len(left) > n*160+8000 {
		t.Fatalf("%d samples recorded for %d frames", len(left), n)
	}
	if l1, l2 := goertzel(left, 1000), goertzel(left, 1500); l1 < 100*l2 {
		t.Fatalf("left: 1000 Hz %.3g, 1500 Hz %.3g", l1, l2)
	}
	if r2, r1 := goertzel(right, 1500), goertzel(right, 1000); r2 < 100*r1 {
		t.Fatalf("right: 1500 Hz %.3g, 1000 Hz %.3g", r2, r1)
	}
}
