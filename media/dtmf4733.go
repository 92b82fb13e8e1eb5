package media

import (
	"encoding/binary"
	"errors"
	"time"
)

// RFC 4733 telephone-event payload: event(8) | E(1) R(1) volume(6) | duration(16).

// ErrShortEvent is returned for a telephone-event payload shorter than 4 bytes.
var ErrShortEvent = errors.New("media: telephone-event payload shorter than 4 bytes")

// dtmfEndTimeout ends an event whose end packets were lost (voice.md §2.3).
const dtmfEndTimeout = 200 * time.Millisecond

// dtmfVolume is the tone power we advertise, in -dBm0.
const dtmfVolume = 10

// TelephoneEvent is one decoded RFC 4733 payload.
type TelephoneEvent struct {
	Event    uint8
	End      bool
	Volume   uint8
	Duration uint16
}

// DecodeTelephoneEvent parses an RFC 4733 payload. Extra bytes (several
// events in one packet are not used for DTMF) are ignored.
func DecodeTelephoneEvent(p []byte) (TelephoneEvent, error) {
	if len(p) < 4 {
		return TelephoneEvent{}, ErrShortEvent
	}
	return TelephoneEvent{
		Event:    p[0],
		End:      p[1]&0x80 != 0,
		Volume:   p[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(p[2:4]),
	}, nil
}

// marshalTo writes the 4-byte payload into b.
func (e TelephoneEvent) marshalTo(b []byte) int {
	b[0] = e.Event
	b[1] = e.Volume & 0x3f
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], e.Duration)
	return 4
}

// DigitEvent maps a DTMF character (0-9 * # A-D, case-insensitive) to its
// RFC 4733 event code.
func DigitEvent(d byte) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return d - '0', true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return d - 'A' + 12, true
	case d >= 'a' && d <= 'd':
		return d - 'a' + 12, true
	}
	return 0, false
}

// EventChar maps an RFC 4733 event code 0-15 back to its character.
func EventChar(code uint8) (byte, bool) {
	const digits = "0123456789*#ABCD"
	if int(code) < len(digits) {
		return digits[code], true
	}
	return 0, false
}

type dtmfKey struct{ ssrc, ts uint32 }

// dtmfDecoder turns telephone-event packets into digits, reporting each event
// (keyed by SSRC and timestamp) exactly once: on its first E=1 packet, when a
// new event starts, or after dtmfEndTimeout without updates. It never looks
// at sequence numbers or at the duration field's growth rate.
type dtmfDecoder struct {
	active     bool
	cur        dtmfKey
	curDigit   byte
	lastUpdate time.Duration
	done       [8]dtmfKey // recently reported events; duplicates and late packets are ignored
	doneValid  [8]bool
	doneNext   int
}

func (d *dtmfDecoder) reported(k dtmfKey) bool {
	for i := range d.done {
		if d.doneValid[i] && d.done[i] == k {
			return true
		}
	}
	return false
}

func (d *dtmfDecoder) markReported(k dtmfKey) {
	d.done[d.doneNext] = k
	d.doneValid[d.doneNext] = true
	d.doneNext = (d.doneNext + 1) % len(d.done)
}

// push feeds one telephone-event payload. It returns up to two digits: an
// unfinished previous event ended by the start of a new one, then this one.
func (d *dtmfDecoder) push(ssrc, ts uint32, payload []byte, now time.Duration) (out [2]byte, n int) {
	ev, err := DecodeTelephoneEvent(payload)
	if err != nil {
		return out, 0
	}
	digit, ok := EventChar(ev.Event)
	if !ok {
		return out, 0 // flash and non-DTMF events are not digits
	}
	k := dtmfKey{ssrc, ts}
	if d.reported(k) {
		return out, 0 // duplicate end packet or late update
	}
	if d.active && d.cur != k {
		out[n] = d.curDigit
		n++
		d.markReported(d.cur)
		d.active = false
	}
	if ev.End {
		out[n] = digit
		n++
		d.markReported(k)
		d.active = false
		return out, n
	}
	d.active, d.cur, d.curDigit, d.lastUpdate = true, k, digit, now
	return out, n
}

// expire reports an event whose updates stopped without an end packet.
func (d *dtmfDecoder) expire(now time.Duration) (byte, bool) {
	if !d.active || now-d.lastUpdate < dtmfEndTimeout {
		return 0, false
	}
	d.active = false
	d.markReported(d.cur)
	return d.curDigit, true
}
