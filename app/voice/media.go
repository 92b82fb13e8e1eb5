package voice

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/prompt"
)

// callMedia adapts a call's RTP session (and the SIP INFO digits) to the
// executor's Media: one digit stream merged from RFC 4733, SIP INFO and,
// when no telephone-event was negotiated, in-band tones.
type callMedia struct {
	sess   *media.Session
	law    g711.Law
	te     bool // telephone-event negotiated
	digits chan byte

	mu       sync.Mutex
	listener func(pcm []int16)
	detector *dtmf.Detector // in-band, when !te
	pcm      []int16        // decode buffer (receive goroutine only)
	timeout  chan struct{}  // closed on a media timeout
	once     sync.Once
}

func newCallMedia(sess *media.Session, law g711.Law, te bool, info <-chan byte) *callMedia {
	m := &callMedia{sess: sess, law: law, te: te, digits: make(chan byte, 32), timeout: make(chan struct{}),
		pcm: make([]int16, 0, 480)}
	if !te {
		m.detector = dtmf.NewDetector()
	}
	sess.SetAudioHandler(m.onAudio)
	go m.pump(info)
	return m
}

// pump merges the session's RFC 4733 digits and the SIP INFO digits.
func (m *callMedia) pump(info <-chan byte) {
	events := m.sess.Events()
	for events != nil || info != nil {
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
				m.once.Do(func() { close(m.timeout) })
			case media.EventClosed:
				return
			}
		case d, ok := <-info:
			if !ok {
				info = nil
				continue
			}
			m.push(d)
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
	fn, det := m.listener, m.detector
	m.mu.Unlock()
	if det != nil {
		det.Feed(pcm, m.push)
	}
	if fn != nil {
		fn(pcm)
	}
}

func (m *callMedia) Play(ctx context.Context, frames [][]byte) error { return m.sess.Play(ctx, frames) }

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
	m.listener = fn
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		m.listener = nil
		m.mu.Unlock()
	}
}

// Timeout is closed when no media arrived for the session's media timeout.
func (m *callMedia) Timeout() <-chan struct{} { return m.timeout }
