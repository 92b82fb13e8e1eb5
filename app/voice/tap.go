package voice

import (
	"sync"
	"time"

	"github.com/switchboard/switchboard/media/g711"
)

// ulawSilence is what a tap's outbound side gets between prompts.
var ulawSilence = func() []byte {
	b := make([]byte, frameSamples)
	for i := range b {
		b[i] = g711.Ulaw.Silence()
	}
	return b
}()

// Tap copies the call's audio, μ-law encoded, for a media stream: in gets
// each packet the caller sends (on the receive goroutine, as it arrives),
// out what the caller hears, one 20 ms frame per tick with silence between
// prompts. Either may be nil. The slices are only valid during the call
// of the function, which must not block: a μ-law call's packets and
// prompt frames are passed as they are, not copied.
func (m *callMedia) Tap(in, out func(ulaw []byte)) (stop func()) {
	var id int
	if in != nil {
		m.mu.Lock()
		if m.taps == nil {
			m.taps = map[int]func([]byte){}
		}
		id = m.nextID
		m.nextID++
		m.taps[id] = in
		m.mu.Unlock()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	if out != nil {
		go func() {
			defer close(finished)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			var pcm []int16
			ulaw := make([]byte, frameSamples)
			for {
				select {
				case <-done:
					return
				case now := <-tick.C:
					out(m.heardULaw(now, &pcm, ulaw))
				}
			}
		}()
	} else {
		close(finished)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if in != nil {
				m.mu.Lock()
				delete(m.taps, id)
				m.mu.Unlock()
			}
			close(done)
			<-finished
		})
	}
}

// heardULaw is the frame the caller hears at t as μ-law: the prompt's own
// frame on a μ-law call, transcoded on an A-law one, else silence.
func (m *callMedia) heardULaw(t time.Time, pcm *[]int16, scratch []byte) []byte {
	m.mu.Lock()
	pb := m.playing
	m.mu.Unlock()
	if pb == nil {
		return ulawSilence
	}
	i := int(t.Sub(pb.start) / (20 * time.Millisecond))
	if i < 0 || i >= len(pb.frames) || len(pb.frames[i]) > frameSamples {
		return ulawSilence
	}
	f := pb.frames[i]
	if m.law == g711.Ulaw {
		return f
	}
	if cap(*pcm) < len(f) {
		*pcm = make([]int16, len(f))
	}
	p := (*pcm)[:len(f)]
	m.law.Decode(p, f)
	g711.Ulaw.Encode(scratch[:len(f)], p)
	return scratch[:len(f)]
}
