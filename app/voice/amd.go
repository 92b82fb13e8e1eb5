package voice

import (
	"math"
	"time"
)

// AnsweredBy values, as Twilio reports who answered an outbound call.
const (
	AnsweredHuman             = "human"
	AnsweredMachineStart      = "machine_start"
	AnsweredMachineEndBeep    = "machine_end_beep"
	AnsweredMachineEndSilence = "machine_end_silence"
	AnsweredMachineEndOther   = "machine_end_other"
	AnsweredUnknown           = "unknown"
)

// AMD settings, Twilio's defaults (its MachineDetection* parameters).
const (
	amdSpeechThreshold    = 2400 * time.Millisecond // speech this long is a machine's greeting
	amdSpeechEndThreshold = 1200 * time.Millisecond // silence this long ends the speech
	amdSilenceTimeout     = 5000 * time.Millisecond // no speech this long: unknown
	amdFrame              = 20 * time.Millisecond
	amdFrameSamples       = 160
	// A frame is voiced at this RMS or more (about -38 dBFS: well above a
	// quiet line, well below speech).
	amdSpeechRMS = 400
	// Speech starts with this many voiced frames in a row (100 ms), so a
	// click is not a "hello".
	amdMinWordFrames = 5
	// A beep is this many frames in a row (200 ms) of one pure tone.
	amdBeepFrames = 10
)

// amd tells a person from an answering machine by the first seconds of
// what the far end says, as open-source detectors do: energy tells speech
// from silence frame by frame; a person answers with a short "hello?" and
// then waits, a machine plays a long greeting. Speech longer than the
// speech threshold before a silence of the end threshold is a machine;
// shorter speech followed by that silence is a person; no speech at all
// until the silence timeout, or no decision by the timeout, is unknown.
// With detectEnd set it goes on listening after deciding "machine" until
// the greeting ends: a beep (machine_end_beep), a silence
// (machine_end_silence) or the timeout (machine_end_other).
//
// It works on audio time: Feed is given every 20 ms of the call, silence
// where no RTP came, so a far end that sends nothing still gets an answer.
type amd struct {
	detectEnd bool
	timeout   time.Duration

	buf     []int16
	t       time.Duration // audio analysed so far
	voiced  int           // voiced frames in a row
	speech  bool          // speech heard (a word of at least 100 ms)
	start   time.Duration // when the speech started
	last    time.Duration // end of the last voiced frame
	machine bool          // decided machine, listening for the end (detectEnd)

	tone     int     // frames in a row of one pure tone
	toneFreq float64 // its frequency

	result string
	at     time.Duration
}

func newAMD(detectEnd bool, timeout time.Duration) *amd {
	if timeout <= 0 {
		timeout = 30 * time.Second // Studio's machine_detection_timeout default
	}
	return &amd{detectEnd: detectEnd, timeout: timeout}
}

// Feed analyses 8 kHz PCM and reports the result once there is one.
func (a *amd) Feed(pcm []int16) (string, bool) {
	if a.result != "" {
		return a.result, true
	}
	a.buf = append(a.buf, pcm...)
	for len(a.buf) >= amdFrameSamples && a.result == "" {
		a.frame(a.buf[:amdFrameSamples])
		a.buf = a.buf[amdFrameSamples:]
	}
	if len(a.buf) == 0 {
		a.buf = nil
	}
	return a.result, a.result != ""
}

// Duration is how much audio the decision took (Twilio's
// MachineDetectionDuration).
func (a *amd) Duration() time.Duration { return a.at }

func (a *amd) decide(r string) {
	a.result, a.at = r, a.t
}

func (a *amd) frame(f []int16) {
	a.t += amdFrame
	loud := rms(f) >= amdSpeechRMS
	if a.detectEnd && loud && a.beep(f) {
		a.decide(AnsweredMachineEndBeep)
		return
	}
	if !loud {
		a.tone = 0
	}
	switch {
	case loud:
		a.voiced++
		a.last = a.t
		if !a.speech && a.voiced >= amdMinWordFrames {
			a.speech, a.start = true, a.t-time.Duration(a.voiced)*amdFrame
		}
	default:
		a.voiced = 0
	}
	switch {
	case a.machine:
		if a.t-a.last >= amdSpeechEndThreshold {
			a.decide(AnsweredMachineEndSilence)
		}
	case !a.speech:
		if a.t >= amdSilenceTimeout {
			a.decide(AnsweredUnknown)
			return
		}
	case a.t-a.last >= amdSpeechEndThreshold:
		// The speech ended before the threshold: a person waiting for us.
		a.decide(AnsweredHuman)
		return
	case a.last-a.start >= amdSpeechThreshold:
		if !a.detectEnd {
			a.decide(AnsweredMachineStart)
			return
		}
		a.machine = true
	}
	if a.result == "" && a.t >= a.timeout {
		if a.machine {
			a.decide(AnsweredMachineEndOther)
		} else {
			a.decide(AnsweredUnknown)
		}
	}
}

// beep reports a frame that continues a run of one pure tone long enough
// to be a machine's beep: the zero-crossing frequency stays within 4 % and
// nearly all the frame's energy sits at that frequency (speech spreads its
// energy over many).
func (a *amd) beep(f []int16) bool {
	freq := zeroCrossFreq(f)
	pure := freq >= 300 && freq <= 3000 && purity(f, freq) >= 0.7
	switch {
	case !pure:
		a.tone = 0
	case a.tone > 0 && math.Abs(freq-a.toneFreq) <= 0.04*a.toneFreq:
		a.tone++
	default:
		a.tone, a.toneFreq = 1, freq
	}
	return a.tone >= amdBeepFrames
}

// zeroCrossFreq estimates a frame's dominant frequency from its zero
// crossings (8 kHz).
func zeroCrossFreq(f []int16) float64 {
	n := 0
	for i := 1; i < len(f); i++ {
		if (f[i-1] < 0) != (f[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(f)) / 8000)
}

// purity is the share of a frame's energy at freq (Goertzel), 1 for a pure
// sine.
func purity(f []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	coeff := 2 * math.Cos(w)
	var s1, s2, energy float64
	for _, v := range f {
		x := float64(v)
		energy += x * x
		s0 := x + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	if energy == 0 {
		return 0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * power / (float64(len(f)) * energy)
}
