package voice

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/prompt"
	"github.com/switchboard/switchboard/sip"
)

// callMedia adapts a call's RTP session (and the SIP INFO digits) to the
// executor's Media: one digit stream merged from RFC 4733, SIP INFO and,
// when no telephone-event was negotiated, in-band tones.
type callMedia struct {
	sess   *media.Session
	law    g711.Law
	te     bool // telephone-event negotiated
	digits chan byte

	mu        sync.Mutex
	listeners map[int]func(pcm []int16)
	nextID    int
	playing   *playback      // what the caller hears now, for call recordings
	detector  *dtmf.Detector // in-band, when !te
	pcm       []int16        // decode buffer, sized by the first packet (receive goroutine only)
	taps      map[int]func(ulaw []byte)
	ulaw      []byte // A-law calls' inbound audio as μ-law for taps (receive goroutine only)
}

// newCallMedia starts the call's one watcher goroutine (pump): it merges
// the digits and, while the call lasts, does what w asks.
func newCallMedia(sess *media.Session, law g711.Law, te bool, info <-chan byte, w callWatch) *callMedia {
	m := &callMedia{sess: sess, law: law, te: te, digits: make(chan byte, 32)}
	if !te {
		m.detector = dtmf.NewDetector()
	}
	sess.SetAudioHandler(m.onAudio)
	go m.pump(info, w)
	return m
}

// callWatch is what a call's watcher does besides merging digits (onCall):
// until done closes (the call ended), it applies the caller's re-INVITEs
// (onUpdate) and reports a media timeout (onTimeout, once; the updates are
// not watched after it). One goroutine does both, where there were two
// (one more per call up, 2,000 calls: 2,000 goroutines and their stacks).
//
// onEnd, when set, is called once when the watcher has seen the call end
// (done, or the media timeout it reported), after it has moved every digit
// already waiting (SIP INFO, the session's RFC 4733 events, and the RTP
// still unread in the session's socket) to the flow's digits. The flow learns of the end through it, so a key the caller
// pressed before hanging up is always ahead of the hang-up, however late
// this goroutine runs on a loaded box (onCall).
type callWatch struct {
	done      <-chan struct{}
	updates   <-chan sip.MediaUpdate
	onUpdate  func(sip.MediaUpdate)
	onTimeout func()
	onEnd     func()
}

// pump merges the session's RFC 4733 digits and the SIP INFO digits, and
// watches the call (w) until the session closes.
func (m *callMedia) pump(info <-chan byte, w callWatch) {
	events := m.sess.Events()
	// ended: the call is over for the watcher; the digits already queued go
	// to the flow before it hears of the end (onEnd).
	ended := func() {
		w.done, w.updates = nil, nil
		if w.onEnd == nil {
			return
		}
		// RTP the caller sent before the BYE may still sit in the socket,
		// waiting for a busy reader: read it now, its keys first.
		m.sess.ReadPending()
		for drained := false; !drained; {
			select {
			case d, ok := <-info:
				if !ok {
					info = nil
					continue
				}
				m.push(d)
			case ev, ok := <-events:
				if !ok {
					events = nil
					continue
				}
				switch ev.Kind {
				case media.EventDigit:
					m.push(ev.Digit)
				case media.EventClosed:
					// The last event: the watcher's loop ends, as it
					// does when it reads the close itself.
					events, info = nil, nil
				}
			default:
				drained = true
			}
		}
		w.onEnd()
		w.onEnd = nil
	}
	defer func() {
		if w.onEnd != nil {
			w.onEnd() // the session closed first: the flow can do no more
		}
	}()
	for events != nil || info != nil {
		select {
		case <-w.done: // the call's end first: no re-INVITE is applied after it
			ended()
		default:
		}
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			switch ev.Kind {
			case media.EventDigit:
				m.push(ev.Digit)
			case media.EventTimeout:
				if w.done != nil && w.onTimeout != nil {
					w.onTimeout()
				}
				if w.done != nil {
					ended()
				}
			case media.EventClosed:
				return
			}
		case d, ok := <-info:
			if !ok {
				info = nil
				continue
			}
			m.push(d)
		case <-w.done:
			ended()
		case u, ok := <-w.updates:
			if !ok { // no more re-INVITEs: a closed channel must not spin the loop
				w.updates = nil
				continue
			}
			w.onUpdate(u)
		}
	}
}

func (m *callMedia) push(d byte) {
	select {
	case m.digits <- d:
	default: // a flood of digits nobody reads: drop, never block media
	}
}

// onAudio runs on the session's receive goroutine: decode once, feed the
// in-band detector and whoever listens (a recording).
func (m *callMedia) onAudio(pt uint8, _ uint32, payload []byte) {
	law := m.law
	switch pt {
	case 0:
		law = g711.Ulaw
	case 8:
		law = g711.Alaw
	default:
		return
	}
	if cap(m.pcm) < len(payload) {
		m.pcm = make([]int16, len(payload))
	}
	pcm := m.pcm[:len(payload)]
	law.Decode(pcm, payload)
	m.mu.Lock()
	det := m.detector
	for _, fn := range m.listeners {
		fn(pcm)
	}
	if len(m.taps) > 0 {
		ulaw := payload
		if pt != 0 {
			if cap(m.ulaw) < len(pcm) {
				m.ulaw = make([]byte, len(pcm))
			}
			ulaw = m.ulaw[:len(pcm)]
			g711.Ulaw.Encode(ulaw, pcm)
		}
		for _, fn := range m.taps {
			fn(ulaw)
		}
	}
	m.mu.Unlock()
	if det != nil {
		det.Feed(pcm, m.push)
	}
}

// playback is a prompt being sent: frame i leaves at start + i·20 ms.
type playback struct {
	frames [][]byte
	start  time.Time
}

func (m *callMedia) Play(ctx context.Context, frames [][]byte) error {
	pb := &playback{frames: frames, start: time.Now()}
	m.mu.Lock()
	m.playing = pb
	m.mu.Unlock()
	err := m.sess.Play(ctx, frames)
	m.mu.Lock()
	if m.playing == pb {
		m.playing = nil
	}
	m.mu.Unlock()
	return err
}

// heard returns the PCM the caller hears at t (silence when nothing plays).
func (m *callMedia) heard(t time.Time, dst []int16) []int16 {
	m.mu.Lock()
	pb := m.playing
	m.mu.Unlock()
	dst = dst[:frameSamples]
	clear(dst)
	if pb == nil {
		return dst
	}
	i := int(t.Sub(pb.start) / (20 * time.Millisecond))
	if i >= 0 && i < len(pb.frames) && len(pb.frames[i]) <= frameSamples {
		m.law.Decode(dst, pb.frames[i])
	}
	return dst
}

const frameSamples = 160

// RecordCall writes the call on the 20 ms wall-clock grid: the caller's
// audio and what the call hears, each filled with silence where it has
// gaps, so the two stay aligned (dual: left and right; mono: mixed).
func (m *callMedia) RecordCall(rec Recording, dual bool) func() error {
	blocks := make(chan []int16, 8)
	stopListen := m.Listen(func(pcm []int16) {
		b := append([]int16(nil), pcm...)
		select {
		case blocks <- b:
		default:
			// The recorder is behind: drop the oldest block, keep time.
			select {
			case <-blocks:
			default:
			}
			select {
			case blocks <- b:
			default:
			}
		}
	})
	done := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		left := make([]int16, frameSamples)
		right := make([]int16, frameSamples)
		mixed := make([]int16, frameSamples)
		var err error
		for {
			select {
			case <-done:
				if cerr := rec.Close(true); err == nil {
					err = cerr
				}
				result <- err
				return
			case now := <-tick.C:
				clear(left)
				select {
				case b := <-blocks:
					copy(left, b)
				default: // the caller sent nothing this tick
				}
				right = m.heard(now, right)
				if err != nil {
					continue
				}
				if dual {
					err = rec.WriteStereo(left, right)
					continue
				}
				for i := range mixed {
					mixed[i] = clamp16(int32(left[i]) + int32(right[i]))
				}
				err = rec.Write(mixed)
			}
		}
	}()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			stopListen()
			close(done)
			err = <-result
		})
		return err
	}
}

func clamp16(v int32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

// SendDigits sends RFC 4733 events when the caller negotiated them, else
// audible tones.
func (m *callMedia) SendDigits(ctx context.Context, digits string) error {
	if m.te {
		return m.sess.SendDigits(ctx, digits, 100, 100)
	}
	p, err := prompt.DTMF(digits)
	if err != nil {
		return err
	}
	return m.sess.Play(ctx, p.Frames(m.law))
}

func (m *callMedia) Digits() <-chan byte { return m.digits }

func (m *callMedia) Listen(fn func(pcm []int16)) func() {
	m.mu.Lock()
	if m.listeners == nil {
		m.listeners = map[int]func([]int16){}
	}
	id := m.nextID
	m.nextID++
	m.listeners[id] = fn
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.listeners, id)
		m.mu.Unlock()
	}
}
