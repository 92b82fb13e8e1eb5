package media

import "sync"

// StereoTap lines a bridge's two tapped directions up into stereo for a
// dual-channel recording (caller left, far end right, as Twilio's dual
// recordings are). Each channel's samples are placed at their tap position;
// what a channel is missing (a pause, lost packets, the far end not yet
// talking) becomes silence. Stereo is written once both channels reach a
// point, or when one runs more than StereoTapSlack ahead of the other, so a
// silent direction never holds the recording back for long. Use its Tap
// method as BridgeOptions.Tap and Close it after the bridge ends.
type StereoTap struct {
	mu      sync.Mutex
	write   func(left, right []int16) error
	emitted int64 // samples written out so far, from tap position 0
	ch      [2]stereoChan
	err     error
	closed  bool
}

type stereoChan struct {
	buf []int16 // samples from position emitted on; zero where nothing came
	end int64   // one past the last position heard
}

// StereoTapSlack is how far (in 8 kHz samples, 200 ms) one channel may run
// ahead of the other before the other is taken as silent.
const StereoTapSlack = 1600

// stereoTapCap bounds each channel's buffer (2 s): a position further ahead
// is a jump, and what lies before it is written out as it stands.
const stereoTapCap = 16000

// NewStereoTap writes stereo through write (e.g. audio.Writer.WriteStereo).
// write is called with the tap's lock held, from a receive goroutine or
// Close: it should be quick (a buffered file write).
func NewStereoTap(write func(left, right []int16) error) *StereoTap {
	t := &StereoTap{write: write}
	for i := range t.ch {
		t.ch[i].buf = make([]int16, 0, stereoTapCap+StereoTapSlack+maxPayload)
	}
	return t
}

// Tap is a TapFunc.
func (t *StereoTap) Tap(ch Channel, pos int64, pcm []int16) {
	if ch != ChannelCaller && ch != ChannelFarEnd {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.err != nil {
		return
	}
	if pos < t.emitted { // partly or wholly in the past: keep the rest
		skip := t.emitted - pos
		if skip >= int64(len(pcm)) {
			return
		}
		pcm, pos = pcm[skip:], t.emitted
	}
	if pos+int64(len(pcm))-t.emitted > stereoTapCap {
		// far ahead: write out what is buffered, then start again at pos
		t.flush(t.maxEnd())
		t.emitted = max(t.emitted, pos)
		for i := range t.ch {
			t.ch[i].buf, t.ch[i].end = t.ch[i].buf[:0], max(t.ch[i].end, t.emitted)
		}
	}
	c := &t.ch[ch]
	off := int(pos - t.emitted)
	if need := off + len(pcm); need > len(c.buf) {
		n := len(c.buf)
		c.buf = c.buf[:need]
		clear(c.buf[n:])
	}
	copy(c.buf[off:], pcm)
	c.end = max(c.end, pos+int64(len(pcm)))
	// write what both channels have, or what the leader has beyond the slack
	upTo := min(t.ch[0].end, t.ch[1].end)
	if lead := t.maxEnd() - StereoTapSlack; lead > upTo {
		upTo = lead
	}
	t.flush(upTo)
}

func (t *StereoTap) maxEnd() int64 { return max(t.ch[0].end, t.ch[1].end) }

// flush writes samples up to position upTo (exclusive); with t.mu held.
func (t *StereoTap) flush(upTo int64) {
	n := int(upTo - t.emitted)
	if n <= 0 {
		return
	}
	var side [2][]int16
	for i := range t.ch {
		c := &t.ch[i]
		if len(c.buf) < n { // pad a lagging channel with silence
			k := len(c.buf)
			c.buf = c.buf[:n]
			clear(c.buf[k:])
		}
		side[i] = c.buf[:n]
	}
	if err := t.write(side[0], side[1]); err != nil && t.err == nil {
		t.err = err
	}
	for i := range t.ch {
		c := &t.ch[i]
		k := copy(c.buf, c.buf[n:])
		c.buf = c.buf[:k]
	}
	t.emitted = upTo
}

// Close writes what is left (the lagging channel padded with silence) and
// returns the first write error.
func (t *StereoTap) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		if t.err == nil {
			t.flush(t.maxEnd())
		}
	}
	return t.err
}
