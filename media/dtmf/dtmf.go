// Package dtmf detects and generates in-band DTMF tones (ITU-T Q.23/Q.24)
// in 8 kHz linear PCM.
//
// The detector runs eight Goertzel filters over blocks of 160 samples
// (20 ms, 50 Hz bins) and accepts a block when its energy is above an
// absolute floor, the strongest row and column tones carry at least 60 % of
// it, the twist is within limits and every other tone of each group is at
// least 6 dB below the winner. A digit is reported after two consecutive
// blocks agree (40 ms) and the detector re-arms after a block without it.
package dtmf

import "math"

// BlockSize is the number of samples per analysis block (20 ms at 8 kHz).
const BlockSize = 160

// SampleRate is the rate the detector expects.
const SampleRate = 8000

var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad   = [4][4]byte{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// Thresholds (documented in voice.md §2.4).
const (
	// refPower is the mean power of a 0 dBm0 sine in samples normalised to
	// ±1: G.711's full-scale sine is +3.17 dBm0.
	refPower = 0.5 * (0.69336 * 0.69336) // (10^(-3.17/20))² / 2
	// floorDBm0 is the block-energy floor.
	floorDBm0 = -35.0
	// minRatio is the share of block energy that the two tones must hold.
	minRatio = 0.60
	// Twist: column may exceed row by 8 dB, row may exceed column by 4 dB.
	maxColOverRowDB = 8.0
	maxRowOverColDB = 4.0
	// Other tones of a group must be this far below its winner.
	otherMarginDB = 6.0
)

var (
	coeffs          [8]float64
	energyFloor     = refPower * math.Pow(10, floorDBm0/10) * BlockSize
	colOverRowLimit = math.Pow(10, maxColOverRowDB/10)
	rowOverColLimit = math.Pow(10, maxRowOverColDB/10)
	otherLimit      = math.Pow(10, otherMarginDB/10)
)

func init() {
	for i, f := range rowFreqs {
		coeffs[i] = 2 * math.Cos(2*math.Pi*f/SampleRate)
	}
	for i, f := range colFreqs {
		coeffs[4+i] = 2 * math.Cos(2*math.Pi*f/SampleRate)
	}
}

// Detector finds DTMF digits in a stream of 8 kHz samples. The zero value is
// ready to use, as is NewDetector's. A Detector is not safe for concurrent use.
type Detector struct {
	s1, s2  [8]float64
	energy  float64
	n       int  // samples in the current block
	last    byte // digit of the previous block, 0 for none
	emitted bool // last was already reported
}

// NewDetector returns a detector at the start of a block.
func NewDetector() *Detector { return &Detector{} }

// Reset forgets any partial block and digit state.
func (d *Detector) Reset() { *d = Detector{} }

// Feed consumes samples of any length, calling emit once for every digit
// detected. It does not allocate; emit runs on the caller's goroutine.
func (d *Detector) Feed(pcm []int16, emit func(digit byte)) {
	for len(pcm) > 0 {
		take := min(BlockSize-d.n, len(pcm))
		d.accumulate(pcm[:take])
		pcm = pcm[take:]
		d.n += take
		if d.n == BlockSize {
			digit := d.classify()
			d.s1, d.s2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
			switch {
			case digit == 0 || digit != d.last:
				d.emitted = false
			case !d.emitted:
				d.emitted = true
				if emit != nil {
					emit(digit)
				}
			}
			d.last = digit
		}
	}
}

func (d *Detector) accumulate(pcm []int16) {
	s1, s2, e := d.s1, d.s2, d.energy
	for _, v := range pcm {
		x := float64(v) * (1.0 / 32768)
		e += x * x
		for k := range 8 {
			s := x + coeffs[k]*s1[k] - s2[k]
			s2[k] = s1[k]
			s1[k] = s
		}
	}
	d.s1, d.s2, d.energy = s1, s2, e
}

// classify returns the digit present in the finished block, or 0.
func (d *Detector) classify() byte {
	if d.energy < energyFloor {
		return 0
	}
	var p [8]float64
	for k := range 8 {
		p[k] = d.s1[k]*d.s1[k] + d.s2[k]*d.s2[k] - coeffs[k]*d.s1[k]*d.s2[k]
	}
	row, col := strongest(p[:4]), strongest(p[4:])
	pr, pc := p[row], p[4+col]
	// A sine of amplitude A gives Goertzel power ≈ (A·N/2)² and block energy
	// A²·N/2, so the tones' energy is P·2/N.
	if (pr+pc)*2/BlockSize < minRatio*d.energy {
		return 0
	}
	if pc > pr*colOverRowLimit || pr > pc*rowOverColLimit {
		return 0
	}
	for k := range 4 {
		if k != row && p[k]*otherLimit > pr {
			return 0
		}
		if k != col && p[4+k]*otherLimit > pc {
			return 0
		}
	}
	return keypad[row][col]
}

func strongest(p []float64) int {
	best := 0
	for i := 1; i < len(p); i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// Frequencies returns the row and column frequencies (Hz) of a DTMF digit
// (0-9, *, #, A-D; lower-case a-d accepted) and whether it is one.
func Frequencies(digit byte) (row, col float64, ok bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for r := range 4 {
		for c := range 4 {
			if keypad[r][c] == digit {
				return rowFreqs[r], colFreqs[c], true
			}
		}
	}
	return 0, 0, false
}

// ToneLevelDBm0 is the level of each of the two tones Tone generates.
const ToneLevelDBm0 = -8.0

// Amplitude returns the peak amplitude (16-bit scale) of a sine at the given
// level in dBm0 (G.711: full scale = +3.17 dBm0).
func Amplitude(dBm0 float64) float64 {
	return 32767 * math.Pow(10, (dBm0-3.17)/20)
}

// Tone returns ms milliseconds of the digit's row and column sines at rate
// Hz, each at ToneLevelDBm0, or nil when digit is not a DTMF digit.
func Tone(digit byte, ms int, rate int) []int16 {
	return ToneLevels(digit, ms, rate, ToneLevelDBm0, ToneLevelDBm0)
}

// ToneLevels is Tone with separate row and column levels in dBm0 (for twist).
func ToneLevels(digit byte, ms, rate int, rowDBm0, colDBm0 float64) []int16 {
	fr, fc, ok := Frequencies(digit)
	if !ok || ms <= 0 || rate <= 0 {
		return nil
	}
	return AppendTones(make([]int16, 0, ms*rate/1000), ms, rate,
		[]float64{fr, fc}, []float64{Amplitude(rowDBm0), Amplitude(colDBm0)})
}

// AppendTones appends ms milliseconds of the sum of sines (freqs in Hz, peak
// amplitudes in 16-bit units) at rate Hz to dst, clipping to int16.
func AppendTones(dst []int16, ms, rate int, freqs, amps []float64) []int16 {
	n := ms * rate / 1000
	for i := range n {
		var v float64
		for k, f := range freqs {
			v += amps[k] * math.Sin(2*math.Pi*f*float64(i)/float64(rate))
		}
		dst = append(dst, clip16(v))
	}
	return dst
}

// Silence returns ms milliseconds of zero samples at rate Hz.
func Silence(ms, rate int) []int16 {
	if ms <= 0 || rate <= 0 {
		return nil
	}
	return make([]int16, ms*rate/1000)
}

func clip16(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}
