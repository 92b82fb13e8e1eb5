// Package prompt holds audio ready to send on a call: 8 kHz mono PCM plus
// 20 ms G.711 frames (160 bytes, μ-law or A-law) built lazily once per law
// and shared by every call that plays the prompt.
package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/resample"
	"github.com/switchboard/switchboard/media/tts"
)

// Rate is the sample rate of every Prompt.
const Rate = 8000

// FrameSamples is the number of samples (and G.711 bytes) per 20 ms frame.
const FrameSamples = 160

// Digit timing for DTMF prompts.
const (
	DigitToneMS  = 100  // each digit's tone
	DigitGapMS   = 100  // silence after each digit
	ShortPauseMS = 500  // 'w'
	LongPauseMS  = 1000 // 'W'
)

// ErrBadDigit reports a character DTMF cannot play.
var ErrBadDigit = errors.New("prompt: not a DTMF digit")

// Prompt is immutable 8 kHz PCM with lazily built G.711 frames. It is safe
// for concurrent use.
type Prompt struct {
	pcm    []int16
	once   [2]sync.Once
	frames [2][][]byte
}

// FromPCM wraps 8 kHz mono samples; the Prompt takes ownership of pcm.
func FromPCM(pcm []int16) *Prompt { return &Prompt{pcm: pcm} }

// FromPCMRate converts mono samples at rate Hz to a Prompt.
func FromPCMRate(pcm []int16, rate int) (*Prompt, error) {
	if rate == Rate {
		return FromPCM(pcm), nil
	}
	out, err := resample.Resample(nil, pcm, rate, Rate)
	if err != nil {
		return nil, err
	}
	return FromPCM(out), nil
}

// FromReader decodes a WAV or MP3 stream (audio.KindAuto sniffs).
func FromReader(r io.Reader, kind audio.Kind) (*Prompt, error) {
	pcm, err := audio.Load(r, kind)
	if err != nil {
		return nil, err
	}
	return FromPCM(pcm), nil
}

// FromBytes decodes a WAV or MP3 file held in memory, such as the body of
// a Play URL (see audio.KindFromContentType).
func FromBytes(b []byte, kind audio.Kind) (*Prompt, error) {
	return FromReader(bytes.NewReader(b), kind)
}

// FromFile decodes the WAV or MP3 file at path.
func FromFile(path string) (*Prompt, error) {
	pcm, err := audio.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return FromPCM(pcm), nil
}

// FromTTS speaks req with t (through t's cache, if any). The PCM may be
// shared with the cache and is never modified.
func FromTTS(ctx context.Context, t *tts.TTS, req tts.Request) (*Prompt, error) {
	pcm, err := t.Synthesize(ctx, req)
	if err != nil {
		return nil, err
	}
	return FromPCM(pcm), nil
}

// Silence returns ms milliseconds of silence.
func Silence(ms int) *Prompt {
	return FromPCM(make([]int16, max(ms, 0)*Rate/1000))
}

// Tone returns a sine of freq Hz for ms milliseconds at level dBm0, with
// 5 ms raised-cosine ramps so it starts and stops without clicks.
func Tone(freq float64, ms int, dBm0 float64) *Prompt {
	n := max(ms, 0) * Rate / 1000
	pcm := make([]int16, n)
	amp := dtmf.Amplitude(dBm0)
	ramp := min(5*Rate/1000, n/2)
	for i := range pcm {
		g := 1.0
		if i < ramp {
			g = 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(ramp))
		} else if j := n - 1 - i; j < ramp {
			g = 0.5 - 0.5*math.Cos(math.Pi*float64(j)/float64(ramp))
		}
		pcm[i] = int16(math.Round(g * amp * math.Sin(2*math.Pi*freq*float64(i)/Rate)))
	}
	return FromPCM(pcm)
}

// Beep is the record beep: 1 kHz for 250 ms at −10 dBm0.
func Beep() *Prompt { return Tone(1000, 250, -10) }

// DTMF renders digits (0-9 * # A-D) as in-band tones, DigitToneMS each
// followed by DigitGapMS of silence; 'w' pauses 0.5 s and 'W' 1 s, as in
// Twilio's sendDigits. Spaces are ignored.
func DTMF(digits string) (*Prompt, error) {
	total := 0
	for i := 0; i < len(digits); i++ {
		switch c := digits[i]; c {
		case 'w':
			total += ShortPauseMS
		case 'W':
			total += LongPauseMS
		case ' ':
		default:
			if _, _, ok := dtmf.Frequencies(c); !ok {
				return nil, fmt.Errorf("%w: %q at %d in %q", ErrBadDigit, c, i, digits)
			}
			total += DigitToneMS + DigitGapMS
		}
	}
	pcm := make([]int16, 0, total*Rate/1000)
	for i := 0; i < len(digits); i++ {
		switch c := digits[i]; c {
		case 'w':
			pcm = append(pcm, make([]int16, ShortPauseMS*Rate/1000)...)
		case 'W':
			pcm = append(pcm, make([]int16, LongPauseMS*Rate/1000)...)
		case ' ':
		default:
			fr, fc, _ := dtmf.Frequencies(c)
			a := dtmf.Amplitude(dtmf.ToneLevelDBm0)
			pcm = dtmf.AppendTones(pcm, DigitToneMS, Rate, []float64{fr, fc}, []float64{a, a})
			pcm = append(pcm, make([]int16, DigitGapMS*Rate/1000)...)
		}
	}
	return FromPCM(pcm), nil
}

// Concat joins prompts into one.
func Concat(ps ...*Prompt) *Prompt {
	n := 0
	for _, p := range ps {
		n += len(p.pcm)
	}
	pcm := make([]int16, 0, n)
	for _, p := range ps {
		pcm = append(pcm, p.pcm...)
	}
	return FromPCM(pcm)
}

// PCM returns the 8 kHz samples; callers must not modify them.
func (p *Prompt) PCM() []int16 { return p.pcm }

// Len is the number of samples.
func (p *Prompt) Len() int { return len(p.pcm) }

// Duration is the prompt's length.
func (p *Prompt) Duration() time.Duration {
	return time.Duration(len(p.pcm)) * time.Second / Rate
}

// FrameCount is the number of 20 ms frames (the last one padded).
func (p *Prompt) FrameCount() int { return (len(p.pcm) + FrameSamples - 1) / FrameSamples }

// Frames returns the prompt as 160-byte G.711 frames in law, the last one
// padded with the law's silence. They are built on first use, in one
// allocation per law, and shared: callers must not modify them.
func (p *Prompt) Frames(law g711.Law) [][]byte {
	i := 0
	if law == g711.Alaw {
		i = 1
	}
	p.once[i].Do(func() {
		n := p.FrameCount()
		buf := make([]byte, n*FrameSamples)
		k := law.Encode(buf, p.pcm)
		sil := law.Silence()
		for j := k; j < len(buf); j++ {
			buf[j] = sil
		}
		frames := make([][]byte, n)
		for f := range frames {
			frames[f] = buf[f*FrameSamples : (f+1)*FrameSamples : (f+1)*FrameSamples]
		}
		p.frames[i] = frames
	})
	return p.frames[i]
}
